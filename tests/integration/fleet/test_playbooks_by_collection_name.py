"""Every playbook of the collection also runs by its collection name (``ansible-playbook
dbaudit.postgresql.<name>``), resolved through the installed collection, not the checkout's path."""

from __future__ import annotations

import subprocess

import pytest

from harness import BIN, CHECKOUT, ansible_env

PLAYBOOKS = sorted(path.stem for path in (CHECKOUT / "playbooks").glob("*.yml"))


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_playbook_resolves_by_collection_name(name, tmp_path):
    done = subprocess.run([str(BIN / "ansible-playbook"), f"dbaudit.postgresql.{name}", "--syntax-check",
                           "-i", "localhost,"], capture_output=True, text=True, env=ansible_env(),
                          cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert f"ansible_collections/dbaudit/postgresql/playbooks/{name}.yml" in done.stdout


def test_the_playbooks_are_there():
    assert {"enable_audit", "measure_overhead"} <= set(PLAYBOOKS)
