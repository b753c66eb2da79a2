"""One inventory of every kind of host: an Aurora PostgreSQL 15 cluster, an Aurora PostgreSQL 16 cluster, an RDS for
PostgreSQL 16 DB instance (single-AZ) and a self-managed server (dbaudit_target: self_managed; the sandbox server
itself, as every emulated host's database is). enable_audit gives each what applies to it - the clusters a cluster
parameter group, reboots, the log export and an activity stream; the instance a DB parameter group copied off
default.postgres16, its reboot and its log export, and no activity stream (said in preflight, not a failure); the
self-managed server its databases only, and no AWS call - with one preflight table row per host and its kind. The
second run changes nothing and makes no AWS write; audit_report reports every kind without drift and without a
write; disable_audit takes pgaudit out of the instance's group and the clusters', and resets the self-managed
server's role settings.

A server that does not preload pgaudit cannot be made cheaply here (the sandbox server preloads it, and restarting
it would break the other tests): the refusal with its exact fix is run through the preflight module with the real
database check of the sandbox server in which shared_preload_libraries is replaced (said where it is done), and
unit-tested in tests/unit/plugins/module_utils/test_preflight.py."""

from __future__ import annotations

import json

import pytest
from fleet_testing import cluster_state, make_cluster, run_once_result, write_inventory
from harness import CHECKOUT, run_playbook
from psycopg2 import sql

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
REPORT = CHECKOUT / "playbooks" / "audit_report.yml"
DISABLE = CHECKOUT / "playbooks" / "disable_audit.yml"
PREFLIGHT = "Check every cluster at once (engine, version, status, instance classes, DAS support, KMS key)"
NO_STREAM = "activity stream: not available for RDS for PostgreSQL, pgAudit path only"


def instance_of(rds, name: str) -> dict:
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def preload_of_instance_group(rds, group: str) -> str | None:
    parameters = rds.describe_db_parameters(DBParameterGroupName=group, Source="user")["Parameters"]
    return {p["ParameterName"]: p.get("ParameterValue") for p in parameters}.get("shared_preload_libraries")


