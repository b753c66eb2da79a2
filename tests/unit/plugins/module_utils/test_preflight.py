"""module_utils.preflight: what stops enable_audit on a cluster, from described clusters, instances, KMS key
metadata and a pgaudit_info result, and the table that shows it."""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import preflight  # noqa: E402


def cluster(**overrides):
    described = dict(DBClusterIdentifier="orders", Engine="aurora-postgresql", EngineVersion="15.4",
                     Status="available", EngineMode="provisioned")
    described.update(overrides)
    return described


def instance(name="orders-1", klass="db.r6g.large", status="available"):
    return dict(DBInstanceIdentifier=name, DBInstanceClass=klass, DBInstanceStatus=status)


def test_a_ready_cluster_has_no_problem():
    assert preflight.cluster_problems("orders", cluster(), [instance()], das_enabled=True) == []


def test_missing_cluster_wrong_engine_old_version_and_busy_status():
    missing = preflight.cluster_problems("orders", None, [], True)
    assert missing == ["cluster orders not found in this account and region"]
    [engine] = preflight.cluster_problems("orders", cluster(Engine="aurora-mysql"), [instance()], True)
    assert "aurora-mysql" in engine
    problems = preflight.cluster_problems("orders", cluster(EngineVersion="10.21", Status="modifying"),
                                          [instance(status="rebooting")], False)
    assert problems == ["engine version 10.21 is not supported: enable_audit handles PostgreSQL 13 to 17 "
                        "(pgAudit 1.5 to 17)",
                        "cluster status is modifying, not available",
                        "instance orders-1 is rebooting, not available"]


def test_versions_13_to_17_are_supported_and_say_their_family_and_pgaudit():
    for version, family, release in (("13.12", "aurora-postgresql13", "1.5"), ("14.10", "aurora-postgresql14", "1.6"),
                                     ("15.4", "aurora-postgresql15", "1.7"), ("16.2", "aurora-postgresql16", "16"),
                                     ("17.4", "aurora-postgresql17", "17")):
        assert preflight.cluster_problems("orders", cluster(EngineVersion=version), [instance()], True) == []
        found = preflight.summary(cluster(EngineVersion=version), [instance()])
        assert found["family"] == family
        assert found["support"] == f"{family}, pgAudit {release}, DAS"
    instance_summary = preflight.summary(cluster(Engine="postgres", EngineVersion="16.3"), [])
    assert instance_summary["support"] == "postgres16, pgAudit 16"
    for version in ("12.19", "18.1", "11.9"):
        [problem] = preflight.cluster_problems("orders", cluster(EngineVersion=version), [instance()], False)
        assert problem.startswith(f"engine version {version} is not supported")
    # RDS for PostgreSQL has no activity streams.
    assert preflight.version_problems("postgres", "16.3", das_enabled=False) == []
    [das] = preflight.version_problems("postgres", "16.3", das_enabled=True)
    assert "Aurora PostgreSQL only" in das and "dbaudit_das_enabled=false" in das


def test_das_requirements_only_when_das_is_wanted():
    burstable = [instance(klass="db.t3.medium")]
    assert preflight.cluster_problems("orders", cluster(), burstable, das_enabled=False) == []
    [problem] = preflight.cluster_problems("orders", cluster(), burstable, das_enabled=True)
    assert "burstable" in problem and "db.t3.medium" in problem and not problem.startswith("cluster orders")
    assert preflight.cluster_problems("orders", cluster(), [], True) == ["cluster has no instances"]


def test_starting_a_stream_at_once_is_refused_when_the_reboot_policy_defers_restarts():
    start = preflight.stream_start_problems
    for policy in ("next_maintenance_window", "never"):
        [problem] = start(cluster(), das_enabled=True, apply_immediately=True, reboot_policy=policy)
        assert "stream is stopped" in problem and policy in problem and "restarts the cluster" in problem
        assert start(cluster(ActivityStreamStatus="stopping"), True, True, policy)
        # Nothing restarts: the stream runs already, it starts in the maintenance window, or it is not wanted.
        assert start(cluster(ActivityStreamStatus="started"), True, True, policy) == []
        assert start(cluster(ActivityStreamStatus="starting"), True, True, policy) == []
        assert start(cluster(), True, False, policy) == []
        assert start(cluster(), False, True, policy) == []
    assert start(cluster(), True, True, "rolling") == []
    assert start(None, True, True, "never") == []
    assert start(cluster(Engine="postgres"), True, True, "never") == []


