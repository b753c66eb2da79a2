"""Firehose partial failures injected into das_decrypt's delivery: no event lost.

Fault injection: the emulator's Firehose never rejects an entry, so ``FlakyFirehose`` wraps the
real client and, for chosen entries, answers as Firehose does on a partial failure
(``FailedPutCount`` and an ``ErrorCode`` on the entry) without passing them on; every other entry
goes to the emulator's Firehose and on to S3 for real.
"""

from __future__ import annotations

import random

from lambda_testing import LambdaContext

from sandbox import das_records


class FlakyFirehose:
    """Fault injection around a real Firehose client (see module docstring)."""

    def __init__(self, real, *, fraction: float = 0.0, failing_rounds: int = 0, always_fail=lambda data: False,
                 seed: int = 7):
        self.real = real
        self.fraction = fraction
        self.failing_rounds = failing_rounds
        self.always_fail = always_fail
        self.rng = random.Random(seed)
        self.calls = 0
        self.rejected = 0

    def put_record_batch(self, DeliveryStreamName, Records):  # noqa: N803 - boto3's parameter names
        self.calls += 1
        failing_now = self.calls <= self.failing_rounds
        rejected = [self.always_fail(r["Data"]) or (failing_now and self.rng.random() < self.fraction)
                    for r in Records]
        passed = [r for r, bad in zip(Records, rejected, strict=True) if not bad]
        answers = iter(self.real.put_record_batch(DeliveryStreamName=DeliveryStreamName, Records=passed)
                       ["RequestResponses"] if passed else [])
        responses = [{"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "injected"} if bad else next(answers)
                     for bad in rejected]
        self.rejected += sum(rejected)
        return {"FailedPutCount": sum(rejected), "Encrypted": False, "RequestResponses": responses}


def records_with_events(kms, kms_key, resource_id: str, n_records: int, per_record: int = 3):
    keys = [das_records.new_data_key(kms, kms_key, resource_id) for _unused in range(2)]
    records, texts = [], []
    for index in range(n_records):
        events = [das_records.activity_event(commandText=f"{resource_id} r{index} e{n}") for n in range(per_record)]
        texts.append([e["commandText"] for e in events])
        records.append(das_records.das_record(events, keys[index % 2], signed=index % 3 == 0))
    return records, texts


def decrypt_function(aws_client, firehose):
    from das_decrypt.config import DecryptConfig
    from das_decrypt.handler import DecryptFunction

    return DecryptFunction(DecryptConfig.from_environ(), kms=aws_client("kms"), firehose=firehose)


def test_partial_failures_are_resent_until_every_event_is_delivered_once(
        lambda_environment, aws_client, kms_key, firehose_to_s3, unique_name):
    resource_id = "cluster-" + unique_name("").upper()
    stream, delivered = firehose_to_s3
    records, texts = records_with_events(aws_client("kms"), kms_key, resource_id, n_records=200)  # 600 events
    lambda_environment(FIREHOSE_STREAM_NAME=stream)
    flaky = FlakyFirehose(aws_client("firehose"), fraction=0.3, failing_rounds=4)
    function = decrypt_function(aws_client, flaky)

    response = function.handle(das_records.kinesis_event(records, resource_id), LambdaContext(60_000))

    assert response == {"batchItemFailures": []}
    assert flaky.rejected > 100  # the injection really happened, on several rounds
    got = [event["commandText"] for event in delivered()]
    assert sorted(got) == sorted(text for record in texts for text in record)  # each exactly once
    assert function.delivery.resent == flaky.rejected


def test_records_still_failing_at_the_deadline_are_reported_and_a_retry_delivers_them(
        lambda_environment, aws_client, kms_key, firehose_to_s3, unique_name):
    resource_id = "cluster-" + unique_name("").upper()
    stream, delivered = firehose_to_s3
    records, texts = records_with_events(aws_client("kms"), kms_key, resource_id, n_records=10)
    doomed = {3, 7}  # one event of each of these records is refused every time
    refused = {f"{resource_id} r{index} e1".encode() for index in doomed}
    lambda_environment(FIREHOSE_STREAM_NAME=stream, DELIVERY_TIME_RESERVE_MS=5000)
    flaky = FlakyFirehose(aws_client("firehose"),
                          always_fail=lambda data: any(marker in data for marker in refused))
    event = das_records.kinesis_event(records, resource_id)
    sequence = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]

    response = decrypt_function(aws_client, flaky).handle(event, LambdaContext(6_500))

    assert response == {"batchItemFailures": [{"itemIdentifier": sequence[3]}, {"itemIdentifier": sequence[7]}]}
    got = [e["commandText"] for e in delivered()]
    for index, record_texts in enumerate(texts):
        if index not in doomed:
            assert all(got.count(text) == 1 for text in record_texts)

    # Lambda retries the reported records (from the lowest failed sequence number); this time Firehose takes them.
    retry = {"Records": event["Records"][3:]}
    assert decrypt_function(aws_client, aws_client("firehose")).handle(retry, LambdaContext()) == {
        "batchItemFailures": []}
    got = [e["commandText"] for e in delivered()]
    for index, record_texts in enumerate(texts):
        for text in record_texts:
            # at least once for all; a record delivered in part and then retried may give a second copy,
            # which dbauditEventId lets a consumer drop
            assert 1 <= got.count(text) <= (1 if index < 3 else 2), text
    ids = {}
    for e in delivered():
        ids.setdefault(e["dbauditEventId"], set()).add(e["commandText"])
    assert all(len(v) == 1 for v in ids.values())  # the same id always means the same event
