"""Marker/MaxRecords pagination as RDS describes do it, for the describes the extensions answer."""

from __future__ import annotations

import base64
from typing import Any, TypeVar

from moto.rds.exceptions import RDSClientError

T = TypeVar("T")

MIN_RECORDS = 20
MAX_RECORDS = 100


def _encode(offset: int) -> str:
    # Opaque to the caller, as AWS markers are; only this module reads it back.
    return base64.urlsafe_b64encode(f"dbaudit:{offset}".encode()).decode()


def _decode(marker: str) -> int:
    try:
        text = base64.urlsafe_b64decode(marker.encode()).decode()
        prefix, offset = text.split(":", 1)
        if prefix != "dbaudit" or int(offset) < 0:
            raise ValueError(marker)
        return int(offset)
    except (ValueError, UnicodeDecodeError) as error:
        raise RDSClientError("InvalidParameterValue", f"Invalid marker: {marker}") from error


def page(items: list[T], max_records: Any = None, marker: str | None = None) -> tuple[list[T], str | None]:
    """One page of ``items`` and the marker of the next one (None on the last page).

    MaxRecords defaults to 100 and must lie within 20..100, as RDS demands.
    """
    size = MAX_RECORDS if max_records in (None, "") else int(max_records)
    if not MIN_RECORDS <= size <= MAX_RECORDS:
        raise RDSClientError("InvalidParameterValue",
                             f"Invalid value {size} for MaxRecords. Must be between {MIN_RECORDS} and {MAX_RECORDS}")
    start = _decode(marker) if marker else 0
    chunk = items[start:start + size]
    following = start + size
    return chunk, (_encode(following) if following < len(items) else None)
