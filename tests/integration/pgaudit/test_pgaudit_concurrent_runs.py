"""Two runs at once (two job slices, two operators): a CREATE that another session wins is adopted, not a failure.
The race is made real and deterministic: a second session creates the object in an open transaction, the module
(through ansible-playbook) reads that nothing exists and blocks on its own CREATE; the second session commits and
the module's CREATE loses with unique_violation, which it must take as "someone made it"."""

from __future__ import annotations

import threading
import time

from psycopg2 import sql

from conftest import drop_role
from pgaudit_testing import extension_version

EXTENSION = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: extension
      dbaudit.postgresql.pgaudit_extension:
        databases: "{{ databases }}"
        audit_role: "{{ audit_role }}"
"""


def blocked_backends(admin) -> int:
    with admin.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return cur.fetchone()[0]


def test_audit_role_and_extension_created_by_another_session_meanwhile_are_adopted(
        playbook, admin, pg_connect, make_database, unique_name):
    database = make_database(prefix="race_")
    audit_role = unique_name("race_auditor_")
    rival = pg_connect(database)
    rival.autocommit = False
    with rival.cursor() as cur:
        cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(audit_role)))
        cur.execute("CREATE EXTENSION pgaudit")
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(run=playbook(
        EXTENSION, extra_vars={"databases": [database], "audit_role": audit_role})))
    try:
        runner.start()
        deadline = time.monotonic() + 60
        while blocked_backends(admin) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert blocked_backends(admin) > 0, "the module never reached its CREATE ROLE"
        rival.commit()  # the rival wins the role; the module's CREATE ROLE then fails on pg_authid's index
        runner.join(120)
        run = outcome["run"]
        assert run.rc == 0, run.explain()
        result = run.result("extension")
        # The role was made by the rival: adopted, not created. The extension too, once the rival committed it.
        assert result["audit_role"]["created"] is False
        assert extension_version(pg_connect(database)) == "1.7"
        rerun = playbook(EXTENSION, extra_vars={"databases": [database], "audit_role": audit_role})
        assert rerun.rc == 0 and not rerun.result("extension")["changed"]
    finally:
        if rival.status:
            rival.rollback()
        runner.join(120)
        drop_role(admin, audit_role)
