"""Subject and body of the alert messages, within SNS's limits.

SNS refuses a subject longer than 100 characters, with a line break, or with characters outside
printable ASCII, and a message over 256 KiB: the publish would fail and the alert be lost, so
both are made to fit here. The body is written for the person on call: what happened, where,
who, from where, and the statement (redacted) so they can judge without opening a console.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .audit_event import AuditEvent
from .flood_control import Admission, FoldedSummary
from .redaction import redact_sql

SUBJECT_LIMIT = 100
MESSAGE_LIMIT_BYTES = 256 * 1024 - 1024  # SNS: 256 KiB including attributes; keep a margin
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")


def clean_subject(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """``text`` as a valid SNS subject: printable ASCII, one line, at most ``limit`` characters."""
    text = _NOT_PRINTABLE_ASCII.sub(" ", text)
    text = re.sub(r" {2,}", " ", text).strip() or "Database audit alert"
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def alert_subject(prefix: str, rule: str, event: AuditEvent) -> str:
    what = event.command or event.audit_class or "audit event"
    who = f"{event.user or '?'}@{event.database or '?'}"
    where = event.cluster or event.instance
    subject = f"{prefix} {rule}: {what} by {who}" + (f" on {where}" if where else "")
    return clean_subject(subject.strip())


def summary_subject(prefix: str, summary: FoldedSummary) -> str:
    return clean_subject(f"{prefix} {summary.rule}: {summary.folded} more matches folded in".strip())


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [{len(text) - limit} more characters not shown]"


def alert_message(rule: str, event: AuditEvent, *, more_in_batch: int = 0, admission: Admission | None = None,
                  include_statement: bool = True, statement_limit: int = 4000, window_seconds: float = 0) -> str:
    """The body of one alert: the first matching event in full, and counts of the rest."""
    lines = [f"Audit rule '{rule}' matched a {event.audit_class or 'database'} event "
             f"({'Database Activity Stream' if event.source == 'das' else 'pgAudit log'}).", ""]
    fields = [
        ("Time", event.time), ("Cluster", event.cluster), ("Instance / log stream", event.instance),
        ("User", event.user), ("Database", event.database), ("Client address", event.client),
        ("Application", event.application), ("Class", event.audit_class), ("Command", event.command),
        ("Object", " ".join(part for part in (event.object_type, event.object_name) if part)),
    ]
    fields += [(key, str(value)) for key, value in sorted(event.extra.items())]
    width = max(len(label) for label, _value in fields)
    lines += [f"{label + ':':<{width + 1}} {value}" for label, value in fields if value]
    if include_statement and event.statement:
        lines += ["", "Statement (passwords and secrets redacted):", _truncate(redact_sql(event.statement),
                                                                               statement_limit)]
    if more_in_batch:
        lines += ["", f"{more_in_batch} more event(s) in the same batch matched this rule; they are in the audit "
                      "trail, not in this message."]
    if admission and admission.folded_before:
        lines += ["", f"{admission.folded_before} match(es) of this rule since {_utc(admission.folded_since or 0)} "
                      "were folded in without a message (flood control)."]
    if window_seconds:
        lines += ["", f"Further matches in the next {window_seconds:g} s are counted and reported in one later "
                      "message, not sent one by one."]
    lines += ["", "What to do: check that this was an expected, authorised change by this user from this address; "
                  "if not, revoke the user's access and investigate the session in the audit trail."]
    return _fit_message("\n".join(lines))


def summary_message(summary: FoldedSummary) -> str:
    return _fit_message(
        f"Audit rule '{summary.rule}' matched {summary.folded} more event(s) between {_utc(summary.window_opened_at)} "
        f"and {_utc(summary.window_closed_at)}.\nThey were folded in by flood control (one message per rule per "
        "window); each one is in the audit trail (S3 or CloudWatch Logs).\n\nWhat to do: if this rule fires this "
        "often, narrow it with exclusions, or confirm the activity is expected.")


def _fit_message(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= MESSAGE_LIMIT_BYTES:
        return text
    return data[: MESSAGE_LIMIT_BYTES - 64].decode("utf-8", errors="ignore") + "\n... [message truncated]"
