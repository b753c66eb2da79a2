"""The log line das_decrypt prints for a matching event, and how audit_alert reads it back.

This is the subscription-filter design of the public samples kept as an option: das_decrypt
prints ``DBAUDIT_DAS_EVENT {json}`` and a CloudWatch Logs subscription filter on the term
``DBAUDIT_DAS_EVENT`` feeds audit_alert. Unlike the samples, the SQL text is left out of the
line unless ``LOG_SQL_TEXT`` is set, and is redacted when it is in.
"""

from __future__ import annotations

import json
from typing import Any

from .redaction import redact_sql

MARKER = "DBAUDIT_DAS_EVENT"
SQL_FIELDS = ("commandText", "paramList")


def format_event_line(event: dict[str, Any], matched_rules: list[str], include_sql: bool) -> str:
    """One line (no newline inside: JSON escapes them) naming the event and the rules it matched."""
    shown = {key: value for key, value in event.items() if key not in SQL_FIELDS}
    if include_sql and event.get("commandText"):
        shown["commandText"] = redact_sql(str(event["commandText"]))
    shown["matchedRules"] = matched_rules
    return f"{MARKER} {json.dumps(shown, sort_keys=True, separators=(',', ':'), default=str)}"


def parse_event_line(message: str) -> dict[str, Any] | None:
    """The event of a ``DBAUDIT_DAS_EVENT`` line, wherever the marker is in ``message``; else None."""
    position = message.find(MARKER + " ")
    if position < 0:
        return None
    try:
        event = json.loads(message[position + len(MARKER) + 1:].strip())
    except ValueError:
        return None
    return event if isinstance(event, dict) else None
