"""module_utils.fleet_audit_reads, the pure parts: the effective shared_preload_libraries of a group (its own, or
its family's engine default where it sets none), the family of an engine version, and the names the DAS
alerting role gives a pipeline's pieces."""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import fleet_audit_reads  # noqa: E402

DEFAULTS = {"shared_preload_libraries": "pg_stat_statements", "pgaudit.log": None}


def test_a_group_that_sets_shared_preload_libraries_shows_its_own():
    facts = fleet_audit_reads.group_facts("g", {"shared_preload_libraries": "pg_stat_statements,pgaudit"}, DEFAULTS)
    assert facts["shared_preload_libraries"] == ["pg_stat_statements", "pgaudit"]
    assert facts["shared_preload_libraries_source"] == "user" and facts["pgaudit_preloaded"]


def test_a_group_that_sets_none_shows_the_engine_default_or_says_it_is_unknown():
    facts = fleet_audit_reads.group_facts("default.aurora-postgresql15", {}, DEFAULTS)
    assert facts["shared_preload_libraries"] == ["pg_stat_statements"] and not facts["pgaudit_preloaded"]
    assert facts["shared_preload_libraries_source"] == "engine-default" and facts["default"]
    unknown = fleet_audit_reads.group_facts("g", {}, None)
    assert unknown["shared_preload_libraries"] == [] and unknown["shared_preload_libraries_source"] == "unknown"


def test_family_of_postgresql_engines_only():
    assert fleet_audit_reads.family_of("aurora-postgresql", "15.4") == "aurora-postgresql15"
    assert fleet_audit_reads.family_of("postgres", "16.2") == "postgres16"
    assert fleet_audit_reads.family_of("aurora-mysql", "8.0.mysql_aurora.3.05.2") is None
    assert fleet_audit_reads.family_of("aurora-postgresql", None) is None


def test_pipeline_names_follow_the_das_alerting_role():
    assert fleet_audit_reads.pipeline_names({"name": "dbaudit-das", "bucket": ""}, "123456789012", "eu-west-1") == {
        "function": "dbaudit-das-decrypt", "delivery_stream": "dbaudit-das-activity",
        "bucket": "dbaudit-das-activity-123456789012-eu-west-1"}
    assert fleet_audit_reads.pipeline_names({"name": "x", "bucket": "mine"}, "1", "r")["bucket"] == "mine"


def test_an_rds_instance_in_the_shape_of_a_cluster():
    instance = {"DBInstanceIdentifier": "reports", "Engine": "postgres", "EngineVersion": "16.3",
                "DBInstanceStatus": "available", "MultiAZ": False, "EnabledCloudwatchLogsExports": ["postgresql"],
                "DBParameterGroups": [{"DBParameterGroupName": "reports-dbaudit",
                                       "ParameterApplyStatus": "pending-reboot"}]}
    group = fleet_audit_reads.group_facts("reports-dbaudit", {"shared_preload_libraries": "pgaudit"})
    log_group = "/aws/rds/instance/reports/postgresql"
    facts = fleet_audit_reads.instance_facts("reports", instance, {"reports-dbaudit": group},
                                             {log_group: {"retentionInDays": 7}}, {log_group: [{"name": "f"}]})
    assert facts["kind"] == "instance" and facts["parameter_group"]["pgaudit_preloaded"]
    assert facts["pending_reboot"] == ["reports"] and facts["log_export"]
    assert facts["log_group"] == {"name": log_group, "exists": True, "retention_days": 7}
    assert facts["alerting"]["subscription_filters"] == [{"name": "f"}]
    assert fleet_audit_reads.instance_facts("gone", None, {}, {}, {}) == {
        "cluster_identifier": "gone", "kind": "instance", "found": False}
