"""-e key=value and AWX surveys pass every value as a string: enable_audit and audit_report take the booleans as
'false'/'no'/'0' and 'true'/'yes'/'1' and the integers as digits, and do what they say (ansible-core 2.19 refuses a
string as a condition, and `not "false"` is False). The prune_clusters case is in
tests/integration/alerting/test_alerting_roles_converge.py, beside the deployed das_alerting."""

from __future__ import annotations

from fleet_testing import cluster_state, make_cluster, write_inventory
from harness import CHECKOUT, run_playbook

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
REPORT = CHECKOUT / "playbooks" / "audit_report.yml"


def as_args(values: dict) -> list[str]:
    return [arg for name, value in values.items() for arg in ("-e", f"{name}={value}")]


def log_group_retention(logs, name: str):
    groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/rds/cluster/{name}/")["logGroups"]
    return {g["logGroupName"]: g.get("retentionInDays") for g in groups}


def test_booleans_and_integers_given_as_strings(sandbox_env, aws_client, tmp_path, unique_name):
    rds, logs = aws_client("rds"), aws_client("logs")
    name, missing = unique_name("strin-"), unique_name("absent-")
    make_cluster(rds, name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {}, missing: {}})
    port = str(sandbox_env["postgres"]["port"])
    common = {"dbaudit_max_fail_percentage": "0", "dbaudit_aws_concurrency": "1", "dbaudit_aws_max_attempts": "4",
              "dbaudit_login_port": port}

    # Off: no activity stream, no log export, no alerting; the cluster that fails preflight is left out.
    off = run_playbook(ENABLE, sandbox_env, inventory=inventory, args=as_args(dict(
        common, dbaudit_das_enabled="no", dbaudit_log_export="0", dbaudit_skip_failing_hosts="yes",
        dbaudit_login_iam_auth="false", dbaudit_das_apply_immediately="false",
        dbaudit_pgaudit_alerting_enabled="no", dbaudit_das_alerting_enabled="0", dbaudit_log_retention_days="7")))
    assert off.rc == 0, off.explain()
    assert cluster_state(rds, name) == (f"{name}-dbaudit", "stopped", ())
    assert log_group_retention(logs, name) == {}

    # Drift (the inventory wants a stream and the export): fail_on_drift as a string, both ways.
    for value, rc in (("no", 0), ("1", 2)):
        report = run_playbook(REPORT, sandbox_env, inventory=inventory, args=["--limit", name] + as_args(
            {"dbaudit_fail_on_drift": value, "dbaudit_report_dir": str(tmp_path / "report"), **common}))
        assert report.rc == rc, (value, report.explain())
    # The same inputs as the run had: no drift, so "yes" passes.
    same = run_playbook(REPORT, sandbox_env, inventory=inventory, args=["--limit", name] + as_args(dict(
        common, dbaudit_fail_on_drift="yes", dbaudit_das_enabled="no", dbaudit_log_export="0",
        dbaudit_log_retention_days="7", dbaudit_report_dir=str(tmp_path / "report"))))
    assert same.rc == 0, same.explain()

    # Without skip_failing_hosts ("false"), the missing cluster stops the run before any change.
    stopped = run_playbook(ENABLE, sandbox_env, inventory=inventory, args=as_args(dict(
        common, dbaudit_das_enabled="1", dbaudit_skip_failing_hosts="false")))
    assert stopped.rc != 0 and "Preflight failed for " + missing in stopped.stdout, stopped.explain()
    assert cluster_state(rds, name) == (f"{name}-dbaudit", "stopped", ())

    # On: the stream starts, the log is exported to a group with the retention asked for.
    on = run_playbook(ENABLE, sandbox_env, inventory=inventory, args=as_args(dict(
        common, dbaudit_das_enabled="yes", dbaudit_log_export="1", dbaudit_skip_failing_hosts="true",
        dbaudit_das_apply_immediately="true", dbaudit_log_retention_days="14", dbaudit_login_iam_auth="0",
        dbaudit_pgaudit_alerting_enabled="false", dbaudit_das_alerting_enabled="no")))
    assert on.rc == 0, on.explain()
    assert cluster_state(rds, name) == (f"{name}-dbaudit", "started", ("postgresql",))
    assert log_group_retention(logs, name) == {f"/aws/rds/cluster/{name}/postgresql": 14}
