"""pgaudit_info reports what the other modules and hand edits left, at every scope; and the shared
connection options: explicit options beat the environment, a Unix socket works, and every failure
to connect (password, database, IAM token) is one line naming where, as whom, and why."""

from __future__ import annotations

from psycopg2 import sql

INFO = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: info
      dbaudit.postgresql.pgaudit_info:
        databases: "{{ databases | default(omit) }}"
        audit_role: "{{ audit_role | default(omit) }}"
"""


def test_info_reports_versions_settings_at_every_scope_audit_roles_grants_and_problems(
        playbook, admin, pg_connect, make_database, make_role, unique_name):
    database = make_database(prefix="info_")
    bare = make_database(prefix="bare_")
    role, _password = make_role(prefix="App_")
    audit_role, _password = make_role(prefix="auditor_", login=False)
    spare_role = unique_name("spare_")
    with admin.cursor() as cur:
        ident_role, ident_db = sql.Identifier(role), sql.Identifier(database)
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log = 'DDL, Role'").format(ident_role))
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.logg = 'read'").format(ident_role))
        cur.execute(sql.SQL("ALTER DATABASE {} SET pgaudit.role = %s").format(ident_db), [audit_role])
        cur.execute(sql.SQL("ALTER DATABASE {} SET pgaudit.log_catalog = 'Of'").format(ident_db))
        cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET pgaudit.log = 'all, -misc'").format(ident_role, ident_db))
    with pg_connect(database).cursor() as cur:
        cur.execute("CREATE EXTENSION pgaudit")
        cur.execute("CREATE TABLE cards (id int)")
        cur.execute(sql.SQL("GRANT SELECT ON cards TO {}").format(sql.Identifier(audit_role)))

    outcome = playbook(INFO, extra_vars={"databases": [database, bare], "audit_role": spare_role}, check=True)
    assert outcome.rc == 0, outcome.explain()
    info = outcome.result("info")
    assert not info["changed"]
    assert info["preloaded"] and "pgaudit" in info["shared_preload_libraries"]
    assert info["library_version"] == "1.7" and "1.7" in info["available_versions"]
    assert "pgaudit.log_rows" in info["library_settings"]
    assert "pgaudit.log_parameter_max_size" not in info["library_settings"]

    assert info["databases"][database]["installed_version"] == "1.7"
    assert info["databases"][database]["schema"] == "public"
    # The sandbox server is shared: other tests may leave pgaudit.role set in their own databases, and
    # every role named anywhere is reported, so only this test's audit role is compared.
    assert info["databases"][database]["audit_role_grants"][audit_role] == {"public.cards": ["SELECT"]}
    assert info["databases"][bare]["installed_version"] is None and info["databases"][bare]["schema"] is None
    assert info["databases"][bare]["audit_role_grants"][audit_role] == {}

    scopes = {(s["scope"], s["role"], s["database"]): s["settings"] for s in info["settings"]}
    server = scopes[("server", None, None)]
    assert server["pgaudit.log_catalog"]["known"] and server["pgaudit.log_catalog"]["default"] == "on"
    at_role, at_database = scopes[("role", role, None)], scopes[("database", None, database)]
    assert at_role["pgaudit.log"] == {"value": "DDL, Role", "known": True, "classes": ["role", "ddl"]}
    assert at_role["pgaudit.logg"] == {"value": "read", "known": False}
    assert at_database["pgaudit.log_catalog"] == {"value": "Of", "known": True, "parsed": False}
    assert at_database["pgaudit.role"]["value"] == audit_role
    assert scopes[("role_in_database", role, database)]["pgaudit.log"]["classes"] == [
        "read", "write", "function", "role", "ddl", "misc_set"]

    roles = {r["name"]: r for r in info["audit_roles"]}
    assert roles[audit_role] == {"name": audit_role, "exists": True, "can_login": False,
                                 "set_at": [f"database {database!r}"]}
    assert roles[spare_role]["exists"] is False
    assert f"role {role!r}: pgaudit.logg is not a pgAudit setting (misspelled?)" in info["problems"]
    assert any("pgaudit.logg" in warning for warning in info.get("warnings", []))


CONNECT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: info
      dbaudit.postgresql.pgaudit_info:
        databases: ["{{ login_db | default('postgres') }}"]
        login_host: "{{ login_host | default(omit) }}"
        login_port: "{{ login_port | default(omit) }}"
        login_user: "{{ login_user | default(omit) }}"
        login_password: "{{ login_password | default(omit) }}"
        login_db: "{{ login_db | default(omit) }}"
        login_unix_socket: "{{ login_unix_socket | default(omit) }}"
        login_iam_auth: "{{ login_iam_auth | default(false) }}"
        connect_params: "{{ connect_params | default({}) }}"
"""


