"""The Kinesis side of an event source mapping: the event Lambda gets and what to do with its answer."""

from __future__ import annotations

import base64
from datetime import datetime


def kinesis_event(records: list[dict], stream_arn: str, shard_id: str, region: str) -> dict:
    """The event a Kinesis event source mapping hands the function for ``get_records`` records."""
    out = []
    for record in records:
        arrival = record.get("ApproximateArrivalTimestamp")
        stamp = arrival.timestamp() if isinstance(arrival, datetime) else float(arrival or 0)
        out.append({
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": record["PartitionKey"],
                        "sequenceNumber": record["SequenceNumber"],
                        "data": base64.b64encode(record["Data"]).decode("ascii"),
                        "approximateArrivalTimestamp": stamp},
            "eventSource": "aws:kinesis", "eventVersion": "1.0",
            "eventID": f"{shard_id}:{record['SequenceNumber']}", "eventName": "aws:kinesis:record",
            "awsRegion": region, "eventSourceARN": stream_arn,
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/sandbox-pipeline",
        })
    return {"Records": out}


def lowest_failure(result, reports_item_failures: bool) -> str | None:
    """The sequence number to retry from, per ReportBatchItemFailures; None when all succeeded.

    Without ReportBatchItemFailures the answer is ignored (a returned invocation is a success).
    An answer that does not follow the contract fails the whole batch, as Lambda treats it.
    """
    if not reports_item_failures or result is None:
        return None
    if not isinstance(result, dict):
        return ""
    failures = result.get("batchItemFailures") or []
    if not isinstance(failures, list):
        return ""
    numbers = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier:
            return ""  # empty or missing identifier: the whole batch is retried
        numbers.append(identifier)
    return min(numbers, key=int) if numbers else None


def retry_records(records: list[dict], from_sequence: str) -> list[dict]:
    """Records from ``from_sequence`` on ("" means the whole batch)."""
    if from_sequence == "":
        return records
    return [record for record in records if int(record["SequenceNumber"]) >= int(from_sequence)]
