"""-e key=value and AWX surveys pass every variable as a string, and extra vars cannot be overridden (set_fact,
role vars) nor are they converted by role argument validation. So wherever a playbook or role decides on a
boolean or integer input in Jinja - a ``when:``, ``not``, a comparison, a value built into a fact - the input must go
through ``| bool`` / ``| int`` first (ansible-core 2.19 refuses a string condition, and ``not "false"`` is False).
A module option given the bare variable (``"{{ var }}"``, with or without ``| default(...)``) is fine: the module's
argument spec converts it. This reads every task file and playbook and names the places that do neither."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

CHECKOUT = Path(__file__).resolve().parents[3]
# Inputs the playbooks themselves read (README), beside the roles' argument_specs.
PLAYBOOK_INPUTS = {"dbaudit_das_enabled": "bool", "dbaudit_skip_failing_hosts": "bool",
                   "dbaudit_fail_on_drift": "bool", "dbaudit_disable_preload": "bool",
                   "dbaudit_disable_log_export": "bool", "dbaudit_pgaudit_alerting_enabled": "bool",
                   "dbaudit_das_alerting_enabled": "bool", "dbaudit_max_fail_percentage": "int",
                   "dbaudit_aws_concurrency": "int", "dbaudit_aws_max_attempts": "int"}
# Values whose consumer takes the strings itself: task names; run_input_problems (module_utils.run_inputs) reads
# booleans and integers as given.
EXEMPT_KEYS = ("name", "dbaudit_input_problems")
BARE = re.compile(r"^\s*\{\{\s*(?:hv\.|v\.)?(\w+)\s*(?:\|\s*default\([^()]*\)\s*)?\}\}\s*$")


def typed_inputs() -> dict[str, str]:
    inputs = dict(PLAYBOOK_INPUTS)
    for path in sorted(CHECKOUT.glob("roles/*/meta/argument_specs.yml")):
        for spec in yaml.safe_load(path.read_text())["argument_specs"].values():
            for name, option in (spec.get("options") or {}).items():
                if option.get("type") in ("bool", "int"):
                    inputs[name] = option["type"]
    return inputs


def task_files() -> list[Path]:
    files = sorted(CHECKOUT.glob("playbooks/*.yml")) + sorted(CHECKOUT.glob("playbooks/vars/*.yml"))
    for role in sorted(CHECKOUT.glob("roles/*")):
        files += sorted((role / "tasks").glob("*.yml")) + sorted((role / "vars").glob("*.yml"))
    return files


def expressions(node, key=None):
    """(key, text) of every string that Ansible templates or evaluates: when/conditions, and Jinja anywhere."""
    if isinstance(node, dict):
        for k, value in node.items():
            yield from expressions(value, k)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item, key)
    elif isinstance(node, str) and (key in ("when", "changed_when", "failed_when", "that") or "{{" in node
                                    or "{%" in node):
        yield key, node


def unconverted(text: str, name: str, kind: str, condition: bool) -> bool:
    """Whether a use of ``name`` in ``text`` decides on it unconverted: a boolean not through ``| bool`` (unless the
    whole value, or one ``{{ }}`` of it, is the bare variable: a module option converts it, a message prints it);
    an integer next to a comparison or arithmetic operator, or in ``range()``, not through ``| int``."""
    if not condition and BARE.match(text) and BARE.match(text).group(1) == name:
        return False
    pattern = r"(?<![\w.])(?:hv\.|v\.|hostvars\[[^\]]+\]\.)?" + name + r"\b(?!\s*[:=(])"
    for match in re.finditer(pattern, text):
        rest = re.sub(r"^\s*\|\s*default\([^()]*\)", "", text[match.end():])
        rest = re.sub(r"^\s*\)", "", rest)  # (var | default(x)) | bool
        if re.match(r"\s*\|\s*" + kind + r"\b", rest):
            continue
        before = text[:match.start()]
        if not condition and re.search(r"\{\{\s*$", before) and re.match(r"\s*\}\}", rest):
            continue  # {{ var }} inside a text: printed
        if kind == "bool":
            return True
        if re.match(r"\s*([<>=!+*/%-])", rest) or re.search(r"([<>=!+*/%-]|range\()\s*$", before):
            return True
    return False


def test_every_boolean_and_integer_input_is_converted_where_jinja_decides_on_it():
    inputs = typed_inputs()
    assert {"dbaudit_log_export", "dbaudit_das_alerting_prune_clusters", "dbaudit_log_retention_days"} <= set(inputs)
    found = []
    for path in task_files():
        for key, text in expressions(yaml.safe_load(path.read_text())):
            if key in EXEMPT_KEYS:
                continue
            condition = key in ("when", "changed_when", "failed_when", "that")
            for name, kind in inputs.items():
                if re.search(r"\b" + name + r"\b", text) and unconverted(text, name, kind, condition):
                    found.append(f"{path.relative_to(CHECKOUT)}: {name} in {text.strip()[:120]!r}")
    assert found == []


def test_the_check_catches_what_ansible_gets_wrong():
    assert unconverted("not dbaudit_das_alerting_prune_clusters", "dbaudit_das_alerting_prune_clusters", "bool", True)
    assert unconverted("dbaudit_das_enabled | default(true)", "dbaudit_das_enabled", "bool", True)
    assert unconverted("{{ {'log_export': v.dbaudit_log_export} }}", "dbaudit_log_export", "bool", False)
    assert not unconverted("(hv.dbaudit_das_enabled | default(true)) | bool", "dbaudit_das_enabled", "bool", True)
    assert not unconverted("{{ dbaudit_aws_concurrency | default(0) }}", "dbaudit_aws_concurrency", "int", False)
    assert not unconverted("dbaudit_overhead_threads | int <= dbaudit_overhead_clients | int",
                           "dbaudit_overhead_clients", "int", True)
    assert unconverted("dbaudit_overhead_warmup_duration > 0", "dbaudit_overhead_warmup_duration", "int", True)
    assert unconverted("{{ range(dbaudit_overhead_repeats) }}", "dbaudit_overhead_repeats", "int", False)
    assert not unconverted("runs of {{ dbaudit_overhead_duration }} s", "dbaudit_overhead_duration", "int", False)
    assert unconverted("{{ 'versioned' if dbaudit_das_alerting_bucket_versioning else '' }}",
                       "dbaudit_das_alerting_bucket_versioning", "bool", False)
