"""The core both event kinds share: decrypt each record, filter its events, count what happened.

One record that cannot be decrypted is an outcome with an error, not an exception: the other
records of the batch go on, and the caller reports just that one as failed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .event_filter import is_heartbeat, keep_event
from .event_sources import SourceRecord
from .firehose_delivery import DeliveryItem, event_line
from .record_decryption import DasRecordDecryptor, RecordError


@dataclass
class RecordOutcome:
    """What became of one source record."""

    record: SourceRecord
    events: list[dict[str, Any]] = field(default_factory=list)  # kept events, in stream order
    error: str = ""
    version: str = ""


@dataclass
class BatchCounts:
    """Counts for the one summary log line per invocation (no SQL in it)."""

    records: int = 0
    failed: int = 0
    events_kept: int = 0
    heartbeats_dropped: int = 0
    internal_dropped: int = 0
    versions: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    def as_log(self) -> dict[str, Any]:
        return {"records": self.records, "failed": self.failed, "events_kept": self.events_kept,
                "heartbeats_dropped": self.heartbeats_dropped, "internal_users_dropped": self.internal_dropped,
                "versions": dict(self.versions), "errors": dict(self.errors)}


def process_record(record: SourceRecord, decryptor: DasRecordDecryptor, internal_users: frozenset[str],
                   counts: BatchCounts) -> RecordOutcome:
    counts.records += 1
    outcome = RecordOutcome(record)
    try:
        if record.data is None:
            raise RecordError("record data is not base64")
        decrypted = decryptor.decrypt(record.data, record.resource_id)
    except RecordError as exc:
        outcome.error = str(exc)
        counts.failed += 1
        counts.errors[outcome.error] += 1
        return outcome
    outcome.version = decrypted.version
    counts.versions[decrypted.version or "unknown"] += 1
    for index, event in enumerate(decrypted.events):
        if keep_event(event, internal_users):
            # Position in the record, so the id is the same when the record is processed again.
            event["dbauditEventId"] = f"{record.stable_id}:{index}"
            outcome.events.append(event)
        elif is_heartbeat(event):
            counts.heartbeats_dropped += 1
        else:
            counts.internal_dropped += 1
    counts.events_kept += len(outcome.events)
    return outcome


def process_records(records: list[SourceRecord], decryptor: DasRecordDecryptor,
                    internal_users: frozenset[str]) -> tuple[list[RecordOutcome], BatchCounts]:
    counts = BatchCounts()
    return [process_record(record, decryptor, internal_users, counts) for record in records], counts


def delivery_items(outcomes: list[RecordOutcome]) -> list[DeliveryItem]:
    """One NDJSON line per kept event of every record that decrypted."""
    return [DeliveryItem(outcome.record.record_id, event_line(event))
            for outcome in outcomes if not outcome.error for event in outcome.events]
