"""Build ``data/rds_parameters.json.gz``, the emulator's engine defaults, from the research catalog.

``python -m sandbox.emulator.catalog_build /work/shared/data/rds_parameter_catalog.json``

The research catalog (REFERENCE.md section 6) carries provenance and notes per record; the
emulator needs only what ``describe_db_*parameters`` returns, so this keeps the API fields,
drops every ``_`` key and every null field (AWS leaves absent fields out), fills the few
records the research could not complete, and derives the families of the other majors
(13, 14, 16, 17) from 15 with the differences listed in ``DERIVED``. Run it again when the
research catalog changes;
the sandbox itself never reads ``/work/shared``.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent / "data" / "rds_parameters.json.gz"

# The Parameter fields of the RDS API that a catalog record may carry.
API_FIELDS = ("ParameterName", "ParameterValue", "Description", "Source", "ApplyType", "DataType",
              "AllowedValues", "IsModifiable", "MinimumEngineVersion", "ApplyMethod", "SupportedEngineModes")

# What a record the research could not complete gets, so every parameter can be validated:
# modifiable, dynamic, free text, never rejected for its value.
COMPLETION = {"Source": "engine-default", "ApplyType": "dynamic", "DataType": "string", "IsModifiable": True,
              "ApplyMethod": "pending-reboot"}

AURORA_16_LOG_LINE_PREFIXES = "%t:%r:%u@%d:[%p]:,%m:%r:%u@%d:[%p]:%l:%e:%s:%v:%x:%c:%q%a"

# PostgreSQL 16 against 15, as far as parameter groups show it. Removed and renamed GUCs are
# from the PostgreSQL 16 release notes; added ones are GUCs new in 16 that RDS exposes.
SIXTEEN: dict[str, Any] = {
    "renamed": {"force_parallel_mode": "debug_parallel_query"},
    "removed": ["vacuum_defer_cleanup_age", "promote_trigger_file"],
    "added": [
        {"ParameterName": "vacuum_buffer_usage_limit", "Description": "Sets the buffer pool size for VACUUM, "
         "ANALYZE, and autovacuum.", "Source": "engine-default", "ApplyType": "dynamic", "DataType": "integer",
         "AllowedValues": "0-16777216", "IsModifiable": True, "ApplyMethod": "pending-reboot"},
        {"ParameterName": "scram_iterations", "Description": "Sets the iteration count for SCRAM secret "
         "generation.", "Source": "engine-default", "ApplyType": "dynamic", "DataType": "integer",
         "AllowedValues": "1-2147483647", "IsModifiable": True, "ApplyMethod": "pending-reboot"},
        {"ParameterName": "reserved_connections", "Description": "Sets the number of connection slots reserved "
         "for roles with privileges of pg_use_reserved_connections.", "Source": "engine-default",
         "ApplyType": "static", "DataType": "integer", "AllowedValues": "0-8388607", "IsModifiable": True,
         "ApplyMethod": "pending-reboot"},
        {"ParameterName": "createrole_self_grant", "Description": "Sets whether a CREATEROLE user automatically "
         "grants the role to themselves, and with which options.", "Source": "engine-default",
         "ApplyType": "dynamic", "DataType": "list", "AllowedValues": "set,inherit", "IsModifiable": True,
         "ApplyMethod": "pending-reboot"},
        {"ParameterName": "icu_validation_level", "Description": "Log level for reporting invalid ICU locale "
         "strings.", "Source": "engine-default", "ApplyType": "dynamic", "DataType": "string",
         "AllowedValues": "disabled,debug5,debug4,debug3,debug2,debug1,log,notice,warning,error",
         "IsModifiable": True, "ApplyMethod": "pending-reboot"},
    ],
}


# PostgreSQL 17 against 16: GUCs removed in 17 (release notes) and one new in 17 that RDS exposes.
SEVENTEEN: dict[str, Any] = {
    "renamed": {},
    "removed": ["old_snapshot_threshold", "db_user_namespace", "trace_recovery_messages"],
    "added": [
        {"ParameterName": "transaction_timeout", "Description": "Sets the maximum allowed duration of any "
         "transaction within a session (not a prepared transaction).", "Source": "engine-default",
         "ApplyType": "dynamic", "DataType": "integer", "AllowedValues": "0-2147483647", "IsModifiable": True,
         "ApplyMethod": "pending-reboot"},
    ],
}

# PostgreSQL 13 against 14: the GUCs new in 14 that the 15 catalog (assembled from 14 and 13 describe outputs)
# carries are left out.
THIRTEEN: dict[str, Any] = {
    "renamed": {},
    "removed": ["client_connection_check_interval", "idle_session_timeout", "compute_query_id",
                "default_toast_compression", "vacuum_failsafe_age", "vacuum_multixact_failsafe_age",
                "min_dynamic_shared_memory", "remove_temp_files_after_crash", "enable_memoize",
                "enable_async_append"],
    "added": [],
}

# PostgreSQL 14 against 15: none of the GUCs new in 15 is in the 15 catalog (it was assembled from 14's and
# 13's describe outputs), so 14 is 15 unchanged.
FOURTEEN: dict[str, Any] = {"renamed": {}, "removed": [], "added": []}

# Each derived major: (the major it is derived from, the differences).
DERIVED: dict[int, tuple[int, dict[str, Any]]] = {
    14: (15, FOURTEEN),
    13: (14, THIRTEEN),
    16: (15, SIXTEEN),
    17: (16, SEVENTEEN),
}


def api_record(record: dict[str, Any], aurora: bool) -> dict[str, Any]:
    """One research record as the API shows it: API fields only, nulls left out, gaps filled."""
    shaped = {field: record[field] for field in API_FIELDS if record.get(field) is not None}
    for field, value in COMPLETION.items():
        shaped.setdefault(field, value)
    if aurora:
        shaped.setdefault("SupportedEngineModes", ["provisioned"])
    return shaped


def derive(parameters: list[dict[str, Any]], changes: dict[str, Any], aurora: bool,
           log_line_prefixes: str | None = None) -> list[dict[str, Any]]:
    """A family from its neighbour's: renamed, removed and added GUCs; on Aurora, the log_line_prefix choice."""
    derived = []
    for record in parameters:
        name = record["ParameterName"]
        if name in changes["removed"]:
            continue
        record = copy.deepcopy(record)
        record["ParameterName"] = changes["renamed"].get(name, name)
        if aurora and name == "log_line_prefix" and log_line_prefixes:
            record["IsModifiable"] = True
            record["AllowedValues"] = log_line_prefixes
        derived.append(record)
    for added in changes["added"]:
        record = copy.deepcopy(added)
        if aurora:
            record["SupportedEngineModes"] = ["provisioned"]
        derived.append(record)
    return sorted(derived, key=lambda item: item["ParameterName"])


