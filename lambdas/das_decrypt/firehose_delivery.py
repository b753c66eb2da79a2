"""Delivering decrypted events to a Firehose delivery stream as newline-delimited JSON.

``put_record_batch`` takes at most 500 records and 4 MiB per call, and can succeed for some
records and fail for others (``FailedPutCount``, an ``ErrorCode`` per entry). Only the entries
that failed are sent again, with exponential backoff and jitter, until all are delivered or the
invocation has too little time left; what is still undelivered then is returned so the caller
can report its source records as failed (and Lambda or Firehose sends them again). Delivery is
therefore at least once: a source record reported failed is processed again in full, so its
events that were delivered the first time arrive twice. Each event carries ``dbauditEventId``
(stable across retries) so a consumer can drop the duplicates.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024


@dataclass(frozen=True)
class DeliveryItem:
    """One event line and the source record (Kinesis sequence number / Firehose recordId) it came from."""

    source_id: str
    data: bytes


def event_line(event: dict[str, Any], limit: int = MAX_RECORD_BYTES) -> bytes:
    """The event as one JSON line; a statement too long for one Firehose record is cut, and says so."""
    line = (json.dumps(event, sort_keys=True, separators=(",", ":"), default=str) + "\n").encode("utf-8")
    if len(line) <= limit:
        return line
    trimmed = dict(event)
    text = str(trimmed.get("commandText") or "")
    excess = len(line) - limit + 256
    trimmed["commandText"] = text[: max(0, len(text) - excess)]
    trimmed["commandTextTruncated"] = True
    trimmed.pop("paramList", None)
    line = (json.dumps(trimmed, sort_keys=True, separators=(",", ":"), default=str) + "\n").encode("utf-8")
    return line[: limit - 1] + b"\n" if len(line) > limit else line


def batches(items: Iterable[DeliveryItem], max_records: int = MAX_BATCH_RECORDS,
            max_bytes: int = MAX_BATCH_BYTES) -> list[list[DeliveryItem]]:
    """Items in order, cut into groups within Firehose's per-call record and byte limits."""
    groups: list[list[DeliveryItem]] = []
    current: list[DeliveryItem] = []
    size = 0
    for item in items:
        if current and (len(current) >= max_records or size + len(item.data) > max_bytes):
            groups.append(current)
            current, size = [], 0
        current.append(item)
        size += len(item.data)
    if current:
        groups.append(current)
    return groups


class FirehoseDelivery:
    """Sends items with ``put_record_batch``, re-sending only failed entries while time allows."""

    def __init__(self, client: Any, stream_name: str, *, base_delay: float = 0.1, max_delay: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random):
        self.client = client
        self.stream_name = stream_name
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.jitter = jitter
        self.calls = 0
        self.resent = 0

    def _send(self, group: list[DeliveryItem]) -> list[DeliveryItem]:
        """Send one group; the items that were not accepted."""
        from botocore.exceptions import BotoCoreError, ClientError

        self.calls += 1
        try:
            answer = self.client.put_record_batch(DeliveryStreamName=self.stream_name,
                                                  Records=[{"Data": item.data} for item in group])
        except (ClientError, BotoCoreError):
            return list(group)
        if not answer.get("FailedPutCount"):
            return []
        responses = answer.get("RequestResponses") or []
        if len(responses) != len(group):
            return list(group)  # cannot tell which failed: send all again (duplicates beat loss)
        return [item for item, response in zip(group, responses, strict=True) if response.get("ErrorCode")]

    def deliver(self, items: list[DeliveryItem], time_left_ms: Callable[[], int],
                reserve_ms: int = 5000) -> list[DeliveryItem]:
        """Deliver ``items``; return those still undelivered when time ran short (empty on success)."""
        pending = list(items)
        attempt = 0
        while pending:
            failed: list[DeliveryItem] = []
            for group in batches(pending):
                failed.extend(self._send(group))
            if not failed:
                return []
            attempt += 1
            delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * (0.5 + self.jitter() / 2)
            if time_left_ms() - delay * 1000 < reserve_ms:
                return failed
            self.resent += len(failed)
            self.sleep(delay)
            pending = failed
        return []
