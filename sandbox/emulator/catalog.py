"""The engine default parameters of the families the emulator knows (``data/rds_parameters.json.gz``).

Aurora families have two lists: ``cluster`` (DB cluster parameter groups) and ``instance`` (DB
parameter groups of Aurora instances). RDS for PostgreSQL families have ``instance`` only. A
family that is not here keeps moto's behaviour: no defaults and no validation.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "rds_parameters.json.gz"

CLUSTER = "cluster"
INSTANCE = "instance"


@functools.cache
def _families(path: Path = DATA) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """family -> level -> name -> record, loaded once per process (the file never changes while serving)."""
    raw = json.loads(gzip.decompress(path.read_bytes()))
    return {family: {level: {record["ParameterName"]: record for record in records}
                     for level, records in levels.items()}
            for family, levels in raw["families"].items()}


def families() -> list[str]:
    return sorted(_families())


def knows(family: str | None, level: str) -> bool:
    return bool(family) and level in _families().get(str(family).lower(), {})


def engine_defaults(family: str, level: str) -> list[dict[str, Any]]:
    """Every parameter of the family at that level, sorted by name, as copies the caller may change."""
    return [copy.deepcopy(record) for record in _families().get(family.lower(), {}).get(level, {}).values()]


def parameter(family: str, level: str, name: str) -> dict[str, Any] | None:
    record = _families().get(family.lower(), {}).get(level, {}).get(name)
    return copy.deepcopy(record) if record else None


def family_for(engine: str, engine_version: str) -> str | None:
    """The parameter group family AWS uses for an engine and version, for the PostgreSQL engines.

    ``aurora-postgresql`` 15.4 -> ``aurora-postgresql15``; ``postgres`` 9.6.22 -> ``postgres9.6``.
    Other engines return None (moto decides for them).
    """
    if engine not in ("aurora-postgresql", "postgres") or not engine_version:
        return None
    match = re.match(r"(\d+)(?:\.(\d+))?", engine_version)
    if not match:
        return None
    major = int(match.group(1))
    if major < 10 and match.group(2) is not None:
        return f"{engine}{major}.{match.group(2)}"
    return f"{engine}{major}"
