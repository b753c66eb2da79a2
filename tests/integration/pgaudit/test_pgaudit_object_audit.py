"""pgaudit_object_audit through ansible-playbook against the sandbox: the audit role's grants make
pgAudit write OBJECT lines for any user's SELECT on the table, reruns and check mode change nothing,
absent stops it, and a missing pgaudit.role or bad names fail before any grant."""

from __future__ import annotations

from psycopg2 import sql

from pgaudit_testing import audit_lines
from pgaudit_testing import log_until_marker
from pgaudit_testing import table_grants

SETUP = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: extension
      dbaudit.postgresql.pgaudit_extension:
        databases: ["{{ database }}"]
        audit_role: "{{ audit_role }}"
    - name: settings
      dbaudit.postgresql.pgaudit_settings:
        database: "{{ database }}"
        settings:
          role: "{{ audit_role }}"
"""

OBJECTS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: objects
      dbaudit.postgresql.pgaudit_object_audit:
        database: "{{ database }}"
        audit_role: "{{ audit_role }}"
        tables: "{{ tables | default(omit) }}"
        schemas: "{{ schemas | default(omit) }}"
        privileges: "{{ privileges }}"
        state: "{{ state | default('present') }}"
"""


def run_ok(playbook, text, extra_vars, task="objects", **kwargs):
    outcome = playbook(text, extra_vars=extra_vars, **kwargs)
    assert outcome.rc == 0, outcome.explain()
    return outcome.result(task)


def audited_database(playbook, pg_connect, make_database, make_role, unique_name):
    """A database with the extension, pgaudit.role set database-wide, two tables and a reader role."""
    database = make_database(prefix="obj_")
    audit_role, _password = make_role(prefix="auditor_", login=False)
    reader, password = make_role(prefix="reader_")
    conn = pg_connect(database)
    with conn.cursor() as cur:
        cur.execute('CREATE SCHEMA "Sales"')
        cur.execute('CREATE TABLE "Sales"."Order Lines" (id int)')
        cur.execute("CREATE TABLE public.orders (id int)")
        cur.execute("CREATE TABLE public.unaudited (id int)")
        for table in ('"Sales"."Order Lines"', "public.orders", "public.unaudited"):
            cur.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.SQL(table), sql.Identifier(reader)))
        cur.execute(sql.SQL('GRANT USAGE ON SCHEMA "Sales" TO {}').format(sql.Identifier(reader)))
    run_ok(playbook, SETUP, {"database": database, "audit_role": audit_role}, task="settings")
    return database, audit_role, reader, password


def test_object_auditing_logs_selects_on_audited_tables_by_any_user(playbook, pg_connect, pg_log, make_database,
                                                                    make_role, unique_name):
    database, audit_role, reader, password = audited_database(playbook, pg_connect, make_database, make_role,
                                                              unique_name)
    wanted = {"database": database, "audit_role": audit_role, "tables": ['"Sales"."Order Lines"', "orders"],
              "privileges": ["select"]}

    checked = run_ok(playbook, OBJECTS, wanted, check=True, diff=True)
    assert checked["changed"]
    assert checked["diff"] == {"before": {'"Sales"."Order Lines"': [], "public.orders": []},
                               "after": {'"Sales"."Order Lines"': ["SELECT"], "public.orders": ["SELECT"]}}
    assert checked["queries"] == [f'GRANT SELECT ON TABLE "Sales"."Order Lines" TO "{audit_role}"',
                                  f'GRANT SELECT ON TABLE "public"."orders" TO "{audit_role}"']
    assert checked["pgaudit_role"] == {"value": audit_role, "set_at": "database"}
    assert table_grants(pg_connect(database), audit_role) == {}  # check mode granted nothing

    applied = run_ok(playbook, OBJECTS, wanted, diff=True)
    assert applied["changed"] and applied["queries"] == checked["queries"]
    assert applied["grants"] == checked["diff"]["after"]
    assert table_grants(pg_connect(database), audit_role) == {'"Sales"."Order Lines"': ["SELECT"],
                                                              "public.orders": ["SELECT"]}
    for check in (False, True):
        rerun = run_ok(playbook, OBJECTS, dict(wanted, privileges=["SELECT"]), check=check, diff=True)
        assert not rerun["changed"] and rerun["queries"] == [], rerun
        assert rerun["diff"]["before"] == rerun["diff"]["after"]

    session = pg_connect(database, user=reader, password=password)
    with session.cursor() as cur:
        cur.execute('SELECT * FROM "Sales"."Order Lines"')
        cur.execute("SELECT * FROM orders")
        cur.execute("SELECT * FROM unaudited")
        cur.execute("INSERT INTO orders VALUES (1)")  # INSERT is not granted to the audit role: not audited
    lines = [line for line in audit_lines(log_until_marker(pg_log, session)) if line.user == reader]
    assert [(line.kind, line.audit_class, line.command, line.object_type, line.object_name) for line in lines] == [
        ("OBJECT", "READ", "SELECT", "TABLE", '"Sales"."Order Lines"'),
        ("OBJECT", "READ", "SELECT", "TABLE", "public.orders"),
    ], lines
    assert lines[1].statement == "SELECT * FROM orders"

    revoked = run_ok(playbook, OBJECTS, dict(wanted, state="absent", tables=["orders"]), diff=True)
    assert revoked["changed"]
    assert revoked["queries"] == [f'REVOKE SELECT ON TABLE "public"."orders" FROM "{audit_role}"']
    assert revoked["diff"] == {"before": {"public.orders": ["SELECT"]}, "after": {"public.orders": []}}
    assert not run_ok(playbook, OBJECTS, dict(wanted, state="absent", tables=["orders"]))["changed"]
    session = pg_connect(database, user=reader, password=password)
    with session.cursor() as cur:
        cur.execute("SELECT * FROM orders")
        cur.execute('SELECT * FROM "Sales"."Order Lines"')
    lines = [line for line in audit_lines(log_until_marker(pg_log, session)) if line.user == reader]
    assert [line.object_name for line in lines] == ['"Sales"."Order Lines"']