def derive_sixteen(parameters: list[dict[str, Any]], aurora: bool) -> list[dict[str, Any]]:
    """The 16 family from the 15 one: renamed, removed and added GUCs, Aurora's second log_line_prefix."""
    # Aurora PostgreSQL 16 lets you pick one of two fixed prefixes.
    return derive(parameters, SIXTEEN, aurora, AURORA_16_LOG_LINE_PREFIXES)


def build(research: dict[str, Any]) -> dict[str, Any]:
    """Families -> level ("cluster" / "instance") -> API-shaped parameter records, sorted by name."""
    families: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for family, levels in research["families"].items():
        aurora = family.startswith("aurora-")
        families[family] = {
            level: sorted((api_record(record, aurora) for record in records), key=lambda item: item["ParameterName"])
            for level, records in levels.items()
        }
    for engine in sorted({family[:-2] for family in families if family.endswith("15")}):
        aurora = engine.startswith("aurora-")
        for major, (base, changes) in DERIVED.items():
            # 16's choice of log_line_prefix stays in 17 (the 16 records carry it already).
            prefixes = AURORA_16_LOG_LINE_PREFIXES if major == 16 else None
            families[f"{engine}{major}"] = {level: derive(records, changes, aurora, prefixes)
                                            for level, records in families[f"{engine}{base}"].items()}
    return {
        "about": "Engine default parameters for the emulator; built by sandbox/emulator/catalog_build.py from "
                 "the research catalog (real describe outputs of adjacent versions plus AWS docs). The 13, 14, "
                 "16 and 17 families are derived from 15.",
        "families": families,
    }


def write(catalog: dict[str, Any], path: Path = OUTPUT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(catalog, separators=(",", ":"), sort_keys=True)
    # mtime=0 keeps the file byte-identical across rebuilds of the same input.
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.emulator.catalog_build")
    parser.add_argument("research_catalog", type=Path)
    args = parser.parse_args(argv)
    catalog = build(json.loads(args.research_catalog.read_text(encoding="utf-8")))
    path = write(catalog)
    counts = {f"{family}/{level}": len(records) for family, levels in catalog["families"].items()
              for level, records in levels.items()}
    print(f"wrote {path}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
