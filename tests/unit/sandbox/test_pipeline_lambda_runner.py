"""The Lambda runner's pieces that need no sandbox: events, failure answers, code store, subprocess."""

from __future__ import annotations

import io
import json
import sys
import zipfile

import pytest

from sandbox.pipeline import kinesis_batches, subscription_delivery
from sandbox.pipeline.function_code import CodeNotFound, FunctionCodeStore, code_sha256
from sandbox.pipeline.invoke import Invoker


def _records(*numbers):
    return [{"SequenceNumber": str(n), "PartitionKey": "pk", "Data": b"x%d" % n,
             "ApproximateArrivalTimestamp": 1.5} for n in numbers]


def test_kinesis_event_has_lambda_shape():
    event = kinesis_batches.kinesis_event(_records(10, 11), "arn:aws:kinesis:us-east-1:1:stream/s", "shardId-0",
                                          "us-east-1")
    first = event["Records"][0]
    assert first["eventSource"] == "aws:kinesis"
    assert first["kinesis"]["sequenceNumber"] == "10"
    assert first["kinesis"]["data"] == "eDEw"  # base64 of b"x10"
    assert first["eventID"] == "shardId-0:10"


@pytest.mark.parametrize(("result", "reports", "expected"), [
    ({"batchItemFailures": []}, True, None),
    ({"batchItemFailures": [{"itemIdentifier": "30"}, {"itemIdentifier": "20"}]}, True, "20"),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, True, ""),
    ("nonsense", True, ""),
    ({"batchItemFailures": [{"itemIdentifier": "20"}]}, False, None),
    (None, True, None),
])
def test_lowest_failure(result, reports, expected):
    assert kinesis_batches.lowest_failure(result, reports) == expected


def test_retry_records_from_lowest_failure():
    batch = _records(5, 9, 100)
    assert [r["SequenceNumber"] for r in kinesis_batches.retry_records(batch, "9")] == ["9", "100"]
    assert kinesis_batches.retry_records(batch, "") == batch


def test_awslogs_event_round_trip_and_pattern():
    events = [{"timestamp": 1, "message": "LOG:  AUDIT: SESSION,1,1,ROLE,GRANT,,,GRANT x TO y,<not logged>"},
              {"timestamp": 2, "message": "LOG:  AUDIT: SESSION,2,1,READ,SELECT,,,SELECT 1,<not logged>"}]
    matched = subscription_delivery.matching(events, '"AUDIT:" ",ROLE,"')
    assert [e["timestamp"] for e in matched] == [1]
    body = subscription_delivery.decode_awslogs(
        subscription_delivery.awslogs_event("/g", "s", ["f"], matched))
    assert body["messageType"] == "DATA_MESSAGE"
    assert (body["logGroup"], body["logStream"], body["subscriptionFilters"]) == ("/g", "s", ["f"])
    assert body["logEvents"][0]["message"].endswith("<not logged>")
    assert body["logEvents"][0]["id"]


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_code_store_finds_zip_by_sha_and_caches(tmp_path):
    data = _zip({"fn/__init__.py": "", "fn/handler.py": "def handler(e, c):\n    return e\n"})
    zips = tmp_path / "zips"
    zips.mkdir()
    (zips / "fn.zip").write_bytes(data)
    store = FunctionCodeStore(tmp_path / "cache", (zips,))
    unpacked = store.unpacked(code_sha256(data))
    assert (unpacked / "fn" / "handler.py").is_file()
    (zips / "fn.zip").unlink()
    assert store.unpacked(code_sha256(data)) == unpacked  # from the cache now
    with pytest.raises(CodeNotFound):
        store.unpacked(code_sha256(b"other"))


