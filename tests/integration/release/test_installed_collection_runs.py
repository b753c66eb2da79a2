"""The installed tarball, not the checkout, is what Ansible resolves and runs: ansible-doc documents a module from
the install, and a playbook runs a module through its action group against the sandbox. (Building the tarball and
installing it offline beside the bundled amazon.aws, community.aws and community.postgresql are conftest.py's session
fixtures, what the tarball holds is test_tarball_content.py's, the Lambda zips it ships test_shipped_lambda_zips.py's.)
"""

from __future__ import annotations

import json
import subprocess
import textwrap

from release_testing import run

from harness import BIN, ansible_env

PLAY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/dbaudit.postgresql.postgres:
      login_port: "{{ port }}"
  tasks:
    - name: info
      dbaudit.postgresql.pgaudit_info:
"""


def test_the_installed_copy_is_documented_and_runs_a_module_through_its_action_group(
        sandbox_env, tmp_path, release_dir, installed_collections):
    # The checkout's ansible.cfg points at the checkout itself; these runs must see only the installed copy (and the
    # collections the `ansible` package bundles, which Ansible always searches).
    env = ansible_env(sandbox_env, {"ANSIBLE_COLLECTIONS_PATH": str(installed_collections),
                                    "ANSIBLE_CONFIG": str(release_dir / "ansible.cfg"),
                                    "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    target = installed_collections / "ansible_collections" / "dbaudit" / "postgresql"
    assert not (target / "sandbox").exists()

    doc = json.loads(run([BIN / "ansible-doc", "--json", "dbaudit.postgresql.pgaudit_settings"], env, tmp_path).stdout)
    assert doc["dbaudit.postgresql.pgaudit_settings"]["doc"]["filename"].startswith(str(target))

    playbook = tmp_path / "info.yml"
    playbook.write_text(textwrap.dedent(PLAY), encoding="utf-8")
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook),
                           "-e", f"port={sandbox_env['postgres']['port']}"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads(proc.stdout[proc.stdout.find("{"):])
    info = report["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert info["preloaded"] and not info["changed"]
