"""Pure parameter logic: values by DataType, the shared_preload_libraries merge, validation and
the modification plan (apply methods, batches, no change for equal values)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import rds_parameters as rp  # noqa: E402

PRELOAD = {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements", "Source": "system",
           "ApplyType": "static", "DataType": "list", "IsModifiable": True,
           "AllowedValues": "auto_explain,orafce,pgaudit,pg_similarity,pg_stat_statements,pg_hint_plan,pg_prewarm"}
PGAUDIT_LOG = {"ParameterName": "pgaudit.log", "Source": "engine-default", "ApplyType": "dynamic", "DataType": "list",
               "IsModifiable": True, "AllowedValues": "ddl,function,misc,read,role,write,none,all,-ddl,-misc"}
LOG_CATALOG = {"ParameterName": "pgaudit.log_catalog", "ApplyType": "dynamic", "DataType": "boolean",
               "IsModifiable": True, "AllowedValues": "0,1"}
ROLE = {"ParameterName": "pgaudit.role", "ApplyType": "dynamic", "DataType": "string", "IsModifiable": True,
        "AllowedValues": "rds_pgaudit"}
WORK_MEM = {"ParameterName": "work_mem", "ApplyType": "dynamic", "DataType": "integer", "IsModifiable": True,
            "AllowedValues": "64-2147483647"}
DURATION = {"ParameterName": "log_min_duration_statement", "ApplyType": "dynamic", "DataType": "integer",
            "IsModifiable": True, "AllowedValues": "-1-2147483647"}
MAX_CONNECTIONS = {"ParameterName": "max_connections", "ParameterValue": "LEAST({DBInstanceClassMemory/9531392},5000)",
                   "ApplyType": "static", "DataType": "integer", "IsModifiable": True, "AllowedValues": "6-262143"}
PREFIX = {"ParameterName": "log_line_prefix", "ParameterValue": "%t:%r:%u@%d:[%p]:", "ApplyType": "dynamic",
          "DataType": "string", "IsModifiable": False}
LOG_STATEMENT = {"ParameterName": "log_statement", "ApplyType": "dynamic", "DataType": "string", "IsModifiable": True,
                 "AllowedValues": "none,ddl,mod,all"}
ON_OFF = {"ParameterName": "track_io_timing", "ApplyType": "dynamic", "DataType": "string", "IsModifiable": True,
          "AllowedValues": "on,off"}
SCALE = {"ParameterName": "autovacuum_vacuum_scale_factor", "ApplyType": "dynamic", "DataType": "float",
         "IsModifiable": True, "AllowedValues": "0-100"}
RECORDS = {r["ParameterName"]: r for r in (PRELOAD, PGAUDIT_LOG, LOG_CATALOG, ROLE, WORK_MEM, DURATION,
                                           MAX_CONNECTIONS, PREFIX, LOG_STATEMENT, ON_OFF, SCALE)}


@pytest.mark.parametrize("current, additions, merged, added", [
    ("pg_stat_statements", ["pgaudit"], "pg_stat_statements,pgaudit", ["pgaudit"]),
    ("pg_stat_statements,pg_hint_plan", ["pgaudit"], "pg_stat_statements,pg_hint_plan,pgaudit", ["pgaudit"]),
    ("pg_stat_statements, pgaudit", ["pgaudit"], "pg_stat_statements,pgaudit", []),
    ("pgaudit,pg_stat_statements", ["pg_stat_statements", "pgaudit"], "pgaudit,pg_stat_statements", []),
    ("", ["pgaudit"], "pgaudit", ["pgaudit"]),
    (None, ["pgaudit", "pgaudit"], "pgaudit", ["pgaudit"]),
    ("a,a,b", ["c"], "a,b,c", ["c"]),
    ("pg_cron", [], "pg_cron", []),
])
def test_merge_keeps_order_drops_nothing_repeats_nothing(current, additions, merged, added):
    assert rp.merge_list(current, additions) == (merged, added)
    for kept in rp.split_list(current):
        assert kept in rp.split_list(merged)


def test_effective_value_falls_back_to_the_engine_default():
    assert rp.effective_value(PRELOAD) == "pg_stat_statements"
    unset = dict(PRELOAD)
    del unset["ParameterValue"]
    assert rp.effective_value(unset, {"ParameterValue": "pg_stat_statements,pg_prewarm"}) == \
        "pg_stat_statements,pg_prewarm"
    assert rp.effective_value(unset) is None
    assert rp.effective_value(None, None) is None


@pytest.mark.parametrize("record, left, right, equal", [
    (LOG_CATALOG, "1", "on", True),
    (LOG_CATALOG, "0", "false", True),
    (LOG_CATALOG, "1", "0", False),
    (WORK_MEM, "0100", "100", True),
    (WORK_MEM, "100", "101", False),
    (SCALE, "0.10", "0.1", True),
    (PGAUDIT_LOG, "ddl, role", "DDL,ROLE", True),
    (PGAUDIT_LOG, "ddl,role", "role,ddl", False),
    (LOG_STATEMENT, "DDL", "ddl", True),
    (MAX_CONNECTIONS, "LEAST({DBInstanceClassMemory/9531392},5000)", "LEAST({DBInstanceClassMemory/9531392}, 5000)",
     True),
    (PREFIX, "%t:%r:%u@%d:[%p]:", "%T:%r:%u@%d:[%p]:", False),
    (LOG_CATALOG, None, "0", False),
])
def test_values_compare_by_data_type(record, left, right, equal):
    assert rp.values_equal(record, left, right) is equal


@pytest.mark.parametrize("record, value, aws", [
    (LOG_CATALOG, True, "1"),
    (LOG_CATALOG, False, "0"),
    (LOG_CATALOG, "on", "1"),
    (ON_OFF, True, "on"),
    (ON_OFF, False, "off"),
    (PGAUDIT_LOG, ["ddl", "role"], "ddl,role"),
    (WORK_MEM, 1024, "1024"),
    (WORK_MEM, 1024.0, "1024"),
    (ROLE, "rds_pgaudit", "rds_pgaudit"),
])
def test_option_values_become_what_rds_stores(record, value, aws):
    assert rp.to_aws_value(record, value) == aws


@pytest.mark.parametrize("record, value, fragment", [
    (LOG_CATALOG, "maybe", "is a boolean"),
    (WORK_MEM, "10", "within 64-2147483647"),
    (WORK_MEM, "1.5", "is an integer"),
    (WORK_MEM, "lots", "is an integer"),
    (DURATION, "-2", "within -1-2147483647"),
    (SCALE, "x", "is a number"),
    (PGAUDIT_LOG, "ddl,everything", "everything is not allowed"),
    (PRELOAD, "pgaudit,pgauditt,foo", "pgauditt, foo are not allowed"),
    (ROLE, "someone", "allows only rds_pgaudit"),
])
def test_value_problems(record, value, fragment):
    assert fragment in rp.value_problem(record, value)


@pytest.mark.parametrize("record, value", [
    (DURATION, "-1"), (DURATION, "1000"), (WORK_MEM, "{DBInstanceClassMemory/2048}"),
    (MAX_CONNECTIONS, "GREATEST({DBInstanceClassMemory/9531392},100)"), (PGAUDIT_LOG, "DDL, -misc"),
    (LOG_STATEMENT, "ALL"), (SCALE, "0.2"), (PREFIX, "anything"),
])
def test_values_rds_accepts(record, value):
    assert rp.value_problem(record, value) is None


def test_plan_uses_apply_type_and_never_changes_an_equal_value():
    desired = {"shared_preload_libraries": "pg_stat_statements,pgaudit", "pgaudit.log": "ddl", "pgaudit.role":
               "rds_pgaudit", "log_line_prefix": "%t:%r:%u@%d:[%p]:", "max_connections":
               "LEAST({DBInstanceClassMemory/9531392},5000)"}
    changes, errors = rp.plan_changes(RECORDS, desired)
    assert errors == []
    assert [(c["name"], c["apply_method"]) for c in changes] == [
        ("pgaudit.log", "immediate"), ("pgaudit.role", "immediate"), ("shared_preload_libraries", "pending-reboot")]
    assert rp.reboot_required(changes)
    assert not rp.reboot_required(changes[:2])

    deferred, _unused = rp.plan_changes(RECORDS, {"pgaudit.log": "ddl"}, dynamic_apply_method="pending-reboot")
    assert deferred[0]["apply_method"] == "pending-reboot" and rp.reboot_required(deferred)

    # A value already set (whatever its ApplyMethod) is no change.
    applied = dict(PGAUDIT_LOG, ParameterValue="ddl", ApplyMethod="pending-reboot")
    assert rp.plan_changes({"pgaudit.log": applied}, {"pgaudit.log": "ddl"}) == ([], [])


def test_plan_collects_every_problem():
    desired = {"pgaudit.logg": "ddl", "log_line_prefix": "%m:", "work_mem": 1, "pgaudit.log": "ddl"}
    changes, errors = rp.plan_changes(RECORDS, desired)
    assert len(errors) == 3
    assert "pgaudit.logg: no such parameter in this family; did you mean pgaudit.log" in errors[1]
    assert any("log_line_prefix is not modifiable" in e for e in errors)
    assert any(e.startswith("work_mem must be within") for e in errors)


def test_modify_requests_are_batches_of_twenty():
    changes = [{"name": f"p{i}", "after": str(i), "apply_method": "immediate"} for i in range(45)]
    batches = rp.modify_requests(changes)
    assert [len(b) for b in batches] == [20, 20, 5]
    assert batches[2][-1] == {"ParameterName": "p44", "ParameterValue": "44", "ApplyMethod": "immediate"}
    assert rp.modify_requests([]) == []


@pytest.mark.parametrize("engine, version, family", [
    ("aurora-postgresql", "15.4", "aurora-postgresql15"),
    ("aurora-postgresql", "16.1", "aurora-postgresql16"),
    ("postgres", "9.6.22", "postgres9.6"),
    ("postgres", "16.3", "postgres16"),
    ("aurora-mysql", "8.0", None),
    ("postgres", None, None),
])
def test_family_of(engine, version, family):
    assert rp.family_of(engine, version) == family


def test_default_groups():
    assert rp.is_default_group("default.aurora-postgresql15")
    assert not rp.is_default_group("prod-default.x")
