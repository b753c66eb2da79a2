"""Every molecule scenario of the roles (``roles/<role>/molecule/<scenario>/``) runs ``molecule test``
against the session's sandbox: syntax, prepare, converge, idempotence (a second converge must report no
change) and verify, on the controller with the emulator as the AWS account (delegated, unmanaged driver)."""

from __future__ import annotations

import re
import subprocess

import pytest

from harness import BIN, CHECKOUT, ansible_env

SCENARIOS = sorted(CHECKOUT.glob("roles/*/molecule/*/molecule.yml"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: f"{path.parts[-4]}-{path.parts[-2]}")
def test_molecule_scenario(scenario, sandbox_env):
    role_dir, name = scenario.parents[2], scenario.parent.name
    done = subprocess.run([str(BIN / "molecule"), "test", "-s", name], cwd=role_dir,
                          env=ansible_env(sandbox_env, {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                                                        "NO_COLOR": "1", "MOLECULE_NO_LOG": "false"}),
                          capture_output=True, text=True, timeout=1800, check=False)
    output = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, output[-6000:]
    # The idempotence step really ran (a sequence without it would pass a role that always changes).
    sequence = re.search(r"scenario test matrix: ([a-z, ]+)", output)
    assert sequence and "idempotence" in sequence.group(1).split(", "), output[-3000:]
    assert "converge" in sequence.group(1) and "verify" in sequence.group(1)


def test_every_role_with_aws_or_database_tasks_has_a_scenario():
    with_scenario = {path.parts[-4] for path in SCENARIOS}
    assert {"activity_stream", "das_alerting", "pgaudit", "pgaudit_alerting"} <= with_scenario
