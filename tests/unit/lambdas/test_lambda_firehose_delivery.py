"""Firehose delivery: batch limits, re-sending only failed entries, stopping before the deadline.

The Firehose client here is a fake (a class recording calls) because the emulator never fails a
put_record_batch entry; the integration tests run the same code against the emulator's real
Firehose with injected failures.
"""

from __future__ import annotations

import json

from das_decrypt.firehose_delivery import (MAX_BATCH_BYTES, MAX_RECORD_BYTES, DeliveryItem, FirehoseDelivery,
                                           batches, event_line)


class FakeFirehose:
    """Fails the entries whose data is in ``fail_times`` that many times, then accepts them."""

    def __init__(self, fail_times: dict[bytes, int] | None = None, raise_calls: int = 0):
        self.fail_times = dict(fail_times or {})
        self.raise_calls = raise_calls
        self.calls: list[list[bytes]] = []
        self.accepted: list[bytes] = []

    def put_record_batch(self, DeliveryStreamName, Records):  # noqa: N803 - boto3's parameter names
        from botocore.exceptions import ClientError

        data = [r["Data"] for r in Records]
        self.calls.append(data)
        if self.raise_calls:
            self.raise_calls -= 1
            raise ClientError({"Error": {"Code": "ServiceUnavailableException", "Message": "slow down"}},
                              "PutRecordBatch")
        responses = []
        for item in data:
            if self.fail_times.get(item, 0) > 0:
                self.fail_times[item] -= 1
                responses.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "busy"})
            else:
                self.accepted.append(item)
                responses.append({"RecordId": "id"})
        return {"FailedPutCount": sum(1 for r in responses if "ErrorCode" in r), "RequestResponses": responses}


def items(n: int, size: int = 10) -> list[DeliveryItem]:
    return [DeliveryItem(f"seq{i // 3}", f"{i:0{size - 1}d}\n".encode()) for i in range(n)]


def delivery(client) -> tuple[FirehoseDelivery, list[float]]:
    sleeps: list[float] = []
    return FirehoseDelivery(client, "s", sleep=sleeps.append, jitter=lambda: 1.0), sleeps


def test_batches_respect_record_and_byte_limits():
    assert [len(b) for b in batches(items(1201))] == [500, 500, 201]
    big = [DeliveryItem("s", b"x" * (900 * 1024)) for _unused in range(10)]
    groups = batches(big)
    assert all(sum(len(i.data) for i in g) <= MAX_BATCH_BYTES for g in groups)
    assert [len(g) for g in groups] == [4, 4, 2]


def test_only_failed_entries_are_sent_again_until_delivered():
    all_items = items(7)
    client = FakeFirehose({all_items[2].data: 2, all_items[5].data: 1})
    sender, sleeps = delivery(client)
    assert sender.deliver(all_items, lambda: 60000) == []
    assert [len(call) for call in client.calls] == [7, 2, 1]
    assert sorted(client.accepted) == sorted(i.data for i in all_items)  # each exactly once
    assert sleeps == [0.1, 0.2]  # exponential backoff


def test_whole_call_errors_are_retried():
    all_items = items(3)
    client = FakeFirehose(raise_calls=1)
    sender, _unused = delivery(client)
    assert sender.deliver(all_items, lambda: 60000) == []
    assert len(client.calls) == 2 and len(client.accepted) == 3


def test_stops_when_the_invocation_would_run_out_and_returns_what_is_left():
    all_items = items(4)
    client = FakeFirehose({all_items[1].data: 100})
    sender, sleeps = delivery(client)
    remaining = iter([60000, 60000, 5100, 5000])
    left = sender.deliver(all_items, lambda: next(remaining), reserve_ms=5000)
    assert left == [all_items[1]]
    assert len(sleeps) == 2


def test_event_line_is_one_json_line_and_long_statements_are_cut_to_fit():
    line = event_line({"commandText": "a\nb", "class": "READ"})
    assert line.count(b"\n") == 1 and json.loads(line) == {"commandText": "a\nb", "class": "READ"}
    huge = event_line({"commandText": "x" * (2 * MAX_RECORD_BYTES), "paramList": ["p"]})
    assert len(huge) <= MAX_RECORD_BYTES
    parsed = json.loads(huge)
    assert parsed["commandTextTruncated"] is True and "paramList" not in parsed
