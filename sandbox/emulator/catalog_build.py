"""Build ``data/rds_parameters.json.gz``, the emulator's engine defaults, from the research catalog.

``python -m sandbox.emulator.catalog_build /work/shared/data/rds_parameter_catalog.json``

The research catalog (REFERENCE.md section 6) carries provenance and notes per record; the
emulator needs only what ``describe_db_*parameters`` returns, so this keeps the API fields,
drops every ``_`` key and every null field (AWS leaves absent fields out), fills the few
records the research could not complete, and derives the PostgreSQL 16 families from 15
with the differences listed in ``SIXTEEN``. Run it again when the research catalog changes;
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


def api_record(record: dict[str, Any], aurora: bool) -> dict[str, Any]:
    """One research record as the API shows it: API fields only, nulls left out, gaps filled."""
    shaped = {field: record[field] for field in API_FIELDS if record.get(field) is not None}
    for field, value in COMPLETION.items():
        shaped.setdefault(field, value)
    if aurora:
        shaped.setdefault("SupportedEngineModes", ["provisioned"])
    return shaped


def derive_sixteen(parameters: list[dict[str, Any]], aurora: bool) -> list[dict[str, Any]]:
    """The 16 family from the 15 one: renamed, removed and added GUCs, Aurora's second log_line_prefix."""
    derived = []
    for record in parameters:
        name = record["ParameterName"]
        if name in SIXTEEN["removed"]:
            continue
        record = copy.deepcopy(record)
        record["ParameterName"] = SIXTEEN["renamed"].get(name, name)
        if aurora and name == "log_line_prefix":
            # Aurora PostgreSQL 16 lets you pick one of two fixed prefixes.
            record["IsModifiable"] = True
            record["AllowedValues"] = AURORA_16_LOG_LINE_PREFIXES
        derived.append(record)
    for added in SIXTEEN["added"]:
        record = copy.deepcopy(added)
        if aurora:
            record["SupportedEngineModes"] = ["provisioned"]
        derived.append(record)
    return sorted(derived, key=lambda item: item["ParameterName"])


def build(research: dict[str, Any]) -> dict[str, Any]:
    """Families -> level ("cluster" / "instance") -> API-shaped parameter records, sorted by name."""
    families: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for family, levels in research["families"].items():
        aurora = family.startswith("aurora-")
        families[family] = {
            level: sorted((api_record(record, aurora) for record in records), key=lambda item: item["ParameterName"])
            for level, records in levels.items()
        }
    for family in list(families):
        if family.endswith("15"):
            aurora = family.startswith("aurora-")
            families[family[:-2] + "16"] = {level: derive_sixteen(records, aurora)
                                            for level, records in families[family].items()}
    return {
        "about": "Engine default parameters for the emulator; built by sandbox/emulator/catalog_build.py from "
                 "the research catalog (real describe outputs of adjacent versions plus AWS docs). The 16 "
                 "families are derived from 15.",
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
