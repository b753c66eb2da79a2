"""dbaudit.postgresql.rds_log_exports with retention_days, through ansible-playbook against the emulator: one module
process makes the log group of the exported log (/aws/rds/cluster/<id>/postgresql or /aws/rds/instance/<id>/...)
with the retention, or gives an existing group that retention, then turns the export on. Check mode writes nothing,
a second run changes nothing, and a retention CloudWatch Logs does not accept is refused before any write.

Writes are counted by the emulator (stats.operations, reads told apart by sandbox.emulator.call_counter.is_read).
"""

from __future__ import annotations

import contextlib
import time

import pytest

from sandbox.emulator.call_counter import is_read

EXPORT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: export
      dbaudit.postgresql.rds_log_exports:
        cluster_identifier: "{{ cluster | default(omit) }}"
        db_instance_identifier: "{{ instance | default(omit) }}"
        retention_days: "{{ retention }}"
        state: "{{ state | default('present') }}"
      diff: true
      ignore_errors: true
"""

MESSAGES = ["AUDIT: SESSION,1,1,ROLE,GRANT,TABLE,,GRANT SELECT ON t TO y,<not logged>"]


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


@pytest.fixture
def writes_during(emulator_config):
    """writes_during(run) -> (run()'s result, the emulator's write operations meanwhile, by name)."""

    def measure(run):
        emulator_config({"reset_stats": True})
        result = run()
        operations = emulator_config({})["stats"]["operations"]
        return result, {name: n for name, n in operations.items() if not is_read(name)}

    return measure


@pytest.fixture
def postgres_instance(rds, unique_name):
    identifier = unique_name("pg")
    rds.create_db_instance(DBInstanceIdentifier=identifier, Engine="postgres", EngineVersion="15.4",
                           DBInstanceClass="db.m6g.large", MasterUsername="dbadmin",
                           MasterUserPassword="not-a-secret-1", AllocatedStorage=20)
    yield identifier
    with contextlib.suppress(Exception):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)


def describe_group(logs, group: str) -> dict | None:
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] if g["logGroupName"] == group]
    return found[0] if found else None


def cluster_exports(rds, cluster: str) -> list:
    described = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]
    return described.get("EnabledCloudwatchLogsExports", [])


def test_first_run_makes_the_group_with_the_retention_then_exports(playbook, rds, logs, make_cluster, writes_during):
    cluster = make_cluster(instance_classes=("db.r6g.large",))
    group = f"/aws/rds/cluster/{cluster}/postgresql"
    arn = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["DBClusterArn"]
    variables = {"cluster": cluster, "retention": 2557}

    # Check mode: both would change, nothing is written.
    run, writes = writes_during(lambda: playbook(EXPORT, extra_vars=variables, check=True))
    checked = run.result("export")
    assert run.rc == 0 and checked["changed"] is True, run.explain()
    assert writes == {}
    assert describe_group(logs, group) is None and cluster_exports(rds, cluster) == []
    assert checked["log_group"] == {"log_group_name": group, "retention_in_days": 2557, "existed": False}
    assert checked["existed"] is False and checked["enabled_log_types"] == ["postgresql"]
    assert checked["diff"] == {
        "before": {"enabled_log_types": [], "log_groups": {group: {"exists": False, "retention_in_days": None}}},
        "after": {"enabled_log_types": ["postgresql"],
                  "log_groups": {group: {"exists": True, "retention_in_days": 2557}}}}

    # The run: the group with seven years, then the export; one call each.
    run, writes = writes_during(lambda: playbook(EXPORT, extra_vars=variables))
    made = run.result("export")
    assert run.rc == 0 and made["changed"] is True, run.explain()
    assert writes == {"logs:CreateLogGroup": 1, "logs:PutRetentionPolicy": 1, "rds:ModifyDBCluster": 1}
    assert describe_group(logs, group)["retentionInDays"] == 2557
    assert cluster_exports(rds, cluster) == ["postgresql"]
    assert made["existed"] is False
    assert made["log_group"]["log_group_name"] == group and made["log_group"]["retention_in_days"] == 2557
    assert made["log_group"]["existed"] is False and made["log_group"]["arn"].startswith("arn:aws:logs:")
    assert made["retained_log_groups"] == [made["log_group"]]
    assert made["log_groups"] == [group]

    # Again, by ARN and with the retention as -e passes it, then in check mode: no change, no write.
    for check in (False, True):
        again_variables = {"cluster": arn, "retention": "2557"}
        run, writes = writes_during(lambda: playbook(EXPORT, extra_vars=again_variables, check=check))  # noqa: B023
        again = run.result("export")
        assert run.rc == 0 and again["changed"] is False, run.explain()
        assert writes == {}
        assert again["existed"] is True and again["log_group"]["log_group_name"] == group
        assert again["diff"]["before"] == again["diff"]["after"]


@pytest.mark.parametrize("bad", [-5, 42, 0, "abc"])
def test_a_retention_cloudwatch_refuses_is_refused_before_any_write(playbook, rds, logs, make_cluster,
                                                                    writes_during, bad):
    cluster = make_cluster(instance_classes=("db.r6g.large",))
    run, writes = writes_during(lambda: playbook(EXPORT, extra_vars={"cluster": cluster, "retention": bad}))
    refused = run.result("export")
    assert refused.get("failed") is True, refused
    assert "retention_days" in refused["msg"], refused["msg"]
    assert writes == {}
    assert describe_group(logs, f"/aws/rds/cluster/{cluster}/postgresql") is None
    assert cluster_exports(rds, cluster) == []


def test_other_refusals_write_nothing(playbook, rds, logs, make_cluster, unique_name, writes_during):
    cluster = make_cluster(instance_classes=("db.r6g.large",))
    missing = unique_name("gone")
    cases = [
        # A retention while stopping an export: the group is left as it is, so the option is a mistake.
        ({"cluster": cluster, "retention": 365, "state": "absent"}, "retention_days is for state=present"),
        # No such cluster: refused before its log group is made.
        ({"cluster": missing, "retention": 365}, f"DB cluster {missing} does not exist; nothing was changed"),
        # An Aurora member exports through its cluster.
        ({"instance": f"{cluster}-1", "retention": 365}, "give cluster_identifier instead"),
    ]
    for variables, message in cases:
        run, writes = writes_during(lambda: playbook(EXPORT, extra_vars=variables))  # noqa: B023 - called now
        refused = run.result("export")
        assert refused.get("failed") is True and message in refused["msg"], refused
        assert writes == {}, (variables, writes)
    for name in (cluster, missing, f"{cluster}-1"):
        assert describe_group(logs, f"/aws/rds/cluster/{name}/postgresql") is None
        assert describe_group(logs, f"/aws/rds/instance/{name}/postgresql") is None
    assert cluster_exports(rds, cluster) == []


def test_an_existing_group_of_an_instance_gets_our_retention_and_keeps_its_events(
        playbook, rds, logs, postgres_instance, writes_during):
    instance = postgres_instance
    group = f"/aws/rds/instance/{instance}/postgresql"
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=90)
    logs.create_log_stream(logGroupName=group, logStreamName=instance)
    logs.put_log_events(logGroupName=group, logStreamName=instance,
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": m} for m in MESSAGES])
    created = describe_group(logs, group)["creationTime"]
    arn = rds.describe_db_instances(DBInstanceIdentifier=instance)["DBInstances"][0]["DBInstanceArn"]
    try:
        run, writes = writes_during(lambda: playbook(EXPORT, extra_vars={"instance": arn, "retention": 365}))
        made = run.result("export")
        assert run.rc == 0 and made["changed"] is True, run.explain()
        assert writes == {"logs:PutRetentionPolicy": 1, "rds:ModifyDBInstance": 1}
        assert made["existed"] is True and made["log_group"]["log_group_name"] == group
        assert made["diff"]["before"]["log_groups"] == {group: {"exists": True, "retention_in_days": 90}}
        assert made["diff"]["after"]["log_groups"] == {group: {"exists": True, "retention_in_days": 365}}
        after = describe_group(logs, group)
        assert after["retentionInDays"] == 365 and after["creationTime"] == created  # the same group
        assert [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]] == MESSAGES
        described = rds.describe_db_instances(DBInstanceIdentifier=instance)["DBInstances"][0]
        assert described["EnabledCloudwatchLogsExports"] == ["postgresql"]

        run, writes = writes_during(lambda: playbook(EXPORT, extra_vars={"instance": instance, "retention": 365}))
        assert run.rc == 0 and run.result("export")["changed"] is False, run.explain()
        assert writes == {}
    finally:
        logs.delete_log_group(logGroupName=group)  # the test's own clean-up, not the module's