def test_key_absent_is_fine_only_when_the_rollout_creates_it():
    assert preflight.key_problems("alias/dbaudit-das", None, will_be_created=True) == []
    [missing] = preflight.key_problems("alias/team-key", None, will_be_created=False)
    assert "no such KMS key" in missing
    aws_managed = dict(KeyManager="AWS", KeySpec="SYMMETRIC_DEFAULT", KeyState="Enabled")
    assert preflight.key_problems("alias/aws/rds", aws_managed, will_be_created=False)
    disabled = dict(KeyManager="CUSTOMER", KeySpec="SYMMETRIC_DEFAULT", KeyState="Disabled")
    assert preflight.key_problems("alias/dbaudit-das", disabled, will_be_created=True) == [
        "kms_key_id alias/dbaudit-das is Disabled; enable it first"]


def test_database_check_results():
    assert preflight.database_problems(None) == []
    assert preflight.database_problems({"skipped": True}) == []
    # Registered with failed_when: false: failed is false, only msg tells.
    [connect] = preflight.database_problems({"failed": False, "msg": "password authentication failed"})
    assert connect == "cannot connect to PostgreSQL: password authentication failed"
    unprivileged = {"login": {"user": "app", "may_manage_audit": False},
                    "databases": {"billing": {"error": "permission denied for database billing"}, "ok": {}}}
    assert preflight.database_problems(unprivileged) == [
        "login user app is neither a superuser nor a member of rds_superuser: it cannot create the extension "
        "nor set pgaudit.* per role",
        "database billing: permission denied for database billing"]
    assert preflight.database_problems({"login": {"user": "postgres", "may_manage_audit": True}, "databases": {}}) == []


def test_table_has_a_line_per_host_and_problem():
    rows = [
        dict(host="a", cluster_identifier="a", engine_version="15.4", instance_classes=["db.r6g.large"], problems=[]),
        dict(host="bb", cluster_identifier="bb-cluster", engine_version=None, instance_classes=[],
             problems=["first", "second"]),
    ]
    lines = preflight.table(rows)
    assert lines[0].split() == ["host", "kind", "resource", "engine", "classes", "preflight"]
    assert lines[2].split() == ["a", "aurora", "cluster", "a", "15.4", "db.r6g.large", "ok"]
    assert lines[3].split() == ["bb", "aurora", "cluster", "bb-cluster", "-", "-", "first"]
    assert lines[4].strip() == "second" and lines[4].index("second") == lines[3].index("first")
    assert len(lines) == 5
    [line] = preflight.table([dict(rows[0], support="aurora-postgresql15, pgAudit 1.7, DAS")])[2:]
    assert "15.4 (aurora-postgresql15, pgAudit 1.7, DAS)" in line and line.endswith("ok")


def rds_instance(**overrides):
    described = dict(DBInstanceIdentifier="reports", Engine="postgres", EngineVersion="16.3",
                     DBInstanceStatus="available", DBInstanceClass="db.m6g.large", MultiAZ=False,
                     DBParameterGroups=[{"DBParameterGroupName": "default.postgres16",
                                         "ParameterApplyStatus": "in-sync"}])
    described.update(overrides)
    return described


def test_an_rds_instance_is_checked_as_an_instance_and_gets_no_activity_stream_problem():
    assert preflight.instance_problems("reports", rds_instance()) == []
    assert preflight.instance_problems("reports", None) == ["DB instance reports not found in this account and region"]
    [member] = preflight.instance_problems("orders-1", rds_instance(Engine="aurora-postgresql",
                                                                    DBClusterIdentifier="orders"))
    assert "member of Aurora cluster orders" in member and "dbaudit_target: aurora_cluster" in member
    [engine] = preflight.instance_problems("reports", rds_instance(Engine="mysql"))
    assert engine.startswith("engine mysql: dbaudit_target rds_instance handles RDS for PostgreSQL")
    assert preflight.instance_problems("reports", rds_instance(EngineVersion="12.9", DBInstanceStatus="modifying")) == [
        "engine version 12.9 is not supported: enable_audit handles PostgreSQL 13 to 17 (pgAudit 1.5 to 17)",
        "instance status is modifying, not available"]


