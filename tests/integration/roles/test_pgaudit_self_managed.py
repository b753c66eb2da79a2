"""The pgaudit role on a self-managed PostgreSQL target skips every RDS step: against the sandbox's
real PostgreSQL it creates the extension and the role settings, with no cluster in the emulated
account and nothing created there; a second run changes nothing. Its policies (a role in a database, a
database, a role) are set by one pgaudit_settings call; a check run before changes nothing."""

from __future__ import annotations

import boto3
import psycopg2
from psycopg2 import sql

from harness import run_playbook

HOST = "self-managed-pg-01"
DATABASE = "self_managed_pg_01"
ROLE = "self_managed_app"

PLAY = f"""
- name: pgAudit on a self-managed server
  hosts: localhost
  gather_facts: false
  roles:
    - role: dbaudit.postgresql.pgaudit
      vars:
        dbaudit_target: self_managed
        dbaudit_cluster_id: {HOST}
        dbaudit_databases: [{DATABASE}]
        dbaudit_login_host: "{{{{ lookup('ansible.builtin.env', 'PGHOST') }}}}"
        dbaudit_login_port: "{{{{ lookup('ansible.builtin.env', 'PGPORT') | int }}}}"
        dbaudit_role_policies:
          - {{role: {ROLE}, profile: strict, database: {DATABASE}}}
          - {{database: {DATABASE}, profile: baseline}}
          - {{role: {ROLE}, profile: full}}
"""
SETTINGS_TASK = "dbaudit.postgresql.pgaudit : Audit settings per application role or database, from its profile"


def _connect(sandbox_env: dict, database: str):
    pg = sandbox_env["postgres"]
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"],
                            dbname=database)
    conn.autocommit = True
    return conn


def _prepare(sandbox_env: dict) -> None:
    conn = _connect(sandbox_env, sandbox_env["postgres"]["database"])
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(ROLE)))
        # Start from a server without this test's audit settings, so the first run has work to do.
        cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} RESET ALL").format(
            sql.Identifier(ROLE), sql.Identifier(DATABASE)))
        cur.execute(sql.SQL("ALTER DATABASE {} RESET ALL").format(sql.Identifier(DATABASE)))
        cur.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(sql.Identifier(ROLE)))
    conn.close()
    conn = _connect(sandbox_env, DATABASE)
    with conn.cursor() as cur:
        cur.execute("DROP EXTENSION IF EXISTS pgaudit")
    conn.close()


def _parameter_groups(sandbox_env: dict) -> set[str]:
    aws = sandbox_env["aws"]
    rds = boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                       aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])
    return {g["DBClusterParameterGroupName"] for g in
            rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]}


def _audit_settings(sandbox_env: dict) -> dict[tuple[str, str], list[str]]:
    """(role, database) to the pgaudit.* entries this test's policies store."""
    conn = _connect(sandbox_env, DATABASE)
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(r.rolname, ''), coalesce(d.datname, ''), s.setconfig FROM pg_db_role_setting s "
                    "LEFT JOIN pg_roles r ON r.oid = s.setrole LEFT JOIN pg_database d ON d.oid = s.setdatabase "
                    "WHERE r.rolname = %s OR d.datname = %s", [ROLE, DATABASE])
        found = {(role, database): sorted(e for e in config if e.startswith("pgaudit."))
                 for role, database, config in cur.fetchall()}
    conn.close()
    return {target: entries for target, entries in found.items() if entries}


def test_self_managed_target_runs_only_the_database_steps(sandbox_env):
    _prepare(sandbox_env)
    groups_before = _parameter_groups(sandbox_env)

    check = run_playbook(PLAY, sandbox_env, check=True)
    assert check.rc == 0, check.explain()
    predicted = check.result(SETTINGS_TASK)
    assert predicted["changed"] and len(predicted["targets"]) == 3 and "results" not in predicted
    assert _audit_settings(sandbox_env) == {}  # the check run changed nothing

    first = run_playbook(PLAY, sandbox_env)
    assert first.rc == 0, first.explain()
    ran = [task["task"]["name"] for task in first.tasks()
           if not task["hosts"]["localhost"].get("skipped")]
    assert not [name for name in ran if "Parameter group" in name or "Log export" in name
                or "reboot" in name.lower()], ran
    assert first.changed() > 0
    # Other scenarios may share the sandbox: look only for what this host would have created.
    assert {g for g in _parameter_groups(sandbox_env) - groups_before if HOST in g} == set()

    conn = _connect(sandbox_env, DATABASE)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pgaudit'")
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT array_to_string(s.setconfig, '|') FROM pg_db_role_setting s "
                    "JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase "
                    "WHERE r.rolname = %s AND d.datname = %s", [ROLE, DATABASE])
        settings = cur.fetchone()[0].split("|")
    conn.close()
    assert "pgaudit.log=role,ddl,write" in settings, settings
    # One module call set every policy, as the check run predicted.
    applied = first.result(SETTINGS_TASK)
    assert [(t["scope"], t["changed"]) for t in applied["targets"]] == [
        ("role_in_database", True), ("database", True), ("role", True)]
    assert applied["queries"] == predicted["queries"]
    stored = _audit_settings(sandbox_env)
    assert stored[(ROLE, DATABASE)][0] == "pgaudit.log=role,ddl,write"
    assert "pgaudit.log=role,ddl" in stored[("", DATABASE)] and "pgaudit.log=all" in stored[(ROLE, "")], stored

    second = run_playbook(PLAY, sandbox_env)
    assert second.rc == 0, second.explain()
    assert second.changed() == 0, second.explain()
