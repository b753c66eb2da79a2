"""Bad input to the roles is refused by their meta/argument_specs.yml before any task runs.

Each case runs a real ``ansible-playbook`` that includes the role with one bad variable and points
it at the session sandbox: the run must fail in the argument validation task with the spec's
message, no task of the role may have run, and nothing may appear in the emulated account."""

from __future__ import annotations

import json

import boto3
import pytest

from harness import run_playbook

CLUSTER = "validation-cluster-01"
DEPENDENCY_TASK = "dbaudit.postgresql.audit_profiles : Audit profiles available"
VALIDATION_TASK = "Validating arguments against arg spec 'main'"

CASES = {
    "pgaudit-reboot-policy-not-a-choice": (
        "pgaudit", {"dbaudit_reboot_policy": "whenever"},
        ["dbaudit_reboot_policy", "must be one of: rolling, next_maintenance_window, never"]),
    "pgaudit-retention-not-an-int": (
        "pgaudit", {"dbaudit_log_retention_days": "a year"},
        ["dbaudit_log_retention_days", "int"]),
    # CloudWatch Logs accepts only its own retentions (2557 is one, 42 and 0 are not): refused before any change,
    # where amazon.aws.cloudwatchlogs_log_group deleted the log group.
    "pgaudit-retention-not-a-cloudwatch-value": (
        "pgaudit", {"dbaudit_log_retention_days": 42},
        ["dbaudit_log_retention_days", "must be one of: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, "
         "731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, got: 42"]),
    "pgaudit-alerting-log-group-retention-zero": (
        "pgaudit_alerting", {"dbaudit_pgaudit_alerting_log_group_retention_days": "0"},
        ["dbaudit_pgaudit_alerting_log_group_retention_days", "must be one of", "got: 0"]),
    "das-alerting-retention-negative": (
        "das_alerting", {"dbaudit_das_alerting_log_retention_days": -5},
        ["dbaudit_das_alerting_log_retention_days", "must be one of", "got: -5"]),
    "pgaudit-databases-not-a-list": (
        "pgaudit", {"dbaudit_databases": {"name": "postgres"}},
        ["dbaudit_databases", "list"]),
    "pgaudit-policy-without-profile": (
        "pgaudit", {"dbaudit_role_policies": [{"role": "app_user"}]},
        ["missing required arguments: profile", "dbaudit_role_policies"]),
    "pgaudit-policy-without-role-or-database": (
        "pgaudit", {"dbaudit_role_policies": [{"profile": "baseline"}]},
        ["one of the following is required: role, database", "dbaudit_role_policies"]),
    "activity-stream-state-not-a-choice": (
        "activity_stream", {"dbaudit_das_state": "running"},
        ["dbaudit_das_state", "must be one of: started, stopped"]),
    "activity-stream-mode-not-a-choice": (
        "activity_stream", {"dbaudit_das_mode": "eventually"},
        ["dbaudit_das_mode", "must be one of: async, sync"]),
    "activity-stream-apply-not-a-bool": (
        "activity_stream", {"dbaudit_das_apply_immediately": "perhaps"},
        ["dbaudit_das_apply_immediately", "bool"]),
    "audit-profiles-not-a-dict": (
        "audit_profiles", {"dbaudit_audit_profiles": ["baseline"]},
        ["dbaudit_audit_profiles", "dict"]),
    "measure-overhead-workload-without-name": (
        "measure_overhead", {"dbaudit_overhead_workloads": [{"script": "SELECT 1"}]},
        ["dbaudit_overhead_workloads", "missing required arguments"]),
}


def _play(role: str, bad_vars: dict) -> str:
    return f"""
    - name: Role with bad input
      hosts: localhost
      gather_facts: false
      tasks:
        - name: Include the role
          ansible.builtin.include_role:
            name: dbaudit.postgresql.{role}
          vars: {json.dumps(dict(bad_vars, dbaudit_cluster_id=CLUSTER))}
    """


def _aws(sandbox_env: dict, service: str):
    aws = sandbox_env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


def _account_state(sandbox_env: dict) -> dict:
    """What a role could create for the cluster: its parameter group, log group and KMS aliases."""
    rds, logs, kms = _aws(sandbox_env, "rds"), _aws(sandbox_env, "logs"), _aws(sandbox_env, "kms")
    groups = {g["DBClusterParameterGroupName"] for g in
              rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]}
    log_groups = {g["logGroupName"] for g in logs.describe_log_groups(
        logGroupNamePrefix=f"/aws/rds/cluster/{CLUSTER}")["logGroups"]}
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    return {"groups": groups, "log_groups": log_groups, "aliases": aliases}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_before_any_task(case, sandbox_env):
    role, bad_vars, messages = CASES[case]
    before = _account_state(sandbox_env)
    run = run_playbook(_play(role, bad_vars), sandbox_env)
    assert run.rc != 0, run.explain()
    ran = [task["task"]["name"] for task in run.tasks()]
    # include_role itself, then validation tasks only, the last one the role's own, which fails: no
    # task of the role ran. The one exception is the dependency audit_profiles (of pgaudit and
    # measure_overhead), which validates and runs its only task, a read-only debug, first.
    assert ran[0] == "Include the role", ran
    assert all(VALIDATION_TASK in name or name == DEPENDENCY_TASK for name in ran[1:]), ran
    assert ran[-1].startswith(f"dbaudit.postgresql.{role} : {VALIDATION_TASK}"), ran
    result = run.tasks()[-1]["hosts"]["localhost"]
    assert result.get("failed"), result
    message = result.get("msg", "") + json.dumps(result.get("argument_errors", []))
    for expected in messages:
        assert expected in message, message
    assert _account_state(sandbox_env) == before


def test_valid_input_passes_validation(sandbox_env):
    """The same play with valid input gets past validation (so the cases above fail on their bad value)."""
    run = run_playbook(_play("audit_profiles", {}), sandbox_env)
    assert run.rc == 0, run.explain()
    validation = [task for task in run.tasks() if VALIDATION_TASK in task["task"]["name"]]
    assert len(validation) == 1 and not validation[0]["hosts"]["localhost"].get("failed"), run.explain()
