"""Every play of the fleet playbooks runs its AWS calls with one environment, dbaudit_aws_environment of
playbooks/vars/aws_environment.yml (botocore's retry mode and attempts from dbaudit_aws_retry_mode and
dbaudit_aws_max_attempts), and nothing else defines those variables."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parents[3]
PLAYBOOKS = ["enable_audit.yml", "disable_audit.yml", "audit_report.yml"]


def test_the_environment_is_the_retry_settings_with_their_defaults():
    variables = yaml.safe_load((CHECKOUT / "playbooks/vars/aws_environment.yml").read_text())
    assert variables == {"dbaudit_aws_environment": {
        "AWS_RETRY_MODE": "{{ dbaudit_aws_retry_mode | default('standard') }}",
        "AWS_MAX_ATTEMPTS": "{{ dbaudit_aws_max_attempts | default(10) }}"}}


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_play_takes_the_one_environment(playbook):
    plays = yaml.safe_load((CHECKOUT / "playbooks" / playbook).read_text())
    for play in plays:
        assert play.get("environment") == "{{ dbaudit_aws_environment }}", play["name"]
        assert "vars/aws_environment.yml" in play.get("vars_files", []), play["name"]


def test_no_other_file_sets_the_retry_variables():
    files = [path for path in sorted(CHECKOUT.glob("playbooks/**/*.yml")) + sorted(CHECKOUT.glob("roles/*/*/*.yml"))
             if path.name != "aws_environment.yml" and "AWS_RETRY_MODE:" in path.read_text()]
    assert files == []
