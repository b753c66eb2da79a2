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
        assert found["support"] == "%s, pgAudit %s, DAS" % (family, release)
    assert preflight.summary(cluster(Engine="postgres", EngineVersion="16.3"), [])["support"] == "postgres16, pgAudit 16"
    for version in ("12.19", "18.1", "11.9"):
        [problem] = preflight.cluster_problems("orders", cluster(EngineVersion=version), [instance()], False)
        assert problem.startswith("engine version %s is not supported" % version)
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
    assert lines[0].split() == ["host", "cluster", "engine", "classes", "preflight"]
    assert lines[2].split() == ["a", "a", "15.4", "db.r6g.large", "ok"]
    assert lines[3].split() == ["bb", "bb-cluster", "-", "-", "first"]
    assert lines[4].strip() == "second" and lines[4].index("second") == lines[3].index("first")
    assert len(lines) == 5
    [line] = preflight.table([dict(rows[0], support="aurora-postgresql15, pgAudit 1.7, DAS")])[2:]
    assert "15.4 (aurora-postgresql15, pgAudit 1.7, DAS)" in line and line.endswith("ok")
