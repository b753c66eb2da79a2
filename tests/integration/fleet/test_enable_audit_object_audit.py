"""Object auditing through enable_audit (dbaudit_object_audit): the audit role is granted SELECT on a table,
so a SELECT on it by a role whose own audit classes are none is logged as an OBJECT entry; a second run
changes nothing."""

from __future__ import annotations

import contextlib
import uuid

import psycopg2

from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook, wait_for
from psycopg2 import sql

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"


def test_object_audit_grants_make_table_reads_audited(sandbox_env, aws_client, pg_connect, pg_log, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    database, reader, cluster = f"objaudit_{suffix}", f"reader_{suffix}", f"objaudit-{suffix}"
    admin = pg_connect()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'reader-pw'").format(sql.Identifier(reader)))
        # On RDS the parameter group sets pgaudit.role; the sandbox server gets it per database.
        cursor.execute(sql.SQL("ALTER DATABASE {} SET pgaudit.role = 'rds_pgaudit'").format(sql.Identifier(database)))
    with pg_connect(dbname=database).cursor() as cursor:
        cursor.execute("CREATE TABLE payments (id int, amount numeric)")
        cursor.execute(sql.SQL("GRANT SELECT ON payments TO {}").format(sql.Identifier(reader)))
    make_cluster(aws_client("rds"), cluster)
    try:
        inventory = tmp_path / "inventory.yml"
        write_inventory(inventory, sandbox_env, {cluster: {
            "dbaudit_databases": [database], "dbaudit_das_enabled": False,
            "dbaudit_object_audit": [{"database": database, "tables": ["public.payments"], "privileges": ["SELECT"]}]}})

        first = run_playbook(ENABLE, sandbox_env, inventory=inventory)
        assert first.rc == 0, first.explain()
        grant = first.result("dbaudit.postgresql.pgaudit : Object auditing (grants to the audit role on the tables "
                             "whose statements are audited)", cluster)
        assert grant["changed"], grant

        pg_log.read()
        with pg_connect(dbname=database, user=reader, password="reader-pw").cursor() as cursor:
            cursor.execute("SELECT count(*) FROM payments")
        seen: list[str] = []
        wait_for(lambda: seen.append(pg_log.read()) or "OBJECT," in "".join(seen), timeout=15)
        audit = [line for line in "".join(seen).splitlines() if "AUDIT:" in line and f"{reader}@" in line]
        assert len(audit) == 1 and "AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public.payments," in audit[0], audit

        second = run_playbook(ENABLE, sandbox_env, inventory=inventory)
        assert second.rc == 0 and second.changed(cluster) == 0, second.explain()
    finally:
        # The sandbox server is shared with later tests: leave no database whose pgaudit.role they would see.
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        with contextlib.suppress(psycopg2.Error), admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(reader)))
