"""Subjects within SNS's rules, and messages a person can act on, with secrets redacted."""

from __future__ import annotations

from dbaudit_alerts.audit_event import AuditEvent
from dbaudit_alerts.sns_message import SUBJECT_LIMIT, alert_message, alert_subject, clean_subject


def test_subject_is_printable_ascii_one_line_and_at_most_100_characters():
    event = AuditEvent(source="das", user="ü" * 50 + "\nx", database="d" * 80, command="ALTER ROLE",
                       cluster="prod-cluster")
    subject = alert_subject("[db-audit]", "role-changes", event)
    assert len(subject) <= SUBJECT_LIMIT
    assert all(32 <= ord(c) < 127 for c in subject)
    assert subject.startswith("[db-audit] role-changes: ALTER ROLE by")
    assert subject.endswith("...")


def test_short_subject_kept_whole():
    event = AuditEvent(source="das", user="alice", database="app", command="GRANT", cluster="c1")
    assert alert_subject("[x]", "r", event) == "[x] r: GRANT by alice@app on c1"
    assert clean_subject("   ") == "Database audit alert"


def test_message_names_everything_a_responder_needs_and_redacts():
    event = AuditEvent(source="pgaudit", time="2026-11-24 14:50:34 UTC", cluster="prod", instance="prod-1",
                       user="mallory", database="payroll", client="203.0.113.9(5555)", audit_class="ROLE",
                       command="ALTER ROLE", object_type="", object_name="",
                       statement="ALTER ROLE app PASSWORD 'hunter2'")
    message = alert_message("role-changes", event)
    for fact in ("prod", "prod-1", "mallory", "payroll", "203.0.113.9(5555)", "ROLE", "ALTER ROLE",
                 "2026-11-24 14:50:34 UTC", "ALTER ROLE app PASSWORD '***'"):
        assert fact in message
    assert "hunter2" not in message
    assert "What to do" in message


def test_statement_optional_and_truncated():
    event = AuditEvent(source="das", statement="SELECT " + "x" * 10000)
    assert "SELECT" not in alert_message("r", event, include_statement=False)
    assert "more characters not shown" in alert_message("r", event, statement_limit=100)
