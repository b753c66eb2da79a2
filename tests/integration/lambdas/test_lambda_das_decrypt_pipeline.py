"""das_decrypt end to end on the emulator: records made like RDS makes them, decrypted, delivered.

The records are real AWS Encryption SDK messages (signed and unsigned suites) under data keys
from the emulator's KMS with the ``aws:rds:dbc-id`` encryption context (``sandbox/das_records.py``).
The handler runs in this process (moto cannot invoke Lambda functions) with boto3 pointed at the
emulator; delivery goes through a real Firehose DirectPut stream into S3, alerts through a real
SNS topic into an SQS queue.
"""

from __future__ import annotations

import base64
import json
import os

from lambda_testing import LambdaContext

from sandbox import das_records

RULES = json.dumps([{"name": "role-changes", "classes": ["ROLE"]},
                    {"name": "drops", "commands": ["DROP *"], "exclude_users": ["deployer"]}])


def counting_kms_decrypts(function) -> list:
    """Count the KMS Decrypt requests the function's own client sends (a botocore event hook)."""
    calls: list = []
    function.decryptor.kms.meta.events.register("before-call.kms.Decrypt", lambda **kwargs: calls.append(1))
    return calls


def make_batch(kms, key_id: str, resource_id: str, prefix: str, n_records: int = 12):
    """Records over 3 data keys, both suites, versions 1.0-1.3, with heartbeats and internal users.

    Returns (records, commandTexts that must be delivered).
    """
    keys = [das_records.new_data_key(kms, key_id, resource_id) for _unused in range(3)]
    versions = ["1.0", "1.1", "1.2", "1.3"]
    records, wanted = [], []
    for index in range(n_records):
        texts = [f"SELECT {index}, 'a,b' /* {prefix}-{index}-{n} */" for n in range(2)]
        events = [das_records.activity_event(commandText=texts[0]), das_records.heartbeat_event(),
                  das_records.activity_event(dbUserName="rdsadmin", commandText=f"{prefix} internal"),
                  das_records.activity_event(dbUserName="RDSSEC", commandText=f"{prefix} internal"),
                  das_records.activity_event(commandText=texts[1], someFieldFromTheFuture={"v": index})]
        wanted += texts
        records.append(das_records.das_record(events, keys[index % 3], version=versions[index % 4],
                                              signed=index % 2 == 0, cluster_id="prod-cluster",
                                              instance_id=f"prod-cluster-{index % 2}",
                                              extra_fields={"envelopeFieldFromTheFuture": True}))
    return records, wanted, keys


def corrupt_record(data_key) -> bytes:
    """A well-formed envelope whose events are not an Encryption SDK message."""
    record = json.loads(das_records.das_record([das_records.activity_event()], data_key))
    record["databaseActivityEvents"] = base64.b64encode(os.urandom(300)).decode()
    return json.dumps(record).encode()


def delivered_texts(delivered) -> list[str]:
    return [event.get("commandText") for event in delivered()]


def test_kinesis_batch_decrypted_filtered_delivered_and_failures_reported(
        lambda_environment, aws_client, kms_key, firehose_to_s3, alert_sink, unique_name):
    from das_decrypt import handler

    kms = aws_client("kms")
    resource_id = "cluster-" + unique_name("").upper()
    stream, delivered = firehose_to_s3
    records, wanted, keys = make_batch(kms, kms_key, resource_id, prefix=resource_id)
    role_change = das_records.das_record([das_records.activity_event(**{
        "class": "ROLE", "command": "ALTER ROLE", "dbUserName": "mallory",
        "commandText": "ALTER ROLE app PASSWORD 'hunter2'"})], keys[0], cluster_id="prod-cluster",
        instance_id="prod-cluster-1", version="1.2", signed=True)
    wrong_context_key = das_records.new_data_key(kms, kms_key, "cluster-SOMEONEELSE")
    wrong_context = das_records.das_record([das_records.activity_event(commandText="never")], wrong_context_key)
    batch = records[:5] + [corrupt_record(keys[1])] + records[5:] + [wrong_context, role_change]
    event = das_records.kinesis_event(batch, resource_id)
    sequence = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    lambda_environment(FIREHOSE_STREAM_NAME=stream, ALERT_TOPIC_ARN=alert_sink.topic_arn, ALERT_RULES=RULES,
                       ALERT_SUBJECT_PREFIX="[db-audit-test]")
    kms_calls = counting_kms_decrypts(handler.function())

    response = handler.handler(event, LambdaContext())

    assert response == {"batchItemFailures": [{"itemIdentifier": sequence[5]},
                                              {"itemIdentifier": sequence[-2]}]}
    texts = delivered_texts(delivered)
    assert sorted(texts) == sorted(wanted + ["ALTER ROLE app PASSWORD 'hunter2'"])  # each exactly once
    assert len(kms_calls) == 4  # three data keys of the cluster, one of the wrong context
    events = delivered()
    assert {e["clusterId"] for e in events} == {"prod-cluster"}
    assert all(e["type"] == "record" and e["dbUserName"].lower() not in ("rdsadmin", "rdssec") for e in events)
    assert len({e["dbauditEventId"] for e in events}) == len(events)

    (alert,) = alert_sink.messages(expected=1)
    assert alert["Subject"] == "[db-audit-test] role-changes: ALTER ROLE by mallory@appdb on prod-cluster"
    for fact in ("prod-cluster-1", "mallory", "appdb", "10.0.1.25(51234)", "ALTER ROLE app PASSWORD '***'"):
        assert fact in alert["Message"]
    assert "hunter2" not in alert["Message"]

    # Same data keys in the next invocation: the cache answers, KMS is not called again.
    more, more_wanted, _unused = make_batch(kms, kms_key, resource_id, prefix=resource_id + "b", n_records=2)
    more_records = [das_records.das_record([das_records.activity_event(commandText=f"{resource_id} again")], key)
                    for key in keys]
    assert handler.handler(das_records.kinesis_event(more_records, resource_id), LambdaContext()) == {
        "batchItemFailures": []}
    assert len(kms_calls) == 4
    assert delivered_texts(delivered).count(f"{resource_id} again") == 3


