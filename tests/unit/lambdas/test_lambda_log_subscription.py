"""CloudWatch Logs subscription events and the decrypt function's event lines."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from audit_alert.handler import audit_events
from audit_alert.log_subscription import SubscriptionEventError, decode_subscription_event, source_names
from dbaudit_alerts.das_event_lines import format_event_line, parse_event_line


def subscription(body: dict) -> dict:
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(body).encode())).decode()}}


def test_decode_data_message():
    batch = decode_subscription_event(subscription({
        "messageType": "DATA_MESSAGE", "logGroup": "/aws/rds/cluster/prod/postgresql", "logStream": "prod-1",
        "logEvents": [{"id": "1", "timestamp": 5, "message": "hello"}]}))
    assert (batch.message_type, batch.log_group, batch.log_stream, batch.messages) == (
        "DATA_MESSAGE", "/aws/rds/cluster/prod/postgresql", "prod-1", [(5, "hello")])


def test_not_a_subscription_event():
    with pytest.raises(SubscriptionEventError):
        decode_subscription_event({"Records": []})
    with pytest.raises(SubscriptionEventError):
        decode_subscription_event({"awslogs": {"data": "bm90IGd6aXA="}})


def test_source_names_from_rds_log_groups():
    assert source_names("/aws/rds/cluster/prod/postgresql", "prod-1") == ("prod", "prod-1")
    assert source_names("/aws/rds/instance/solo/postgresql", "solo.0") == ("", "solo")
    assert source_names("/aws/lambda/das-decrypt", "2026/11/24/[$LATEST]abc") == ("", "2026/11/24/[$LATEST]abc")


def test_event_line_leaves_sql_out_unless_asked_and_redacts_it():
    event = {"class": "ROLE", "commandText": "ALTER ROLE a PASSWORD 'pw1'", "paramList": ["p"], "dbUserName": "u"}
    hidden = format_event_line(event, ["r"], include_sql=False)
    assert "ALTER ROLE" not in hidden and "paramList" not in hidden and "\n" not in hidden
    shown = format_event_line(event, ["r"], include_sql=True)
    assert "ALTER ROLE a PASSWORD '***'" in shown and "pw1" not in shown
    assert parse_event_line("2026-11-24T00:00:00Z\t" + shown)["matchedRules"] == ["r"]
    assert parse_event_line("DBAUDIT_DAS_EVENT {broken") is None


def test_audit_events_reads_both_kinds_of_line():
    das_line = format_event_line({"class": "ROLE", "command": "GRANT", "dbUserName": "u", "clusterId": "cluster-A",
                                  "instanceId": "db-1"}, ["r"], include_sql=False)
    pg_line = ("2026-11-24 14:50:34 UTC:10.0.0.1(1):u@d:[1]:LOG:  AUDIT: SESSION,1,1,ROLE,GRANT,,,GRANT x TO y,"
               "<not logged>")
    batch = decode_subscription_event(subscription({"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/f",
                                                    "logStream": "s", "logEvents": [
                                                        {"id": "1", "timestamp": 1, "message": das_line},
                                                        {"id": "2", "timestamp": 2, "message": pg_line}]}))
    das, pgaudit = audit_events(batch)
    assert (das.source, das.cluster, das.instance, das.command) == ("das", "cluster-A", "db-1", "GRANT")
    assert (pgaudit.source, pgaudit.statement) == ("pgaudit", "GRANT x TO y")
