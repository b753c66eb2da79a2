"""The two ways records reach das_decrypt, and the answer each expects.

- Kinesis event source mapping on the ``aws-rds-das-<id>`` stream: ``{"Records": [{"kinesis":
  {"data", "sequenceNumber"}, "eventSourceARN"}]}``; answer ``{"batchItemFailures":
  [{"itemIdentifier": <sequenceNumber>}]}`` (needs ``FunctionResponseTypes=["ReportBatchItemFailures"]``
  on the mapping).
- Firehose data transformation (Kinesis stream -> Firehose -> this function -> S3):
  ``{"invocationId", "sourceKinesisStreamArn", "records": [{"recordId", "data",
  "kinesisRecordMetadata"}]}``; answer ``{"records": [{"recordId", "result", "data"}]}`` with every
  recordId, result ``Ok``, ``Dropped`` or ``ProcessingFailed``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from .record_decryption import resource_id_from_stream

KINESIS = "kinesis"
FIREHOSE = "firehose"


class UnknownEventError(ValueError):
    """The invocation event is neither a Kinesis nor a Firehose transformation event."""


@dataclass(frozen=True)
class SourceRecord:
    """One encrypted record: its id for the answer, a stable id for event ids, data and resource id."""

    record_id: str  # Kinesis sequence number, or Firehose recordId
    stable_id: str  # Kinesis sequence number in both cases when known (same across retries)
    data: bytes | None  # None when the data was not base64
    resource_id: str


def event_kind(event: dict[str, Any]) -> str:
    if isinstance(event.get("records"), list) and "invocationId" in event:
        return FIREHOSE
    if isinstance(event.get("Records"), list):
        return KINESIS
    raise UnknownEventError("event is neither a Kinesis event (Records) nor a Firehose transformation "
                            "event (invocationId, records)")


def _b64(text: Any) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        return None


def source_records(event: dict[str, Any], configured_resource_id: str = "") -> tuple[str, list[SourceRecord]]:
    """(kind, records) of an invocation event; the resource id comes from configuration or the stream name."""
    kind = event_kind(event)
    records = []
    if kind == KINESIS:
        for record in event["Records"]:
            kinesis = record.get("kinesis") or {}
            sequence = str(kinesis.get("sequenceNumber", ""))
            resource_id = configured_resource_id or resource_id_from_stream(str(record.get("eventSourceARN", "")))
            records.append(SourceRecord(sequence, sequence, _b64(kinesis.get("data")), resource_id))
    else:
        stream_resource = resource_id_from_stream(str(event.get("sourceKinesisStreamArn", "")))
        for record in event["records"]:
            record_id = str(record.get("recordId", ""))
            metadata = record.get("kinesisRecordMetadata") or {}
            stable = str(metadata.get("sequenceNumber") or record_id)
            records.append(SourceRecord(record_id, stable, _b64(record.get("data")),
                                        configured_resource_id or stream_resource))
    return kind, records


def kinesis_response(failed_ids: list[str]) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": record_id} for record_id in failed_ids]}


def firehose_result(record_id: str, result: str, data: bytes) -> dict[str, str]:
    return {"recordId": record_id, "result": result, "data": base64.b64encode(data).decode("ascii")}
