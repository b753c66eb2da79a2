"""The emulator's engine-default catalog: what ships in sandbox/emulator/data and how it is built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.emulator import catalog, catalog_build

RESEARCH = Path("/work/shared/data/rds_parameter_catalog.json")


def test_the_four_families_ship_with_their_levels():
    assert catalog.families() == [f"{engine}{major}" for engine in ("aurora-postgresql", "postgres")
                                  for major in range(13, 18)]
    assert catalog.knows("aurora-postgresql15", catalog.CLUSTER) and catalog.knows("Aurora-PostgreSQL16", "instance")
    assert not catalog.knows("postgres15", catalog.CLUSTER)
    assert not catalog.knows("aurora-mysql8.0", catalog.INSTANCE) and not catalog.knows(None, catalog.INSTANCE)


@pytest.mark.parametrize(("family", "level"), [("aurora-postgresql15", "cluster"), ("aurora-postgresql15", "instance"),
                                               ("aurora-postgresql16", "cluster"), ("postgres15", "instance"),
                                               ("postgres16", "instance")])
def test_every_record_is_api_shaped_and_complete(family, level):
    records = catalog.engine_defaults(family, level)
    assert len(records) > 200
    assert [r["ParameterName"] for r in records] == sorted(r["ParameterName"] for r in records)
    for record in records:
        assert not [key for key in record if key.startswith("_") or key == "Level"], record["ParameterName"]
        assert None not in record.values(), record["ParameterName"]
        assert record["Source"] in ("engine-default", "system")
        assert record["ApplyType"] in ("static", "dynamic")
        assert record["DataType"] in ("boolean", "integer", "float", "string", "list")
        assert isinstance(record["IsModifiable"], bool)


def test_the_parameters_an_audit_setup_touches():
    preload = catalog.parameter("aurora-postgresql15", catalog.CLUSTER, "shared_preload_libraries")
    assert preload["ParameterValue"] == "pg_stat_statements" and preload["ApplyType"] == "static"
    assert "pgaudit" in preload["AllowedValues"].split(",")
    assert catalog.parameter("postgres16", catalog.INSTANCE, "pgaudit.role")["AllowedValues"] == "rds_pgaudit"
    assert catalog.parameter("aurora-postgresql15", catalog.INSTANCE, "rds.force_ssl") is None  # cluster-level only
    assert catalog.parameter("aurora-postgresql15", catalog.CLUSTER, "pgaudit.log_client") is None


def test_records_are_copies():
    catalog.engine_defaults("postgres15", "instance")[0]["ParameterValue"] = "changed"
    catalog.parameter("postgres15", "instance", "work_mem")["ParameterValue"] = "changed"
    assert catalog.engine_defaults("postgres15", "instance")[0].get("ParameterValue") != "changed"
    assert catalog.parameter("postgres15", "instance", "work_mem").get("ParameterValue") != "changed"


@pytest.mark.parametrize(("engine", "version", "family"), [
    ("aurora-postgresql", "15.4", "aurora-postgresql15"), ("aurora-postgresql", "16.1", "aurora-postgresql16"),
    ("postgres", "15.4", "postgres15"), ("postgres", "9.6.22", "postgres9.6"), ("postgres", "12", "postgres12"),
    ("aurora-mysql", "8.0.mysql_aurora.3.04.0", None), ("postgres", "", None),
])
def test_family_for_engine_and_version(engine, version, family):
    assert catalog.family_for(engine, version) == family


def test_sixteen_is_derived_from_fifteen():
    fifteen = [{"ParameterName": "force_parallel_mode", "Source": "engine-default"},
               {"ParameterName": "vacuum_defer_cleanup_age"},
               {"ParameterName": "log_line_prefix", "IsModifiable": False, "ParameterValue": "%t:%r:%u@%d:[%p]:"}]
    aurora = {r["ParameterName"]: r for r in catalog_build.derive_sixteen(fifteen, aurora=True)}
    assert "debug_parallel_query" in aurora and "force_parallel_mode" not in aurora
    assert "vacuum_defer_cleanup_age" not in aurora and "vacuum_buffer_usage_limit" in aurora
    assert aurora["log_line_prefix"]["IsModifiable"] is True
    assert aurora["log_line_prefix"]["AllowedValues"].split(",") == ["%t:%r:%u@%d:[%p]:",
                                                                     "%m:%r:%u@%d:[%p]:%l:%e:%s:%v:%x:%c:%q%a"]
    assert aurora["scram_iterations"]["SupportedEngineModes"] == ["provisioned"]
    plain = {r["ParameterName"]: r for r in catalog_build.derive_sixteen(fifteen, aurora=False)}
    assert plain["log_line_prefix"]["IsModifiable"] is False and "SupportedEngineModes" not in plain["scram_iterations"]
    assert fifteen[0]["ParameterName"] == "force_parallel_mode"  # the input is left alone


@pytest.mark.parametrize("family", ["aurora-postgresql13", "aurora-postgresql14", "aurora-postgresql17",
                                    "postgres13", "postgres14", "postgres17"])
def test_thirteen_to_seventeen_have_what_an_audit_setup_touches(family):
    level = catalog.CLUSTER if family.startswith("aurora-") else catalog.INSTANCE
    preload = catalog.parameter(family, level, "shared_preload_libraries")
    assert preload["ApplyType"] == "static" and "pgaudit" in preload["AllowedValues"].split(",")
    for name in ("pgaudit.log", "pgaudit.log_catalog", "pgaudit.log_parameter", "pgaudit.role"):
        assert catalog.parameter(family, level, name), name
    assert len(catalog.engine_defaults(family, level)) > 200


def test_thirteen_and_seventeen_differ_from_their_neighbours():
    assert catalog.parameter("aurora-postgresql14", catalog.CLUSTER, "idle_session_timeout")
    assert catalog.parameter("aurora-postgresql13", catalog.CLUSTER, "idle_session_timeout") is None
    assert catalog.parameter("postgres16", catalog.INSTANCE, "old_snapshot_threshold")
    assert catalog.parameter("postgres17", catalog.INSTANCE, "old_snapshot_threshold") is None
    assert catalog.parameter("postgres17", catalog.INSTANCE, "transaction_timeout")
    assert catalog.parameter("aurora-postgresql17", catalog.CLUSTER, "debug_parallel_query")
    prefix = catalog.parameter("aurora-postgresql17", catalog.CLUSTER, "log_line_prefix")
    assert prefix["IsModifiable"] is True and len(prefix["AllowedValues"].split(",")) == 2
    assert catalog.parameter("aurora-postgresql14", catalog.CLUSTER, "log_line_prefix")["IsModifiable"] is False


def test_api_record_drops_research_fields_and_fills_gaps():
    research = {"ParameterName": "pgtle.enable_clientauth", "ParameterValue": None, "Description": "d",
                "Source": None, "ApplyType": None, "DataType": None, "AllowedValues": None, "IsModifiable": None,
                "Level": "cluster", "_confidence": "docs-only", "_provenance": {}}
    assert catalog_build.api_record(research, aurora=True) == {
        "ParameterName": "pgtle.enable_clientauth", "Description": "d", "Source": "engine-default",
        "ApplyType": "dynamic", "DataType": "string", "IsModifiable": True, "ApplyMethod": "pending-reboot",
        "SupportedEngineModes": ["provisioned"]}


@pytest.mark.skipif(not RESEARCH.exists(), reason="the research catalog is not on this machine")
def test_shipped_data_is_the_build_of_the_research_catalog(tmp_path):
    built = catalog_build.build(json.loads(RESEARCH.read_text(encoding="utf-8")))
    path = catalog_build.write(built, tmp_path / "rds_parameters.json.gz")
    assert path.read_bytes() == catalog.DATA.read_bytes(), "run python -m sandbox.emulator.catalog_build again"
