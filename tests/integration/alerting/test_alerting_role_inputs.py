"""Bad input to das_alerting and pgaudit_alerting is refused by the roles' argument specs before any
task runs (so before anything is read or changed in AWS): real ansible-playbook runs, no sandbox."""

from __future__ import annotations

import pytest

from alerting_testing import role_playbook
from harness import run_playbook

CASES = [
    ("das_alerting", {"dbaudit_das_alerting_batch_size": "many"}, "dbaudit_das_alerting_batch_size"),
    ("das_alerting", {"dbaudit_das_alerting_starting_position": "NOW"}, "dbaudit_das_alerting_starting_position"),
    ("das_alerting", {"dbaudit_das_alerting_bisect_on_error": "sometimes"}, "dbaudit_das_alerting_bisect_on_error"),
    ("das_alerting", {"dbaudit_das_alerting_subscriptions": [{"protocol": "email"}]}, "endpoint"),
    ("das_alerting", {"dbaudit_das_alerting_rules": [{"classes": ["ROLE"]}]}, "name"),
    ("das_alerting", {"dbaudit_das_alerting_internal_users": {"rdsadmin": 1}}, "dbaudit_das_alerting_internal_users"),
    ("pgaudit_alerting", {"dbaudit_pgaudit_alerting_window_seconds": "five minutes"},
     "dbaudit_pgaudit_alerting_window_seconds"),
    ("pgaudit_alerting", {"dbaudit_pgaudit_alerting_target": "database"}, "dbaudit_pgaudit_alerting_target"),
    ("pgaudit_alerting", {"dbaudit_pgaudit_alerting_subscriptions": [{"endpoint": "dba@example.com"}]}, "protocol"),
    ("pgaudit_alerting", {"dbaudit_pgaudit_alerting_include_statement": "perhaps"},
     "dbaudit_pgaudit_alerting_include_statement"),
    ("pgaudit_alerting", {"dbaudit_pgaudit_alerting_rules": [{"name": "r", "classes": {"ROLE": True}}]},
     "classes"),
]


@pytest.mark.parametrize(("role", "bad_vars", "named"), CASES,
                         ids=[f"{role}-{'-'.join(bad)}" for role, bad, _named in CASES])
def test_bad_input_fails_before_any_task(role, bad_vars, named):
    # No endpoint: if validation let the input through, the first AWS call would fail instead, with
    # another message and after other tasks, and the assertions below would catch it.
    run = run_playbook(role_playbook(role), extra_vars=bad_vars,
                       env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "us-east-1",
                            "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"})
    assert run.rc != 0
    tasks = run.tasks()
    assert len(tasks) == 1, [t["task"]["name"] for t in tasks]
    assert f"dbaudit.postgresql.{role} : Validating arguments against arg spec" in tasks[0]["task"]["name"]
    result = tasks[0]["hosts"]["localhost"]
    assert result.get("failed")
    assert named in result["msg"], result["msg"]


@pytest.mark.parametrize("role", ["das_alerting", "pgaudit_alerting"])
def test_defaults_pass_validation(role):
    """The same check with the documented defaults passes validation (and then fails on the dead endpoint)."""
    run = run_playbook(role_playbook(role),
                       env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "us-east-1",
                            "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                            "AWS_MAX_ATTEMPTS": "1"})
    names = [t["task"]["name"] for t in run.tasks()]
    assert f"dbaudit.postgresql.{role} : Validating arguments against arg spec" in names[0]
    assert not run.tasks()[0]["hosts"]["localhost"].get("failed")
    assert len(names) > 1
