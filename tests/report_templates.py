"""The audit report's templates (playbooks/templates/) rendered in-process as ansible.builtin.template renders them
(the templates' directory on the search path, trim_blocks), for the tests of what the report shows."""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
TEMPLATES = CHECKOUT / "playbooks" / "templates"


def render(name: str, report: dict, template: Path | None = None) -> str:
    """``template`` (default: the collection's ``name``) with ``dbaudit_report`` set to ``report``."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    source = template or TEMPLATES / name
    templar = Templar(loader=DataLoader(), variables={}).copy_with_new_env(
        searchpath=[str(TEMPLATES), str(source.parent)], available_variables={"dbaudit_report": report})
    return templar.template(trust_as_template(source.read_text(encoding="utf-8")), escape_backslashes=False,
                            overrides=dict(trim_blocks=True, lstrip_blocks=False, newline_sequence="\n"))