def role_setting(admin, role: str) -> list | None:
    with admin.cursor() as cursor:
        cursor.execute("SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                       "JOIN pg_database d ON d.oid = s.setdatabase WHERE r.rolname = %s AND d.datname = 'postgres'",
                       [role])
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.fixture(scope="module")
def fleet(sandbox_env, tmp_path_factory):
    """The mixed fleet, after a first enable_audit run."""
    import uuid

    import boto3
    import psycopg2

    aws, pg = sandbox_env["aws"], sandbox_env["postgres"]
    rds = boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                       aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])
    logs = boto3.client("logs", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])
    suffix = uuid.uuid4().hex[:8]
    hosts = {"aurora15": f"mix-a15-{suffix}", "aurora16": f"mix-a16-{suffix}", "instance": f"mix-pg-{suffix}",
             "self_managed": f"mix-self-{suffix}"}
    role = f"mix_app_{suffix}"
    admin = psycopg2.connect(host=pg["host"], port=pg["port"], dbname="postgres", user=pg["user"],
                             password=pg["password"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    make_cluster(rds, hosts["aurora15"], engine_version="15.4")
    make_cluster(rds, hosts["aurora16"], engine_version="16.2")
    rds.create_db_instance(DBInstanceIdentifier=hosts["instance"], Engine="postgres", EngineVersion="16.3",
                           DBInstanceClass="db.m6g.large", MasterUsername="postgres",
                           MasterUserPassword="not-used-here", AllocatedStorage=20)
    inventory = tmp_path_factory.mktemp("mixed") / "inventory.yml"
    policies = [{"role": role, "profile": "strict", "database": "postgres"}]
    write_inventory(inventory, sandbox_env, {
        hosts["aurora15"]: {}, hosts["aurora16"]: {}, hosts["instance"]: {"dbaudit_target": "rds_instance"},
        hosts["self_managed"]: {"dbaudit_target": "self_managed", "dbaudit_role_policies": policies}})
    first = run_playbook(ENABLE, sandbox_env, inventory=inventory)
    yield dict(rds=rds, logs=logs, hosts=hosts, role=role, inventory=inventory, admin=admin, first=first)
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    admin.close()


def test_each_kind_gets_what_applies_to_it_and_a_row_in_preflight(fleet):
    first, rds, hosts = fleet["first"], fleet["rds"], fleet["hosts"]
    assert first.rc == 0, first.explain()
    preflight = run_once_result(first, PREFLIGHT)
    assert preflight["failing_hosts"] == []
    assert {host: preflight["hosts"][host]["kind"] for host in hosts.values()} == {
        hosts["aurora15"]: "cluster", hosts["aurora16"]: "cluster", hosts["instance"]: "instance",
        hosts["self_managed"]: "self_managed"}
    rows = {line.split()[0]: line for line in preflight["table"][2:] if line and not line.startswith(" ")}
    assert "aurora cluster" in rows[hosts["aurora15"]] and "aurora-postgresql15, pgAudit 1.7, DAS" in rows[
        hosts["aurora15"]]
    assert "aurora cluster" in rows[hosts["aurora16"]] and "aurora-postgresql16, pgAudit 16, DAS" in rows[
        hosts["aurora16"]]
    assert "rds instance" in rows[hosts["instance"]] and "postgres16, pgAudit 16" in rows[hosts["instance"]]
    assert "self-managed" in rows[hosts["self_managed"]] and "PostgreSQL 15, pgAudit 1.7" in rows[hosts["self_managed"]]
    table = "\n".join(preflight["table"])
    assert "note: " + NO_STREAM in table and "note: single-AZ: the reboot that loads pgaudit" in table
    assert preflight["hosts"][hosts["instance"]]["notes"][0] == NO_STREAM

    # Aurora clusters: their own group copied off the default, rebooted, log export, activity stream.
    for name in (hosts["aurora15"], hosts["aurora16"]):
        assert cluster_state(rds, name) == (f"{name}-dbaudit", "started", ("postgresql",))
    # The instance: a DB parameter group copied off default.postgres16 with pgaudit merged, attached, in sync
    # after its reboot, the log export with its log group made first with a retention; no activity stream.
    instance = instance_of(rds, hosts["instance"])
    group = f"{hosts['instance']}-dbaudit"
    assert instance["DBParameterGroups"] == [{"DBParameterGroupName": group, "ParameterApplyStatus": "in-sync"}]
    [described] = rds.describe_db_parameter_groups(DBParameterGroupName=group)["DBParameterGroups"]
    assert described["DBParameterGroupFamily"] == "postgres16"
    assert preload_of_instance_group(rds, group) == "pg_stat_statements,pgaudit"
    assert instance["EnabledCloudwatchLogsExports"] == ["postgresql"]
    [log_group] = fleet["logs"].describe_log_groups(
        logGroupNamePrefix=f"/aws/rds/instance/{hosts['instance']}/postgresql")["logGroups"]
    assert log_group["retentionInDays"] == 7
    streamed = set(host for task in first.tasks() if task["task"]["name"].endswith("activity_stream : Activity stream")
                   for host, result in task["hosts"].items() if not result.get("skipped"))
    assert streamed == {hosts["aurora15"], hosts["aurora16"]}
    # The self-managed server: its databases only, nothing of it in AWS.
    assert "pgaudit.log=role,ddl,write" in (role_setting(fleet["admin"], fleet["role"]) or [])
    assert rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": [hosts["self_managed"]]}])[
        "DBInstances"] == []
    assert fleet["logs"].describe_log_groups(logGroupNamePrefix="/aws/rds/cluster/" + hosts["self_managed"])[
        "logGroups"] == []


def test_second_run_changes_nothing_and_writes_nothing(fleet, sandbox_env, emulator_config):
    emulator_config({"reset_stats": True})
    again = run_playbook(ENABLE, sandbox_env, inventory=fleet["inventory"])
    stats = emulator_config({})["stats"]
    assert again.rc == 0, again.explain()
    assert {host: again.changed(host) for host in fleet["hosts"].values()} == {
        host: 0 for host in fleet["hosts"].values()}
    assert stats["writes"] == 0, stats["operations"]


def test_a_self_managed_server_without_pgaudit_is_refused_with_the_fix_and_no_aws_call(fleet, sandbox_env,
                                                                                       emulator_config, tmp_path):
    # The sandbox server preloads pgaudit: its real database check is read, then shared_preload_libraries is
    # replaced by what a server without pgaudit shows (the one value that is not real here).
    play = tmp_path / "preflight.yml"
    play.write_text(f"""
- hosts: {fleet['hosts']['self_managed']}
  gather_facts: false
  tasks:
    - name: read
      dbaudit.postgresql.pgaudit_fleet_info:
        servers:
          - name: server
            login_host: "{{{{ dbaudit_login_host }}}}"
            login_port: "{{{{ dbaudit_login_port }}}}"
            login_user: "{{{{ dbaudit_login_user }}}}"
            login_password: "{{{{ dbaudit_login_password }}}}"
            databases: [postgres]
      register: fleet_info
    - name: preflight
      dbaudit.postgresql.rds_audit_preflight:
        targets:
          - host: "{{{{ inventory_hostname }}}}"
            kind: self_managed
            database_check: "{{{{ fleet_info.servers.server | combine(without_pgaudit) }}}}"
      vars:
        without_pgaudit: {{shared_preload_libraries: [pg_stat_statements],
                          shared_preload_libraries_raw: pg_stat_statements, preloaded: false}}
      register: preflight
""", encoding="utf-8")
    emulator_config({"reset_stats": True})
    run = run_playbook(play, sandbox_env, inventory=fleet["inventory"])
    stats = emulator_config({})["stats"]
    assert run.rc == 0, run.explain()
    result = run.result("preflight", fleet["hosts"]["self_managed"])
    [problem] = result["hosts"][fleet["hosts"]["self_managed"]]["problems"]
    read = run.result("read", fleet["hosts"]["self_managed"])["servers"]["server"]
    assert problem.startswith("pgaudit is not in shared_preload_libraries (it is 'pg_stat_statements'): ")
    # The fix goes where the server takes the setting from: the sandbox sets it with ALTER SYSTEM
    # (postgresql.auto.conf), which a postgresql.conf line would not override.
    if (read["preload_sourcefile"] or "").endswith("postgresql.auto.conf"):
        assert problem.endswith("run ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements,pgaudit' "
                                "(it is set by ALTER SYSTEM, which postgresql.conf does not override), then restart "
                                "the server")
    else:
        where = f"{read['preload_sourcefile']} line {read['preload_sourceline']}"
        assert problem.endswith(f"set shared_preload_libraries = 'pg_stat_statements,pgaudit' in {where}, then "
                                "restart the server (a reload is not enough)")
    assert result["api_calls"] == {} and stats["reads"] == 0 and stats["writes"] == 0, stats["operations"]


def test_audit_report_covers_every_kind_without_drift_or_write(fleet, sandbox_env, emulator_config, tmp_path):
    emulator_config({"reset_stats": True})
    run = run_playbook(REPORT, sandbox_env, inventory=fleet["inventory"],
                       extra_vars={"dbaudit_report_dir": str(tmp_path), "dbaudit_fail_on_drift": True})
    stats = emulator_config({})["stats"]
    assert run.rc == 0, run.explain()
    rows = {row["host"]: row for row in json.loads((tmp_path / "audit_report.json").read_text())["clusters"]}
    hosts = fleet["hosts"]
    assert {host: (rows[host]["kind"], rows[host]["drift"]) for host in hosts.values()} == {
        hosts["aurora15"]: ("cluster", []), hosts["aurora16"]: ("cluster", []), hosts["instance"]: ("instance", []),
        hosts["self_managed"]: ("self_managed", [])}
    instance = rows[hosts["instance"]]
    assert instance["parameter_group"] == f"{hosts['instance']}-dbaudit" and instance["pgaudit_preloaded"]
    assert instance["log_export"] and instance["log_retention_days"] == 7 and instance["pending_reboot"] == []
    assert instance["activity_stream"]["status"] is None
    server = rows[hosts["self_managed"]]
    assert server["found"] and server["pgaudit_preloaded"] and not server["log_export"]
    assert stats["writes"] == 0, stats["operations"]


def test_disable_audit_handles_every_kind(fleet, sandbox_env):
    hosts, rds = fleet["hosts"], fleet["rds"]
    run = run_playbook(DISABLE, sandbox_env, inventory=fleet["inventory"],
                       extra_vars={"dbaudit_disable_preload": True, "dbaudit_disable_log_export": True})
    assert run.rc == 0, run.explain()
    group = f"{hosts['instance']}-dbaudit"
    assert preload_of_instance_group(rds, group) == "pg_stat_statements"
    instance = instance_of(rds, hosts["instance"])
    assert instance["DBParameterGroups"] == [{"DBParameterGroupName": group, "ParameterApplyStatus": "in-sync"}]
    assert instance.get("EnabledCloudwatchLogsExports", []) == []
    for name in (hosts["aurora15"], hosts["aurora16"]):
        assert cluster_state(rds, name) == (f"{name}-dbaudit", "stopped", ())
    assert "pgaudit.log=role,ddl,write" not in (role_setting(fleet["admin"], fleet["role"]) or [])
