"""audit_alert fed with pgAudit lines from the sandbox PostgreSQL's own log.

Statements with commas, quotes and line breaks are run as a login role whose ``pgaudit.log`` is
set; the lines pgAudit wrote are read back from the server log and handed to the handler as a
CloudWatch Logs subscription event (base64 gzip JSON, as RDS log export + a subscription filter
deliver them; the handler runs in-process because moto cannot invoke Lambda functions). Alerts
go through the emulator's SNS into an SQS queue.
"""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from harness import wait_for
from psycopg2 import sql

CLUSTER = "prod-aurora"
LOG_GROUP = f"/aws/rds/cluster/{CLUSTER}/postgresql"
INSERT = "INSERT INTO {table} (note, quote)\nVALUES ('a,b', 'say \"hi\" and it''s')"


def subscription_event(messages: list[str], stream: str = "prod-aurora-instance-1",
                       message_type: str = "DATA_MESSAGE") -> dict:
    body = {"messageType": message_type, "owner": "123456789012", "logGroup": LOG_GROUP, "logStream": stream,
            "subscriptionFilters": ["pgaudit-alerts"],
            "logEvents": [{"id": str(n), "timestamp": 1_700_000_000_000 + n, "message": m}
                          for n, m in enumerate(messages)]}
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(body).encode())).decode()}}


@pytest.fixture
def audited_role(pg_connect, unique_name):
    """A login role with pgaudit.log = write, role, read and a table it may write; dropped afterwards."""
    admin = pg_connect()
    role, password = unique_name("auditee_"), unique_name("pw")
    table = f"{role}_notes"
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD %s").format(sql.Identifier(role)), [password])
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log = 'write, role, read'").format(sql.Identifier(role)))
        cur.execute(sql.SQL("CREATE TABLE {} (note text, quote text)").format(sql.Identifier(table)))
        cur.execute(sql.SQL("GRANT ALL ON {} TO {}").format(sql.Identifier(table), sql.Identifier(role)))
    yield role, password, table
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role + "_made")))
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def run_as(pg_connect, role: str, password: str, statements: list[str]) -> None:
    conn = pg_connect(user=role, password=password)
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    conn.close()


def log_lines(pg_log, role: str, entries: int) -> list[str]:
    """The server log lines of ``role``'s entries since the test began, once ``entries`` AUDIT entries are
    there (the log collector writes asynchronously)."""
    text: list[str] = []

    def audit_entries() -> bool:
        text.append(pg_log.read())
        return sum(1 for line in "".join(text).splitlines()
                   if f":{role}@postgres:" in line and "AUDIT: " in line) >= entries

    assert wait_for(audit_entries, timeout=15), "".join(text)[-2000:]
    lines, keep = [], False
    for line in "".join(text).splitlines():
        if not line.startswith("\t"):
            keep = f":{role}@" in line
        if keep:
            lines.append(line)
    return lines


def test_pgaudit_lines_from_the_server_log_raise_actionable_alerts(
        lambda_environment, alert_sink, pg_connect, pg_log, audited_role):
    from audit_alert import handler

    role, password, table = audited_role
    run_as(pg_connect, role, password, [
        INSERT.format(table=table),
        f"CREATE ROLE {role}_made PASSWORD 'Secret-pw1'",
        "SELECT set_config('app.conn', 'host=h password=hunter2', false)",
    ])
    lines = log_lines(pg_log, role, entries=3)
    assert any(line.startswith("\t") for line in lines)  # the statement really spans lines in the log
    rules = [{"name": "role-changes", "classes": ["ROLE"]},
             {"name": "note-writes", "classes": ["WRITE"], "users": [role]},
             {"name": "reads", "classes": ["READ"], "users": [role]},
             {"name": "other-users", "users": ["nobody_else"]}]
    lambda_environment(ALERT_TOPIC_ARN=alert_sink.topic_arn, ALERT_RULES=json.dumps(rules),
                       ALERT_SUBJECT_PREFIX="[pg-audit]")

    # Every line its own log event: the hardest split a CloudWatch batch can give.
    summary = handler.handler(subscription_event(lines), None)

    assert (summary["audit_events"], summary["published"]) == (3, 3)
    alerts = {a["Subject"].split(":")[0]: a for a in alert_sink.messages(expected=3)}
    assert set(alerts) == {"[pg-audit] role-changes", "[pg-audit] note-writes", "[pg-audit] reads"}
    write = alerts["[pg-audit] note-writes"]
    assert write["Subject"] == f"[pg-audit] note-writes: INSERT by {role}@postgres on {CLUSTER}"
    assert INSERT.format(table=table).replace("''", "'") in write["Message"].replace("''", "'")
    for fact in (CLUSTER, "prod-aurora-instance-1", role, "postgres", "127.0.0.1(", "WRITE", "INSERT", " UTC"):
        assert fact in write["Message"], fact
    assert "PASSWORD <REDACTED>" in alerts["[pg-audit] role-changes"]["Message"]  # pgAudit's own redaction
    assert "Secret-pw1" not in alerts["[pg-audit] role-changes"]["Message"]
    assert "hunter2" not in alerts["[pg-audit] reads"]["Message"]  # ours: pgAudit leaves this one in
    assert "password=***" in alerts["[pg-audit] reads"]["Message"]


def test_flood_control_one_message_per_rule_per_window_with_counts(
        lambda_environment, alert_sink, pg_connect, pg_log, audited_role):
    from audit_alert import handler

    role, password, table = audited_role
    run_as(pg_connect, role, password, [INSERT.format(table=table)] * 30)
    lines = log_lines(pg_log, role, entries=30)
    lambda_environment(ALERT_TOPIC_ARN=alert_sink.topic_arn, ALERT_WINDOW_SECONDS=300,
                       ALERT_RULES=json.dumps([{"name": "every-write", "classes": ["WRITE"]}]))

    first = handler.handler(subscription_event(lines[:20]), None)   # a batch holding 10 inserts
    second = handler.handler(subscription_event(lines[20:]), None)  # the next 20, same window

    assert (first["matched"], first["published"]) == (10, 1)
    assert (second["matched"], second["published"], second["folded"]) == (20, 0, 20)
    (alert,) = alert_sink.messages(expected=1)
    assert "9 more event(s) in the same batch" in alert["Message"]
    assert "next 300 s are counted" in alert["Message"]


def test_control_message_is_skipped(lambda_environment, alert_sink):
    from audit_alert import handler

    lambda_environment(ALERT_TOPIC_ARN=alert_sink.topic_arn)
    event = subscription_event(["CWL CONTROL MESSAGE: Checking health of destination Lambda."],
                               message_type="CONTROL_MESSAGE")
    assert handler.handler(event, None) == {"skipped": "CONTROL_MESSAGE"}
    assert alert_sink.messages(expected=0, timeout=1.5) == []
