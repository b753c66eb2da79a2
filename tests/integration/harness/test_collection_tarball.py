"""The collection as a user gets it: `ansible-galaxy collection build` makes a tarball of collection content
only, it installs offline beside the bundled amazon.aws and community.aws (its declared dependencies), and the
installed copy, not the checkout, runs a module through its action group against the sandbox. The Lambda zips it
ships, and their offline deploy from a read-only install, are release/test_shipped_lambda_zips.py's."""

from __future__ import annotations

import json
import subprocess
import tarfile
import textwrap

from harness import BIN, CHECKOUT, ansible_env

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


def run(cmd: list[str], env: dict, cwd) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=300, check=False)
    assert proc.returncode == 0, f"{cmd}: rc={proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc


def test_built_tarball_holds_collection_content_installs_offline_and_runs(sandbox_env, tmp_path):
    installed = tmp_path / "installed"
    # The checkout's ansible.cfg points at the checkout itself; this run must see only the installed copy
    # (and the collections the `ansible` package bundles, which Ansible always searches).
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\n", encoding="utf-8")
    env = ansible_env(sandbox_env, {"ANSIBLE_COLLECTIONS_PATH": str(installed), "ANSIBLE_CONFIG": str(config),
                                    "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})

    run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(CHECKOUT)],
        env, tmp_path)
    tarball = tmp_path / "dbaudit-postgresql-0.1.0.tar.gz"
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    tops = {name.split("/", 1)[0] for name in names}
    assert {"MANIFEST.json", "FILES.json", "plugins", "roles", "playbooks", "meta"} <= tops
    assert not tops & {".venv", ".sandbox", "sandbox", "scripts", "benchmarks", "build", ".git"}, tops
    assert "plugins/modules/pgaudit_settings.py" in names and "meta/runtime.yml" in names

    # --offline: dependencies are resolved from what is installed; amazon.aws and community.aws come from
    # the `ansible` package, so a missing or unsatisfiable declared dependency fails here.
    run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(installed), str(tarball)],
        env, tmp_path)
    target = installed / "ansible_collections" / "dbaudit" / "postgresql"
    assert (target / "MANIFEST.json").is_file() and not (target / "sandbox").exists()

    doc = json.loads(run([str(BIN / "ansible-doc"), "--json", "dbaudit.postgresql.pgaudit_settings"],
                         env, tmp_path).stdout)
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
