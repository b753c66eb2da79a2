"""Parsing pgAudit entries out of RDS / Aurora PostgreSQL log text (REFERENCE.md section 2).

An entry is ``<log_line_prefix><LEVEL>:  AUDIT: <CSV>`` where the prefix is one of the two RDS
allows: ``%t:%r:%u@%d:[%p]:`` or (Aurora 16+) ``%m:%r:%u@%d:[%p]:%l:%e:%s:%v:%x:%c:%q%a``. The
CSV is ``SESSION|OBJECT,statement id,substatement id,CLASS,COMMAND,OBJECT_TYPE,OBJECT_NAME,
STATEMENT,PARAMETER[,ROWS]``, a field quoted only when it holds a comma, quote or line break,
so it is read with the csv module. A statement with line breaks spans several lines, which may
arrive as one CloudWatch event or several: lines are joined into entries first, a new entry
starting at a line with a prefix unless the current entry is inside an open quoted field.
PostgreSQL's stderr log format puts a tab at the start of every continuation line of a message
(elog.c, append_with_tabs); that tab is removed so the statement reads as it was sent.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from dbaudit_alerts.audit_event import AuditEvent

# %t or %m, then %r (host(port), [local] or empty; IPv6 has colons, hence non-greedy), %u@%d, [%p].
_PREFIX = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: ?[A-Za-z]{1,5}|[+-]\d\d(?::?\d\d)?)?)"
    r":(?P<client>.*?):(?P<user>[^@:\n]*)@(?P<database>[^:\n]*):\[(?P<pid>\d+)\]:")
# The Aurora 16+ extension: %l:%e:%s:%v:%x:%c:%q%a (the application name runs into the level).
_EXTENDED = re.compile(
    r"^(?P<line>\d+):(?P<sqlstate>[0-9A-Z]{5}):(?P<session_start>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Za-z]+):"
    r"(?P<vxid>[^:]*):(?P<xid>\d+):(?P<session>[0-9a-f]+\.[0-9a-f]+):(?P<application>.*)$", re.DOTALL)
_AUDIT = re.compile(r"(?P<level>[A-Z][A-Z0-9]*):  AUDIT: ")
CSV_FIELDS = ("audit_type", "statement_id", "substatement_id", "audit_class", "command", "object_type",
              "object_name", "statement", "parameter", "rows")


def _starts_entry(line: str) -> bool:
    return bool(_PREFIX.match(line))


def _open_quote(text: str) -> bool:
    """Whether the AUDIT part of ``text`` ends inside a quoted CSV field (an odd number of quotes)."""
    match = _AUDIT.search(text)
    return bool(match) and text.count('"', match.end()) % 2 == 1


def join_entries(messages: Iterable[str]) -> list[str]:
    """Log messages (one per CloudWatch event, each one or more lines) regrouped into whole entries."""
    entries: list[str] = []
    current: list[str] = []
    for message in messages:
        for line in message.rstrip("\n").split("\n"):
            if current and _starts_entry(line) and not _open_quote("\n".join(current)):
                entries.append("\n".join(current))
                current = []
            if current:
                current.append(line[1:] if line.startswith("\t") else line)
            elif _starts_entry(line):
                current.append(line)
    if current:
        entries.append("\n".join(current))
    return entries


def parse_entry(entry: str, cluster: str = "", instance: str = "") -> AuditEvent | None:
    """The AuditEvent of one pgAudit entry; None for any other log entry."""
    prefix = _PREFIX.match(entry)
    if not prefix:
        return None
    audit = _AUDIT.search(entry, prefix.end())
    if not audit:
        return None
    middle = entry[prefix.end():audit.start()]
    if "\n" in middle:
        return None  # the marker is inside a later line (a statement), not this entry's own
    try:
        row = next(csv.reader(io.StringIO(entry[audit.end():], newline="")))
    except (StopIteration, csv.Error):
        return None
    if len(row) < 8 or row[0] not in ("SESSION", "OBJECT"):
        return None
    fields = dict(zip(CSV_FIELDS, row, strict=False))
    extended = _EXTENDED.match(middle)
    extra = {"auditType": fields["audit_type"], "statementId": fields["statement_id"],
             "substatementId": fields["substatement_id"], "pid": prefix.group("pid"), "level": audit.group("level")}
    # PARAMETER (pgaudit.log_parameter) is left out: bound values are where secrets hide unredacted.
    if fields.get("rows"):
        extra["rows"] = fields["rows"]
    if extended:
        extra["sessionId"] = extended.group("session")
    return AuditEvent(
        source="pgaudit", time=prefix.group("time"), cluster=cluster, instance=instance,
        user=prefix.group("user"), database=prefix.group("database"), client=prefix.group("client"),
        audit_class=fields["audit_class"], command=fields["command"], object_type=fields["object_type"],
        object_name=fields["object_name"], statement=fields["statement"],
        application=extended.group("application") if extended else "", extra=extra,
    )


def parse_pgaudit(messages: Iterable[str], cluster: str = "", instance: str = "") -> list[AuditEvent]:
    """Every pgAudit event in ``messages``, in order."""
    events = []
    for entry in join_entries(messages):
        event = parse_entry(entry, cluster, instance)
        if event is not None:
            events.append(event)
    return events
