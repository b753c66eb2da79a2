"""Clusters that share a custom cluster parameter group: preflight names every cluster a change of the group
reaches and the wave it is made in, refuses (with 0 AWS writes) a change that would reach clusters outside the
run unless asked for, and disable_audit does the same before dropping pgaudit from such a group or stopping a
stream that would restart a cluster its reboot policy protects."""

from __future__ import annotations

from fleet_testing import cluster_state, run_once_result, write_inventory
from harness import CHECKOUT, run_playbook

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
DISABLE = CHECKOUT / "playbooks" / "disable_audit.yml"
PREFLIGHT = "Check every cluster at once (engine, version, status, instance classes, DAS support, KMS key)"
DISABLE_PREFLIGHT = "Check every cluster at once (status, activity stream stop, shared parameter groups)"
PLAN = "Plan - the waves, and every cluster a shared parameter group change reaches"
ALLOW = "dbaudit_allow_shared_parameter_group_changes"


def preload(rds, group: str) -> str:
    for page in rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=group):
        for parameter in page["Parameters"]:
            if parameter["ParameterName"] == "shared_preload_libraries":
                return parameter.get("ParameterValue") or ""
    return ""


def shared_fleet(rds, unique_name, count=3):
    """``count`` clusters on one custom group that already preloads pg_stat_statements; names sort in order."""
    base = unique_name("shpg-")
    group = f"{base}-group"
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=group,
                                          DBParameterGroupFamily="aurora-postgresql15",
                                          Description="shared by several clusters")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[{
        "ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements",
        "ApplyMethod": "pending-reboot"}])
    names = [f"{base}-{letter}" for letter in "abcdefgh"[:count]]
    for name in names:
        rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="15.4",
                              MasterUsername="postgres", MasterUserPassword="not-used-here",
                              DBClusterParameterGroupName=group)
        rds.create_db_instance(DBInstanceIdentifier=f"{name}-1", DBClusterIdentifier=name, Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large")
    return group, names


def pending(rds, cluster: str) -> list[str]:
    members = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["DBClusterMembers"]
    return [m["DBInstanceIdentifier"] for m in members if m.get("DBClusterParameterGroupStatus") == "pending-reboot"]


def test_change_reaching_a_cluster_outside_the_run_is_refused_with_no_write(sandbox_env, aws_client, emulator_config,
                                                                            tmp_path, unique_name):
    rds = aws_client("rds")
    group, (first, second, outside) = shared_fleet(rds, unique_name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {first: {"dbaudit_das_enabled": False},
                                             second: {"dbaudit_das_enabled": False}})
    before = {name: cluster_state(rds, name) for name in (first, second, outside)}

    emulator_config({"reset_stats": True})
    run = run_playbook(ENABLE, sandbox_env, inventory=inventory)
    stats = emulator_config({})["stats"]

    assert run.rc != 0
    preflight = run_once_result(run, PREFLIGHT)
    assert preflight["failing_hosts"] == [first, second]
    for host in (first, second):
        [problem] = preflight["hosts"][host]["problems"]
        assert group in problem and outside in problem and ALLOW in problem
        entry = preflight["hosts"][host]["parameter_group"]
        assert entry["clusters"] == [first, second, outside] and entry["outside_run"] == [outside]
    assert stats["writes"] == 0, stats["operations"]
    assert preload(rds, group) == "pg_stat_statements"
    assert {name: cluster_state(rds, name) for name in before} == before


def test_plan_names_every_cluster_the_shared_group_reaches_and_check_mode_writes_nothing(
        sandbox_env, aws_client, emulator_config, tmp_path, unique_name):
    rds = aws_client("rds")
    group, (first, second, third) = shared_fleet(rds, unique_name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {"dbaudit_das_enabled": False} for name in (first, second, third)})

    emulator_config({"reset_stats": True})
    run = run_playbook(ENABLE, sandbox_env, inventory=inventory, check=True, diff=True,
                       extra_vars={"dbaudit_waves": [1, "100%"]})
    stats = emulator_config({})["stats"]

    assert run.rc == 0, run.explain()
    preflight = run_once_result(run, PREFLIGHT)
    assert preflight["failing_hosts"] == []
    assert [preflight["hosts"][h]["wave"] for h in (first, second, third)] == [1, 2, 2]
    entry = preflight["hosts"][third]["parameter_group"]
    assert entry["changed_by"] == first and entry["changed_in_wave"] == 1 and entry["changes"] is True
    plan = run_once_result(run, PLAN)["msg"]
    assert plan[0] == f"wave 1: {first}"
    assert group in plan[1] and f"{second} (wave 2, pending a reboot until then)" in plan[1] and third in plan[1]
    assert plan[2] == f"wave 2: {second}, {third}"
    assert stats["writes"] == 0, stats["operations"]
    assert preload(rds, group) == "pg_stat_statements"


def test_allowed_change_leaves_the_outside_cluster_pending_and_disable_is_refused_for_it(
        sandbox_env, aws_client, emulator_config, tmp_path, unique_name):
    rds = aws_client("rds")
    group, (first, second, outside) = shared_fleet(rds, unique_name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {first: {"dbaudit_das_enabled": False},
                                             second: {"dbaudit_das_enabled": False}})

    run = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars={ALLOW: True})

    assert run.rc == 0, run.explain()
    assert preload(rds, group) == "pg_stat_statements,pgaudit"
    assert pending(rds, first) == [] and pending(rds, second) == []
    # The cluster outside the run got the change with no wave of its own: it waits for a reboot, as the plan said.
    assert pending(rds, outside) == [f"{outside}-1"]

    # The way out: dropping pgaudit from the group would reach the outside cluster too.
    emulator_config({"reset_stats": True})
    out = run_playbook(DISABLE, sandbox_env, inventory=inventory, args=["--limit", first],
                       extra_vars={"dbaudit_disable_preload": True})
    stats = emulator_config({})["stats"]
    assert out.rc != 0
    preflight = run_once_result(out, DISABLE_PREFLIGHT)
    assert preflight["failing_hosts"] == [first]
    assert any(second in p and outside in p and ALLOW in p for p in preflight["hosts"][first]["problems"])
    assert stats["writes"] == 0, stats["operations"]
    assert preload(rds, group) == "pg_stat_statements,pgaudit"


def test_disable_refuses_a_stream_stop_that_would_restart_a_protected_cluster(
        sandbox_env, aws_client, emulator_config, tmp_path, unique_name):
    rds, kms = aws_client("rds"), aws_client("kms")
    _group, (cluster,) = shared_fleet(rds, unique_name, count=1)
    arn = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["DBClusterArn"]
    key = kms.create_key(Description="stream key of one test")["KeyMetadata"]["KeyId"]
    rds.start_activity_stream(ResourceArn=arn, Mode="async", KmsKeyId=key, ApplyImmediately=True)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {cluster: {"dbaudit_reboot_policy": "never"}})

    emulator_config({"reset_stats": True})
    run = run_playbook(DISABLE, sandbox_env, inventory=inventory)
    stats = emulator_config({})["stats"]

    assert run.rc != 0
    [problem] = run_once_result(run, DISABLE_PREFLIGHT)["hosts"][cluster]["problems"]
    assert "restarts the cluster at once" in problem and "never" in problem
    assert stats["writes"] == 0, stats["operations"]
    assert rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["ActivityStreamStatus"] in (
        "started", "starting")