def test_resource_id_from_configuration_and_a_wrong_one_fails_every_record(
        lambda_environment, aws_client, kms_key, firehose_to_s3, unique_name):
    from das_decrypt import handler

    kms = aws_client("kms")
    resource_id = "cluster-" + unique_name("").upper()
    stream, delivered = firehose_to_s3
    key = das_records.new_data_key(kms, kms_key, resource_id)
    records = [das_records.das_record([das_records.activity_event(commandText=f"{resource_id} {n}")], key)
               for n in range(3)]
    event = das_records.kinesis_event(records, "cluster-NOTTHESTREAMNAME")

    lambda_environment(FIREHOSE_STREAM_NAME=stream, DAS_RESOURCE_ID=resource_id)
    assert handler.handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert len(delivered()) == 3

    lambda_environment(FIREHOSE_STREAM_NAME=stream)  # context from the (wrong) stream name now
    response = handler.handler(event, LambdaContext())
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [
        r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert len(delivered()) == 3


def test_firehose_transformation_answers_every_record_id(lambda_environment, aws_client, kms_key, unique_name):
    from das_decrypt import handler

    kms = aws_client("kms")
    resource_id = "cluster-" + unique_name("").upper()
    key = das_records.new_data_key(kms, kms_key, resource_id)
    kept = das_records.das_record([das_records.activity_event(commandText="kept 1"), das_records.heartbeat_event(),
                                   das_records.activity_event(commandText="kept 2")], key, signed=True)
    only_noise = das_records.das_record([das_records.heartbeat_event(),
                                         das_records.activity_event(dbUserName="rdsproxyadmin")], key)
    event = das_records.firehose_transformation_event([kept, corrupt_record(key), only_noise], resource_id)
    event["records"].append({"recordId": "not-base64", "data": "%%%", "approximateArrivalTimestamp": 0})
    lambda_environment()  # no FIREHOSE_STREAM_NAME: a transformation returns its events to Firehose

    response = handler.handler(event, LambdaContext())

    ids = [r["recordId"] for r in event["records"]]
    assert [r["recordId"] for r in response["records"]] == ids
    assert [r["result"] for r in response["records"]] == ["Ok", "ProcessingFailed", "Dropped", "ProcessingFailed"]
    lines = base64.b64decode(response["records"][0]["data"]).decode().splitlines()
    assert [json.loads(line)["commandText"] for line in lines] == ["kept 1", "kept 2"]
    assert response["records"][1]["data"] == event["records"][1]["data"]  # Firehose keeps the original


def test_log_mode_prints_matching_events_without_sql_unless_configured(
        lambda_environment, aws_client, kms_key, firehose_to_s3, unique_name):
    from das_decrypt import handler
    from das_decrypt.config import DecryptConfig

    kms = aws_client("kms")
    resource_id = "cluster-" + unique_name("").upper()
    stream, _unused = firehose_to_s3
    key = das_records.new_data_key(kms, kms_key, resource_id)
    record = das_records.das_record([
        das_records.activity_event(**{"class": "ROLE", "command": "CREATE ROLE",
                                      "commandText": "CREATE ROLE x PASSWORD 'pw-in-log'"}),
        das_records.activity_event(commandText="SELECT not_matching")], key)
    for log_sql, expect_sql in (("false", False), ("true", True)):
        lambda_environment(FIREHOSE_STREAM_NAME=stream, ALERT_MODE="log", LOG_SQL_TEXT=log_sql)
        printed: list[str] = []
        function = handler.DecryptFunction(DecryptConfig.from_environ(), kms=aws_client("kms"),
                                           firehose=aws_client("firehose"), print_line=printed.append)
        assert function.handle(das_records.kinesis_event([record], resource_id), LambdaContext()) == {
            "batchItemFailures": []}
        (line,) = printed
        assert line.startswith("DBAUDIT_DAS_EVENT ") and "role-changes" in line
        assert "pw-in-log" not in line and "not_matching" not in line
        assert ("CREATE ROLE x PASSWORD '***'" in line) is expect_sql
