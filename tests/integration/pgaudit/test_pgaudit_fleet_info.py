"""pgaudit_fleet_info reads many servers in one module run: each server's facts are what pgaudit_info reports
for it, a server that cannot be read is reported failed without failing the others, per-server options
override the top-level ones, passwords stay out of the output, and bad input fails before any connection."""

from __future__ import annotations

from psycopg2 import sql

FLEET = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: single
      dbaudit.postgresql.pgaudit_info:
        databases: "{{ databases }}"
      when: compare | default(false)
    - name: fleet
      dbaudit.postgresql.pgaudit_fleet_info:
        servers: "{{ servers }}"
        parallel: "{{ parallel | default(8) }}"
        databases: [postgres]
    - name: listed
      dbaudit.postgresql.pgaudit_fleet_info:
        servers: [{name: bare_only, databases: "{{ databases }}"}]
        listed_databases_only: true
      when: listed is defined
"""

ONLY_ONE_RUN_KEYS = {"action", "changed", "warnings", "invocation", "failed", "_ansible_no_log"}


def test_fleet_info_matches_pgaudit_info_per_server_and_isolates_failures(
        playbook, admin, pg_connect, make_database, make_role, sandbox_env):
    audited, bare = make_database(prefix="fleet_"), make_database(prefix="fleet_bare_")
    role, _password = make_role(prefix="fleet_app_")
    with admin.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET pgaudit.log = 'ddl, role'").format(
            sql.Identifier(role), sql.Identifier(audited)))
    with pg_connect(audited).cursor() as cur:
        cur.execute("CREATE EXTENSION pgaudit")
    secret = "not-the-password-4711"
    servers = [
        {"name": "good", "databases": [audited, bare]},
        {"name": "wrong-password", "login_password": secret},
        {"name": "closed-port", "login_port": 1},
        {"name": "defaults"},
    ]

    outcome = playbook(FLEET, extra_vars={"servers": servers, "parallel": 2, "databases": [audited, bare],
                                          "compare": True})
    assert outcome.rc == 0, outcome.explain()
    fleet, single = outcome.result("fleet"), outcome.result("single")
    assert not fleet["changed"]
    assert fleet["failed_servers"] == ["wrong-password", "closed-port"]
    assert set(fleet["servers"]) == {"good", "wrong-password", "closed-port", "defaults"}

    good = fleet["servers"]["good"]
    assert good == {key: value for key, value in single.items() if key not in ONLY_ONE_RUN_KEYS}
    assert good["databases"][audited]["installed_version"] == "1.7"
    assert good["databases"][bare]["installed_version"] is None
    assert ("role_in_database", role, audited) in {(s["scope"], s["role"], s["database"]) for s in good["settings"]}
    # Top-level databases apply to a server that names none.
    assert list(fleet["servers"]["defaults"]["databases"]) == ["postgres"]

    pg = sandbox_env["postgres"]
    refused = fleet["servers"]["wrong-password"]
    assert refused["failed"] and f"password authentication failed for user \"{pg['user']}\"" in refused["msg"]
    assert "\n" not in refused["msg"]
    closed = fleet["servers"]["closed-port"]
    assert closed["failed"] and f"Could not connect to PostgreSQL at {pg['host']}:1 " in closed["msg"]
    assert secret not in outcome.stdout and secret not in outcome.stderr

    # listed_databases_only: the settings stored in another database are left out, the role's own kept.
    with admin.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log_level = 'notice'").format(sql.Identifier(role)))
    outcome = playbook(FLEET, extra_vars={"servers": [{"name": "good"}], "databases": [bare], "listed": True})
    assert outcome.rc == 0, outcome.explain()
    listed = outcome.result("listed")["servers"]["bare_only"]
    scopes = {(s["scope"], s["role"], s["database"]) for s in listed["settings"]}
    assert ("role", role, None) in scopes and ("role_in_database", role, audited) not in scopes, scopes
    assert ("role_in_database", role, audited) in {
        (s["scope"], s["role"], s["database"]) for s in outcome.result("fleet")["servers"]["good"]["settings"]}


def test_bad_input_fails_before_connecting(playbook):
    outcome = playbook(FLEET, extra_vars={"servers": [{"name": "a"}, {"name": "b"}, {"name": "a"}]})
    assert outcome.rc != 0
    assert outcome.result("fleet")["msg"] == "servers: each name must be given once; repeated: a"

    outcome = playbook(FLEET, extra_vars={"servers": [{"name": "a"}], "parallel": 0})
    assert outcome.rc != 0 and outcome.result("fleet")["msg"] == "parallel must be at least 1, got 0"

    outcome = playbook(FLEET, extra_vars={"servers": [{"name": "a", "login_prot": 1}]})
    assert outcome.rc != 0 and "login_prot" in outcome.result("fleet")["msg"]