def test_invoker_runs_handler_with_env_and_timeout(tmp_path):
    code = tmp_path / "code"
    (code / "fn").mkdir(parents=True)
    (code / "fn" / "__init__.py").write_text("")
    (code / "fn" / "handler.py").write_text(
        "import os, time\n"
        "def handler(event, context):\n"
        "    if event.get('sleep'):\n"
        "        time.sleep(event['sleep'])\n"
        "    if event.get('fail'):\n"
        "        raise RuntimeError('boom')\n"
        "    return {'var': os.environ['MY_VAR'], 'endpoint': os.environ['AWS_ENDPOINT_URL'],\n"
        "            'left': context.get_remaining_time_in_millis() > 0}\n")
    invoker = Invoker({"AWS_ENDPOINT_URL": "http://emulator"}, tmp_path / "cache", python=sys.executable)
    # python= forces the interpreter: the test does not depend on a python3.12 being installed.
    invoker.python312 = None
    done = invoker.invoke(code, "fn.handler.handler", {}, 20, {"MY_VAR": "v"})
    assert done.ok, done.log
    assert done.result == {"var": "v", "endpoint": "http://emulator", "left": True}
    failed = invoker.invoke(code, "fn.handler.handler", {"fail": True}, 20, {"MY_VAR": "v"})
    assert not failed.ok and "boom" in failed.error
    slow = invoker.invoke(code, "fn.handler.handler", {"sleep": 5}, 1, {"MY_VAR": "v"})
    assert not slow.ok and "timed out" in slow.error
    assert json.dumps(done.result)


class _FakeKinesis:
    """Stands in for the emulator's Kinesis in a unit test (the sandbox test uses the real one)."""

    def __init__(self, records):
        self.records = records
        self.served = False

    def get_records(self, ShardIterator, Limit):  # noqa: N803 - boto3's parameter names
        records, self.served = ([] if self.served else self.records[:Limit]), True
        return {"Records": records, "NextShardIterator": "next"}


class _FakeSqs:
    def __init__(self):
        self.sent = []

    def get_queue_url(self, QueueName):  # noqa: N803
        return {"QueueUrl": QueueName}

    def send_message(self, QueueUrl, MessageBody):  # noqa: N803
        self.sent.append(json.loads(MessageBody))


def _runner(answers, records):
    from sandbox.pipeline.invoke import Invocation
    from sandbox.pipeline.lambda_runner import LambdaRunner, ShardState

    clients = {"kinesis": _FakeKinesis(records), "sqs": _FakeSqs()}
    runner = LambdaRunner(clients, {}, "us-east-1", None, None, log=lambda line: None)
    batches = []

    def run(function, event, source, count):
        batches.append([item["kinesis"]["sequenceNumber"] for item in event["Records"]])
        answer = answers.pop(0) if answers else {"batchItemFailures": []}
        return Invocation(answer != "error", None if answer == "error" else answer, 0.0)

    runner.run = run
    return runner, ShardState(iterator="first"), batches, clients


MAPPING = {"UUID": "u", "FunctionArn": "arn:aws:lambda:us-east-1:1:function:f", "BatchSize": 10,
           "FunctionResponseTypes": ["ReportBatchItemFailures"], "MaximumRetryAttempts": 1,
           "BisectBatchOnFunctionError": True,
           "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:dlq"}}}


def test_partial_failure_retries_from_lowest_failed_sequence():
    failed_12 = {"batchItemFailures": [{"itemIdentifier": "12"}]}
    runner, state, batches, _clients = _runner([failed_12], _records(11, 12, 13))
    for _unused in range(3):
        runner._process_shard(MAPPING, {}, "arn:s", "shardId-0", state)
    assert batches == [["11", "12", "13"], ["12", "13"]]
    assert state.pending == []


def test_errors_bisect_then_go_to_on_failure_destination():
    runner, state, batches, clients = _runner(["error", "error"], _records(1, 2, 3, 4))
    for _unused in range(4):
        runner._process_shard(MAPPING, {}, "arn:s", "shardId-0", state)
    assert batches[:3] == [["1", "2", "3", "4"], ["1", "2"], ["3", "4"]]
    assert clients["sqs"].sent[0]["KinesisBatchInfo"]["startSequenceNumber"] == "1"
    assert clients["sqs"].sent[0]["KinesisBatchInfo"]["batchSize"] == 2
    assert state.pending == []