def explicit_login(sandbox_env):
    pg = sandbox_env["postgres"]
    return {"login_host": pg["host"], "login_port": pg["port"], "login_user": pg["user"],
            "login_password": pg["password"], "login_db": pg["database"]}


def connect_outcome(playbook, extra_vars, env=None):
    outcome = playbook(CONNECT, extra_vars=extra_vars, env=env)
    return outcome, outcome.result("info")


def test_explicit_options_beat_the_environment(playbook, sandbox_env):
    wrong_env = {"PGHOST": "127.0.0.2", "PGPORT": "1", "PGUSER": "nobody", "PGPASSWORD": "wrong"}
    outcome, result = connect_outcome(playbook, explicit_login(sandbox_env), env=wrong_env)
    assert outcome.rc == 0, outcome.explain()
    assert result["preloaded"]
    # And the environment is what is used when no option is given.
    outcome, result = connect_outcome(playbook, {}, env={"PGPORT": "1"})
    assert outcome.rc != 0 and "127.0.0.1:1 " in result["msg"], result


def test_unix_socket(playbook, sandbox_env):
    pg = sandbox_env["postgres"]
    outcome, result = connect_outcome(playbook, {"login_unix_socket": pg["socket_dir"]}, env={"PGHOST": ""})
    assert outcome.rc == 0, outcome.explain()
    assert result["preloaded"]


def assert_one_clear_line(outcome, result, *parts):
    assert outcome.rc != 0 and result.get("failed"), result
    message = result["msg"]
    assert "\n" not in message and "Traceback" not in message, message
    assert "module_stderr" not in result and "Traceback" not in outcome.stdout, result
    for part in parts:
        assert part in message, (part, message)


def test_connection_failures_are_one_clear_line(playbook, sandbox_env, unique_name):
    pg = sandbox_env["postgres"]
    where = f"Could not connect to PostgreSQL at {pg['host']}:{pg['port']} as user"

    outcome, result = connect_outcome(playbook, dict(explicit_login(sandbox_env), login_password="wrong"))
    assert_one_clear_line(outcome, result, where, f"user {pg['user']!r} to database 'postgres'",
                          f'password authentication failed for user "{pg["user"]}"')

    missing = unique_name("nodb_")
    outcome, result = connect_outcome(playbook, dict(explicit_login(sandbox_env), login_db=missing))
    assert_one_clear_line(outcome, result, where, f"to database {missing!r}", f'database "{missing}" does not exist')

    outcome, result = connect_outcome(playbook, dict(explicit_login(sandbox_env),
                                                     connect_params={"no_such_keyword": "1"}))
    assert_one_clear_line(outcome, result, where, "no_such_keyword")


def test_iam_auth_signs_a_token_locally_and_sends_it_as_the_password(playbook, sandbox_env):
    pg = sandbox_env["postgres"]
    login = {k: v for k, v in explicit_login(sandbox_env).items() if k != "login_password"}
    # The sandbox checks passwords (SCRAM), so the token is refused there: that proves it was sent in the
    # password's place, and the failure is still one line.
    outcome, result = connect_outcome(playbook, dict(login, login_iam_auth=True))
    assert_one_clear_line(outcome, result, f"{pg['host']}:{pg['port']}",
                          f'password authentication failed for user "{pg["user"]}"')

    outcome, result = connect_outcome(playbook, dict(login, login_iam_auth=True),
                                      env={"AWS_REGION": "", "AWS_DEFAULT_REGION": ""})
    assert_one_clear_line(outcome, result, "login_iam_auth needs aws_region")
