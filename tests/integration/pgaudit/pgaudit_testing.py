"""Helpers of the pgAudit module tests: read the catalog back, and read pgAudit's AUDIT lines from
the server log (CSV after the RDS-style prefix, parsed with the csv module)."""

from __future__ import annotations

import csv
import re
import uuid
from dataclasses import dataclass

from psycopg2 import sql

from harness import wait_for

# '%t:%r:%u@%d:[%p]:' then 'LOG:  AUDIT: '; the user and database come before '@' and ':['.
AUDIT_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+:[^:]*:(?P<user>.*?)@(?P<db>.*?):\[\d+\]:LOG:  AUDIT: ")


@dataclass
class AuditLine:
    user: str
    database: str
    kind: str  # SESSION or OBJECT
    audit_class: str
    command: str
    object_type: str
    object_name: str
    statement: str


def audit_lines(text: str) -> list[AuditLine]:
    """Every AUDIT entry in a piece of server log (an entry's statement may span lines)."""
    entries, current = [], None
    for line in text.splitlines():
        match = AUDIT_PREFIX.match(line)
        if match:
            current = [match, line[match.end():]]
            entries.append(current)
        elif current is not None and not re.match(r"^\d{4}-\d\d-\d\d ", line):
            current[1] += "\n" + line
        else:
            current = None
    found = []
    for match, payload in entries:
        fields = next(csv.reader([payload]))
        found.append(AuditLine(user=match["user"], database=match["db"], kind=fields[0], audit_class=fields[3],
                               command=fields[4], object_type=fields[5], object_name=fields[6], statement=fields[7]))
    return found


def log_until_marker(pg_log, conn, timeout: float = 15.0) -> str:
    """Everything the log gains until a marker written through ``conn`` shows up: what that session did
    before the marker is then in the text (the log is written in order)."""
    marker = "dbaudit-marker-" + uuid.uuid4().hex
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DO $$BEGIN RAISE LOG {}; END$$").format(sql.Literal(marker)))
    seen = []

    def arrived():
        seen.append(pg_log.read())
        return marker in "".join(seen)

    assert wait_for(arrived, timeout=timeout), "the log marker never arrived in the server log"
    return "".join(seen)


def role_settings(conn) -> list[tuple]:
    """pg_db_role_setting with names, sorted: the catalog the settings module changes."""
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(d.datname, ''), coalesce(r.rolname, ''), s.setconfig "
                    "FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase "
                    "LEFT JOIN pg_roles r ON r.oid = s.setrole ORDER BY 1, 2")
        return [(d, r, sorted(c)) for d, r, c in cur.fetchall()]


def settings_at(conn, role: str | None = None, database: str | None = None) -> dict[str, str]:
    """The setconfig of one target as a dict (every setting, pgAudit's or not)."""
    with conn.cursor() as cur:
        cur.execute("SELECT s.setconfig FROM pg_db_role_setting s "
                    "WHERE s.setrole = coalesce((SELECT oid FROM pg_roles WHERE rolname = %s), 0) "
                    "AND s.setdatabase = coalesce((SELECT oid FROM pg_database WHERE datname = %s), 0)",
                    [role, database])
        row = cur.fetchone()
    return dict(entry.split("=", 1) for entry in (row[0] if row else []))


def extension_version(conn) -> str | None:
    with conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'pgaudit'")
        row = cur.fetchone()
    return row[0] if row else None


def table_grants(conn, role: str) -> dict[str, list[str]]:
    with conn.cursor() as cur:
        cur.execute("SELECT format('%%I.%%I', table_schema, table_name), privilege_type "
                    "FROM information_schema.role_table_grants WHERE grantee = %s ORDER BY 1, 2", [role])
        grants: dict[str, list[str]] = {}
        for table, privilege in cur.fetchall():
            grants.setdefault(table, []).append(privilege)
    return grants
