"""das_decrypt's answers when records cannot all be handled: missing stream, oversized answers.

The decryptor is replaced by a stub returning fixed events (decryption itself runs for real in
tests/integration/lambdas), so these cases need no KMS.
"""

from __future__ import annotations

import base64
import json

import pytest
from das_decrypt.config import DecryptConfig
from das_decrypt.handler import DecryptFunction
from das_decrypt.record_decryption import DecryptedRecord, RecordError
from dbaudit_alerts.settings import ConfigurationError


class StubDecryptor:
    kms_calls = 0

    def __init__(self, statement_size: int = 10):
        self.statement_size = statement_size

    def decrypt(self, data: bytes, resource_id: str) -> DecryptedRecord:
        if data == b"bad":
            raise RecordError("stub: cannot decrypt")
        event = {"type": "record", "dbUserName": "u", "class": "READ", "commandText": "x" * self.statement_size}
        return DecryptedRecord("1.3", "c", "i", [event])


def firehose_event(datas: list[bytes]) -> dict:
    return {"invocationId": "i", "sourceKinesisStreamArn": "arn:aws:kinesis:r:1:stream/aws-rds-das-cluster-X",
            "records": [{"recordId": f"r{n}", "data": base64.b64encode(d).decode()} for n, d in enumerate(datas)]}


def function(environ: dict, decryptor: StubDecryptor) -> DecryptFunction:
    fn = DecryptFunction(DecryptConfig.from_environ(environ), kms=None)
    fn.decryptor = decryptor
    return fn


def test_kinesis_input_without_a_delivery_stream_is_a_configuration_error():
    event = {"Records": [{"kinesis": {"data": base64.b64encode(b"x").decode(), "sequenceNumber": "1"},
                          "eventSourceARN": "arn:aws:kinesis:r:1:stream/aws-rds-das-cluster-X"}]}
    with pytest.raises(ConfigurationError, match="FIREHOSE_STREAM_NAME"):
        function({}, StubDecryptor()).handle(event)


def test_records_beyond_the_response_limit_are_processing_failed_not_dropped():
    fn = function({"FIREHOSE_RESPONSE_MAX_BYTES": "4000"}, StubDecryptor(statement_size=1000))
    answer = fn.handle(firehose_event([b"a", b"b", b"bad", b"c", b"d"]))
    results = [r["result"] for r in answer["records"]]
    assert [r["recordId"] for r in answer["records"]] == ["r0", "r1", "r2", "r3", "r4"]
    assert results[:3] == ["Ok", "Ok", "ProcessingFailed"]
    assert results[3:] == ["ProcessingFailed", "ProcessingFailed"]
    assert base64.b64decode(answer["records"][2]["data"]) == b"bad"  # original data while it fits
    assert len(json.dumps(answer)) < 4000