def test_schemas_cover_every_table_in_them(playbook, pg_connect, make_database, make_role, unique_name):
    database, audit_role, _reader, _password = audited_database(playbook, pg_connect, make_database, make_role,
                                                                unique_name)
    wanted = {"database": database, "audit_role": audit_role, "schemas": ["public"],
              "privileges": ["INSERT", "update", "Delete"]}
    applied = run_ok(playbook, OBJECTS, wanted)
    assert applied["changed"]
    assert applied["grants"] == {"public.orders": ["INSERT", "UPDATE", "DELETE"],
                                 "public.unaudited": ["INSERT", "UPDATE", "DELETE"]}
    assert table_grants(pg_connect(database), audit_role) == {"public.orders": ["DELETE", "INSERT", "UPDATE"],
                                                              "public.unaudited": ["DELETE", "INSERT", "UPDATE"]}
    assert not run_ok(playbook, OBJECTS, wanted)["changed"]


BAD = """
- hosts: localhost
  gather_facts: false
  vars:
    base: {database: "{{ database }}", audit_role: "{{ audit_role }}", privileges: [SELECT], tables: [orders]}
    bad:
      pgaudit_role_not_set: {audit_role: "{{ other_role }}"}
      missing_table: {tables: [orders, no_such_table]}
      invalid_name: {tables: ['"unterminated']}
      index_not_table: {tables: [orders_pkey]}
      missing_schema: {tables: [], schemas: [no_such_schema]}
      bad_privilege: {privileges: [SELECT, TRUNCATE]}
      missing_audit_role: {audit_role: "{{ audit_role }}-missing"}
      nothing_named: {tables: []}
  tasks:
    - name: "{{ item }}"
      dbaudit.postgresql.pgaudit_object_audit: "{{ base | combine(bad[item]) }}"
      loop: "{{ bad.keys() | list }}"
      register: outcome
      ignore_errors: true

    - name: outcomes
      ansible.builtin.set_fact:
        outcomes: "{{ dict(outcome.results | map(attribute='item') | zip(outcome.results)) }}"
"""

EXPECTED = {
    "pgaudit_role_not_set": "pgaudit.role is {audit_role!r} (set at database level) for sessions in database "
                            "{database!r}, not {other_role!r}, so these grants would audit nothing",
    "missing_table": "tables: 'no_such_table' does not exist in database {database!r}",
    "invalid_name": "tables: '\"unterminated' is not a valid table name: invalid name syntax",
    "index_not_table": "tables: 'orders_pkey' is an index, not a table or view",
    "missing_schema": "schemas: 'no_such_schema' does not exist in database {database!r}",
    "bad_privilege": "privileges: 'TRUNCATE' is not one pgAudit object auditing uses",
    "missing_audit_role": "audit_role: role {audit_role!r}-missing does not exist",
    "nothing_named": "tables, schemas: name at least one table or schema",
}


def test_bad_inputs_fail_clearly_and_grant_nothing(playbook, pg_connect, make_database, make_role, unique_name):
    database, audit_role, _reader, _password = audited_database(playbook, pg_connect, make_database, make_role,
                                                                unique_name)
    other_role, _password = make_role(prefix="other_", login=False)
    with pg_connect(database).cursor() as cur:
        cur.execute("ALTER TABLE orders ADD PRIMARY KEY (id)")
    names = {"database": database, "audit_role": audit_role, "other_role": other_role}
    outcome = playbook(BAD, extra_vars=names)
    assert outcome.rc == 0, outcome.explain()
    outcomes = outcome.result("outcomes")["ansible_facts"]["outcomes"]
    assert set(outcomes) == set(EXPECTED)
    for case, expected in EXPECTED.items():
        result = outcomes[case]
        assert result.get("failed") and not result.get("changed"), (case, result)
        message = expected.format(**names).replace("'-missing", "-missing'")
        assert message in result["msg"] and "\n" not in result["msg"], (case, result["msg"])
    conn = pg_connect(database)
    assert table_grants(conn, audit_role) == {} and table_grants(conn, other_role) == {}
