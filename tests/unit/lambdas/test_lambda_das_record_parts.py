"""The pure parts of DAS record handling: envelope, resource id, context, filters, event sources."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from das_decrypt.config import DecryptConfig
from das_decrypt.event_filter import internal_user_set, keep_event
from das_decrypt.event_sources import FIREHOSE, KINESIS, UnknownEventError, firehose_result, source_records
from das_decrypt.record_decryption import (RecordError, encryption_context, gunzip, parse_envelope,
                                           resource_id_from_stream)
from dbaudit_alerts.settings import ConfigurationError


def test_resource_id_from_stream_arn_or_name():
    assert resource_id_from_stream("arn:aws:kinesis:us-east-1:1:stream/aws-rds-das-cluster-ABC") == "cluster-ABC"
    assert resource_id_from_stream("aws-rds-das-db-XYZ") == "db-XYZ"
    assert resource_id_from_stream("arn:aws:kinesis:us-east-1:1:stream/other") == ""


def test_encryption_context_for_clusters_and_instances():
    assert encryption_context("cluster-ABC") == {"aws:rds:dbc-id": "cluster-ABC"}
    assert encryption_context("db-XYZ") == {"aws:rds:db-id": "db-XYZ"}


def envelope(**fields) -> bytes:
    body = {"type": "DatabaseActivityMonitoringRecords", "version": "1.3",
            "databaseActivityEvents": base64.b64encode(b"msg").decode(), "key": base64.b64encode(b"k").decode(),
            "someFutureField": {"x": 1}}
    body.update(fields)
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


def test_envelope_tolerates_unknown_fields_and_versions():
    assert parse_envelope(envelope(version="9.9")) == ("9.9", b"k", b"msg")


@pytest.mark.parametrize("data, reason", [
    (b"not json", "not JSON"),
    (envelope(type="Other"), "record type"),
    (envelope(key=None), "no 'key'"),
    (envelope(databaseActivityEvents="***"), "not base64"),
])
def test_bad_envelopes_say_why(data, reason):
    with pytest.raises(RecordError, match=reason):
        parse_envelope(data)


def test_gunzip_limits_output():
    assert gunzip(gzip.compress(b"x" * 100)) == b"x" * 100
    with pytest.raises(RecordError, match="larger than"):
        gunzip(gzip.compress(b"x" * 1000), limit=100)
    with pytest.raises(RecordError, match="not gzip"):
        gunzip(b"plain")


def test_heartbeats_and_internal_users_dropped_case_insensitively():
    internal = internal_user_set(["rdsadmin", " RDSSEC "])
    assert not keep_event({"type": "heartbeat"}, internal)
    assert not keep_event({"type": "record", "dbUserName": "RDSADMIN"}, internal)
    assert not keep_event({"type": "record", "dbUserName": "rdssec"}, internal)
    assert keep_event({"type": "record", "dbUserName": "alice"}, internal)
    assert keep_event({"dbUserName": "alice"}, internal)  # 1.0 records without "type"


def test_kinesis_and_firehose_events_give_the_same_records():
    data = base64.b64encode(b"payload").decode()
    kind, (record,) = source_records({"Records": [{"kinesis": {"data": data, "sequenceNumber": "42"},
                                                   "eventSourceARN": "arn:x:stream/aws-rds-das-cluster-K"}]})
    assert (kind, record.record_id, record.data, record.resource_id) == (KINESIS, "42", b"payload", "cluster-K")
    kind, (record,) = source_records({"invocationId": "i",
                                      "sourceKinesisStreamArn": "arn:x:stream/aws-rds-das-cluster-F",
                                      "records": [{"recordId": "r1", "data": "%%%",
                                                   "kinesisRecordMetadata": {"sequenceNumber": "77"}}]},
                                     configured_resource_id="cluster-CONF")
    assert (kind, record.record_id, record.stable_id, record.data, record.resource_id) == (
        FIREHOSE, "r1", "77", None, "cluster-CONF")
    with pytest.raises(UnknownEventError):
        source_records({"awslogs": {}})
    assert firehose_result("r", "Ok", b"ab") == {"recordId": "r", "result": "Ok", "data": "YWI="}


def test_configuration_defaults_and_errors():
    config = DecryptConfig.from_environ({})
    assert config.internal_users == {"rdsadmin", "rdssec", "rdsproxyadmin"}
    assert config.alerts.mode == "off" and config.cache_max_entries == 1000
    assert DecryptConfig.from_environ({"INTERNAL_USERS": ""}).internal_users == frozenset()
    assert DecryptConfig.from_environ({"ALERT_TOPIC_ARN": "arn:t"}).alerts.mode == "sns"
    with pytest.raises(ConfigurationError, match="ALERT_MODE=sns needs ALERT_TOPIC_ARN"):
        DecryptConfig.from_environ({"ALERT_MODE": "sns"})
    with pytest.raises(ConfigurationError, match="DATA_KEY_CACHE_MAX_ENTRIES='lots'"):
        DecryptConfig.from_environ({"DATA_KEY_CACHE_MAX_ENTRIES": "lots"})
    with pytest.raises(ConfigurationError, match="LOG_SQL_TEXT='maybe'"):
        DecryptConfig.from_environ({"LOG_SQL_TEXT": "maybe"})
