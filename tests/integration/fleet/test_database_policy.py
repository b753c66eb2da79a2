"""A policy per database (dbaudit_role_policies entry without role): enable_audit stores the profile with
ALTER DATABASE, so a role with no setting of its own is audited by it there (a real pgAudit line) while a
role policy in the same database still wins; the report shows it and reports a hand change of it as drift;
disable_audit resets it."""

from __future__ import annotations

import contextlib
import json
import uuid

import psycopg2
from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook, wait_for
from psycopg2 import sql

PLAYBOOKS = CHECKOUT / "playbooks"


def database_settings(admin, database: str) -> list[str]:
    with admin.cursor() as cursor:
        cursor.execute("SELECT coalesce(s.setconfig, '{}') FROM pg_db_role_setting s JOIN pg_database d "
                       "ON d.oid = s.setdatabase WHERE d.datname = %s AND s.setrole = 0", [database])
        row = cursor.fetchone()
    return sorted(setting for setting in (row[0] if row else []) if setting.startswith("pgaudit."))


def test_database_policy_audits_roles_without_their_own_and_is_reported_and_reset(
        sandbox_env, aws_client, pg_connect, pg_log, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    database, plain, etl, cluster = f"dbpol_{suffix}", f"plain_{suffix}", f"etl_{suffix}", f"dbpol-{suffix}"
    admin = pg_connect()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        for role in (plain, etl):
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'dbpol-pw'").format(sql.Identifier(role)))
    with pg_connect(dbname=database).cursor() as cursor:
        cursor.execute("CREATE TABLE orders (id int)")
        cursor.execute(sql.SQL("GRANT INSERT, SELECT ON orders TO {}, {}").format(
            sql.Identifier(plain), sql.Identifier(etl)))
    make_cluster(aws_client("rds"), cluster)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {cluster: {
        "dbaudit_databases": [database], "dbaudit_das_enabled": False,
        "dbaudit_role_policies": [{"database": database, "profile": "strict"},
                                  {"role": etl, "database": database, "profile": "baseline"}]}})
    report_dir = tmp_path / "report"
    report_vars = {"dbaudit_report_dir": str(report_dir), "dbaudit_fail_on_drift": True}
    try:
        first = run_playbook(PLAYBOOKS / "enable_audit.yml", sandbox_env, inventory=inventory)
        assert first.rc == 0, first.explain()
        assert "pgaudit.log=role,ddl,write" in database_settings(admin, database), database_settings(admin, database)

        # A write by the role without settings is audited by the database's profile (strict: write); the
        # same write by the role with its own profile (baseline: role, ddl) is not.
        pg_log.read()
        for role in (plain, etl):
            with pg_connect(dbname=database, user=role, password="dbpol-pw").cursor() as cursor:
                cursor.execute("INSERT INTO orders VALUES (1)")
        seen: list[str] = []
        wait_for(lambda: seen.append(pg_log.read()) or f"{plain}@{database}" in "".join(seen), timeout=15)
        audit = [line for line in "".join(seen).splitlines() if "AUDIT:" in line and "INSERT" in line]
        assert any(f"{plain}@{database}" in line and "AUDIT: SESSION,1,1,WRITE,INSERT" in line for line in audit), audit
        assert not any(f"{etl}@{database}" in line for line in audit), audit

        second = run_playbook(PLAYBOOKS / "enable_audit.yml", sandbox_env, inventory=inventory)
        assert second.rc == 0 and second.changed(cluster) == 0, second.explain()

        clean = run_playbook(PLAYBOOKS / "audit_report.yml", sandbox_env, inventory=inventory, extra_vars=report_vars)
        assert clean.rc == 0, clean.explain()
        [row] = json.loads((report_dir / "audit_report.json").read_text())["clusters"]
        assert row["drift"] == []
        shown = {(s["role"], s["database"]): s["pgaudit.log"] for s in row["role_settings"]}
        assert shown[(None, database)] == "role,ddl,write" and shown[(etl, database)] == "role,ddl", shown

        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("ALTER DATABASE {} SET pgaudit.log = 'none'").format(sql.Identifier(database)))
        drifted = run_playbook(PLAYBOOKS / "audit_report.yml", sandbox_env, inventory=inventory,
                               extra_vars=report_vars)
        assert drifted.rc != 0
        [row] = json.loads((report_dir / "audit_report.json").read_text())["clusters"]
        assert row["drift"] == [f"database {database}: pgaudit.log is none (profile strict: role,ddl,write)"]

        disabled = run_playbook(PLAYBOOKS / "disable_audit.yml", sandbox_env, inventory=inventory)
        assert disabled.rc == 0, disabled.explain()
        assert database_settings(admin, database) == []
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        for role in (plain, etl):
            with contextlib.suppress(psycopg2.Error), admin.cursor() as cursor:
                cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