def test_instance_notes_say_no_activity_stream_and_single_az_downtime():
    single, multi = rds_instance(), rds_instance(MultiAZ=True)
    notes = preflight.instance_notes(single, das_enabled=True, reboot_policy="rolling")
    assert notes[0] == "activity stream: not available for RDS for PostgreSQL, pgAudit path only"
    assert notes[1].startswith("single-AZ: the reboot that loads pgaudit, when one is needed, is downtime")
    assert preflight.instance_notes(single, das_enabled=False, reboot_policy="never") == []
    assert preflight.instance_notes(multi, das_enabled=False, reboot_policy="rolling")[0].startswith("Multi-AZ")
    found = preflight.instance_summary(single)
    assert (found["family"], found["support"], found["status"], found["instance_classes"], found["multi_az"]) == (
        "postgres16", "postgres16, pgAudit 16", "available", ["db.m6g.large"], False)


def server_check(**overrides):
    check = {"login": {"user": "postgres", "may_manage_audit": True}, "databases": {},
             "shared_preload_libraries": ["pg_stat_statements"], "shared_preload_libraries_raw": "pg_stat_statements",
             "preloaded": False, "pending_restart": False,
             "preload_sourcefile": "/etc/postgresql/16/main/postgresql.conf",
             "preload_sourceline": 761, "config_file": "/etc/postgresql/16/main/postgresql.conf",
             "server_version_num": 160004, "available_versions": ["16.0"]}
    check.update(overrides)
    return check


def test_a_self_managed_server_without_pgaudit_preloaded_gets_the_exact_fix():
    [problem] = preflight.self_managed_problems(server_check(), ["pgaudit"])
    assert problem == ("pgaudit is not in shared_preload_libraries (it is 'pg_stat_statements'): set "
                       "shared_preload_libraries = 'pg_stat_statements,pgaudit' in "
                       "/etc/postgresql/16/main/postgresql.conf line 761, then restart the server (a reload is not "
                       "enough)")
    # Not readable by the login (not a superuser): the main configuration file, else postgresql.conf, is named.
    [unnamed] = preflight.self_managed_problems(server_check(preload_sourcefile=None, config_file=None,
                                                             shared_preload_libraries=[],
                                                             shared_preload_libraries_raw=""), ["pgaudit"])
    assert "set shared_preload_libraries = 'pgaudit' in postgresql.conf, then restart" in unnamed
    [auto] = preflight.self_managed_problems(server_check(preload_sourcefile="/var/lib/pg/postgresql.auto.conf"),
                                             ["pgaudit"])
    assert "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements,pgaudit'" in auto
    [pending] = preflight.self_managed_problems(server_check(pending_restart=True), ["pgaudit"])
    assert "has not been restarted since (pending_restart" in pending and pending.endswith("restart the server")
    missing_package = preflight.self_managed_problems(server_check(available_versions=[]), ["pgaudit"])
    assert missing_package[1].startswith("the pgaudit extension is not installed") and "postgresql-16-pgaudit" in \
        missing_package[1]
    # Preloaded: nothing to fix; an unreadable server is database_problems' to report.
    assert preflight.self_managed_problems(server_check(shared_preload_libraries=["pg_stat_statements", "pgaudit"],
                                                        preloaded=True), ["pgaudit"]) == []
    assert preflight.self_managed_problems({"failed": True, "msg": "no route"}, ["pgaudit"]) == []
    [old] = preflight.self_managed_problems(server_check(server_version_num=120017, preloaded=True,
                                                         shared_preload_libraries=["pgaudit"]), ["pgaudit"])
    assert old == "PostgreSQL 12 is not supported: enable_audit handles PostgreSQL 13 to 17"
    assert preflight.self_managed_summary(server_check(server_version_num=150020))["engine_version"] == "15.20"
    assert preflight.self_managed_summary(server_check())["support"] == "PostgreSQL 16, pgAudit 16"


def test_table_has_a_row_per_host_with_its_kind_and_notes_under_it():
    rows = [dict(host="c", kind="cluster", cluster_identifier="c", problems=[]),
            dict(host="i", kind="instance", cluster_identifier="i", problems=[], notes=["n1", "n2"]),
            dict(host="s", kind="self_managed", cluster_identifier="s", problems=["fix it"])]
    lines = preflight.table(rows)
    assert [line.split("  ")[0].strip() for line in lines[2:]] == ["c", "i", "", "", "s"]
    assert "aurora cluster" in lines[2] and "rds instance" in lines[3] and "self-managed" in lines[6]
    assert lines[3].endswith("ok") and lines[4].strip() == "note: n1" and lines[5].strip() == "note: n2"
    assert lines[6].endswith("fix it")
