"""The sandbox PostgreSQL is real: pgAudit is preloaded and writes AUDIT lines RDS-style."""

from __future__ import annotations

import re

from psycopg2 import sql

from harness import wait_for

# log_line_prefix '%t:%r:%u@%d:[%p]:' as on RDS, then 'LOG:  AUDIT: ...'
AUDIT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC:127\.0\.0\.1\(\d+\):(?P<user>[^@]+)@(?P<db>[^:]+):\[\d+\]:"
    r"LOG:  AUDIT: SESSION,\d+,\d+,(?P<cls>[A-Z]+),(?P<cmd>[A-Z ]+),", re.M)


def test_role_class_grant_is_audited_and_select_is_not(pg_connect, pg_log, unique_name):
    admin = pg_connect()
    user, password, table = unique_name("app_user_"), unique_name("pw"), unique_name("t_")
    with admin.cursor() as cur:
        cur.execute("SHOW shared_preload_libraries")
        assert "pgaudit" in cur.fetchone()[0]
        cur.execute("CREATE EXTENSION IF NOT EXISTS pgaudit")
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(user)), [password])
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log = 'role'").format(sql.Identifier(user)))
        cur.execute(sql.SQL("CREATE TABLE {} (id int)").format(sql.Identifier(table)))
        cur.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), sql.Identifier(user)))
    pg_log.read()  # start after the setup statements

    app = pg_connect(user=user, password=password)
    with app.cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        cur.execute(sql.SQL("GRANT SELECT ON {} TO PUBLIC").format(sql.Identifier(table)))

    seen: list = []

    def grant_logged():
        seen.extend(AUDIT_LINE.finditer(pg_log.read()))
        return any(m["cmd"] == "GRANT" for m in seen)

    assert wait_for(grant_logged), "no AUDIT line for the GRANT in the server log"
    mine = [m for m in seen if m["user"] == user]
    assert [(m["cls"], m["cmd"]) for m in mine] == [("ROLE", "GRANT")], mine
    assert all(m["db"] == "postgres" for m in mine)
