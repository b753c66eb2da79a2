"""Pure helpers of the RDS modules: the parameter set a group must hold, attachment planning,
the reboot plan, and log export changes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.modules import rds_log_exports as exports  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import rds_parameter_group as group  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import (  # noqa: E402
    rds_parameter_group_attachment as attachment,
)
from ansible_collections.dbaudit.postgresql.plugins.modules import rds_reboot as reboot  # noqa: E402

PRELOAD = {"ParameterName": "shared_preload_libraries", "DataType": "list", "ApplyType": "static"}


def test_desired_parameters_merge_into_the_effective_preload_list():
    records = {"shared_preload_libraries": dict(PRELOAD, ParameterValue="pg_stat_statements,pg_hint_plan")}
    assert group.desired_parameters({"pgaudit.log": "ddl"}, ["pgaudit"], records, {}) == {
        "pgaudit.log": "ddl", "shared_preload_libraries": "pg_stat_statements,pg_hint_plan,pgaudit"}
    # Already there: nothing to set.
    assert group.desired_parameters({}, ["pg_hint_plan"], records, {}) == {}
    # No value in the group: the engine default is the base.
    defaults = {"shared_preload_libraries": {"ParameterValue": "pg_stat_statements"}}
    assert group.desired_parameters({}, ["pgaudit"], {"shared_preload_libraries": dict(PRELOAD)}, defaults) == {
        "shared_preload_libraries": "pg_stat_statements,pgaudit"}
    with pytest.raises(group.Refusal, match="not both"):
        group.desired_parameters({"shared_preload_libraries": "x"}, ["pgaudit"], records, {})


def test_attachment_family_and_instances():
    missing = attachment.family_problem("DB parameter group", "g", None, "postgres", "16.1")
    assert "does not exist; create it first" in missing
    mismatch = attachment.family_problem("DB cluster parameter group", "g",
                                         {"DBParameterGroupFamily": "aurora-postgresql16"}, "aurora-postgresql", "15.4")
    assert "needs family aurora-postgresql15" in mismatch
    assert attachment.family_problem("x", "g", {"DBParameterGroupFamily": "aurora-postgresql15"},
                                     "aurora-postgresql", "15.4") is None
    instances = [{"DBInstanceIdentifier": "b", "DBParameterGroups": [{"DBParameterGroupName": "old"}]},
                 {"DBInstanceIdentifier": "a", "DBParameterGroups": [{"DBParameterGroupName": "new"}]},
                 {"DBInstanceIdentifier": "c", "DBParameterGroups": [{"DBParameterGroupName": "old"}]}]
    assert attachment.instances_to_move(instances, "new") == ["b", "c"]


def _member(identifier, writer=False, pending=True, status="available", apply_status="in-sync"):
    return {"db_instance_identifier": identifier, "writer": writer, "pending_reboot": pending, "status": status,
            "parameter_apply_status": apply_status, "cluster_parameter_group_status":
            "pending-reboot" if pending else "in-sync", "db_parameter_group": "g"}


def test_settled_on_waits_for_applying_and_the_new_group():
    assert attachment.settled_on([_member("a")], "g")
    assert not attachment.settled_on([_member("a")], "other")
    assert not attachment.settled_on([_member("a", apply_status="applying")], None)
    assert not attachment.settled_on([_member("a", status="modifying")], None)
    assert not attachment.settled_on([], None)


def test_reboot_plan_readers_first_writer_last_only_pending():
    members = [_member("c-1", writer=True), _member("c-2", pending=False), _member("c-3"), _member("c-4")]
    assert [m["db_instance_identifier"] for m in reboot.plan_reboots(members, True)] == ["c-3", "c-4", "c-1"]
    assert [m["db_instance_identifier"] for m in reboot.plan_reboots(members, False)] == ["c-2", "c-3", "c-4", "c-1"]
    assert [m["db_instance_identifier"] for m in reboot.plan_reboots(members, True, "c-4")] == ["c-4"]
    assert reboot.plan_reboots(members, True, "c-2") == []
    settled = [_member("c-1", writer=True), _member("c-2", pending=False), _member("c-3", pending=False)]
    assert reboot.failover_target(settled, "c-1") == "c-2"
    assert reboot.failover_target([_member("c-1", writer=True), _member("c-2")], "c-1") is None


def test_log_export_changes():
    described = {"EnabledCloudwatchLogsExports": ["upgrade"],
                 "PendingModifiedValues": {"PendingCloudwatchLogsExports": {"LogTypesToEnable": ["postgresql"]}}}
    assert exports.exported_log_types(described) == ["postgresql", "upgrade"]
    assert exports.export_change(["upgrade"], ["postgresql"], "present") == {
        "EnableLogTypes": ["postgresql"], "DisableLogTypes": []}
    assert exports.export_change(["postgresql", "upgrade"], ["postgresql"], "present") == {
        "EnableLogTypes": [], "DisableLogTypes": []}
    assert exports.export_change(["postgresql", "upgrade"], ["postgresql"], "absent") == {
        "EnableLogTypes": [], "DisableLogTypes": ["postgresql"]}
    assert exports.after_change(["upgrade"], {"EnableLogTypes": ["postgresql"], "DisableLogTypes": ["upgrade"]}) == [
        "postgresql"]
    assert exports.log_group_names("cluster", "prod-db", ["postgresql"]) == ["/aws/rds/cluster/prod-db/postgresql"]
    assert exports.log_group_names("instance", "pg", ["upgrade", "postgresql", "upgrade"]) == [
        "/aws/rds/instance/pg/postgresql", "/aws/rds/instance/pg/upgrade"]
    assert exports.options_problem(["postgresql"], "present", 365) is None
    assert exports.options_problem(["postgresql"], "absent", None) is None
    assert exports.options_problem([], "present", None).startswith("log_types must name")
    assert exports.options_problem(["postgresql"], "absent", 365).startswith("retention_days is for state=present")
    available = {"EnabledCloudwatchLogsExports": ["postgresql"], "Status": "available"}
    assert exports.settled(available, ["postgresql"], "Status")
    assert not exports.settled(dict(available, Status="modifying"), ["postgresql"], "Status")
    assert not exports.settled(described, ["postgresql", "upgrade"], "Status")


def test_info_entries_only_aurora_postgresql_sorted():
    from ansible_collections.dbaudit.postgresql.plugins.modules import rds_activity_stream_info as info

    clusters = [{"DBClusterIdentifier": "b", "Engine": "aurora-postgresql", "ActivityStreamStatus": "started",
                 "ActivityStreamMode": "async", "DbClusterResourceId": "cluster-B", "Status": "available"},
                {"DBClusterIdentifier": "m", "Engine": "aurora-mysql"},
                {"DBClusterIdentifier": "a", "Engine": "aurora-postgresql"}]
    entries = info.stream_entries(clusters)
    assert [(e["cluster_identifier"], e["status"], e["mode"]) for e in entries] == [
        ("a", "stopped", None), ("b", "started", "async")]
    assert (entries[1]["cluster_resource_id"], entries[1]["cluster_status"]) == ("cluster-B", "available")
