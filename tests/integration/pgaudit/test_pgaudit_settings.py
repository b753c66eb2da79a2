"""pgaudit_settings through ansible-playbook against the sandbox's PostgreSQL 15 + pgAudit 1.7:
what it sets is what pgAudit then audits, reruns and other spellings change nothing, check mode
changes nothing, bad inputs fail before any change, and names cannot inject SQL."""

from __future__ import annotations

from psycopg2 import sql

from pgaudit_testing import audit_lines
from pgaudit_testing import log_until_marker
from pgaudit_testing import role_settings
from pgaudit_testing import settings_at

SET_FOR_ROLE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: settings
      dbaudit.postgresql.pgaudit_settings:
        role: "{{ role }}"
        settings: "{{ settings }}"
        state: "{{ state | default('present') }}"
"""

SET_AT_TARGET = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: settings
      dbaudit.postgresql.pgaudit_settings:
        role: "{{ role | default(omit) }}"
        database: "{{ database | default(omit) }}"
        settings: "{{ settings | default(omit) }}"
        state: "{{ state | default('present') }}"
        reset_unspecified: "{{ reset_unspecified | default(false) }}"
"""


def run_ok(playbook, text, extra_vars, **kwargs):
    run = playbook(text, extra_vars=extra_vars, **kwargs)
    assert run.rc == 0, run.explain()
    return run.result("settings")


def test_role_setting_makes_grant_and_revoke_audited_and_select_not_and_absent_stops_it(
        playbook, admin, pg_connect, pg_log, make_role, unique_name):
    app, password = make_role("app_user_")
    table = unique_name("t_")
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE TABLE {} (id int)").format(sql.Identifier(table)))
        cur.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), sql.Identifier(app)))

    result = run_ok(playbook, SET_FOR_ROLE, {"role": app, "settings": {"log": "role"}})
    assert result["changed"] and result["settings"] == {"pgaudit.log": "role"}

    session = pg_connect(user=app, password=password)  # a new session picks the role's settings up
    with session.cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        cur.execute(sql.SQL("GRANT SELECT ON {} TO PUBLIC").format(sql.Identifier(table)))
        cur.execute(sql.SQL("REVOKE SELECT ON {} FROM PUBLIC").format(sql.Identifier(table)))
    mine = [line for line in audit_lines(log_until_marker(pg_log, session)) if line.user == app]
    assert [(line.kind, line.audit_class, line.command) for line in mine] == [
        ("SESSION", "ROLE", "GRANT"), ("SESSION", "ROLE", "REVOKE")], mine
    assert mine[0].statement == f'GRANT SELECT ON "{table}" TO PUBLIC'

    result = run_ok(playbook, SET_FOR_ROLE, {"role": app, "settings": ["log"], "state": "absent"})
    assert result["changed"] and result["settings"] == {}
    assert settings_at(admin, role=app) == {}

    session = pg_connect(user=app, password=password)
    with session.cursor() as cur:
        cur.execute(sql.SQL("GRANT SELECT ON {} TO PUBLIC").format(sql.Identifier(table)))
    after = [line for line in audit_lines(log_until_marker(pg_log, session)) if line.user == app]
    assert after == []


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_role_in_database_first_run_changes_reruns_and_other_spellings_do_not_check_mode_changes_nothing(
        playbook, admin, make_role, make_database, unique_name):
    role, _password = make_role(name=f"App User '{unique_name('q')}' \"x\"")
    database = make_database(name=f'Billing DB "{unique_name("n")}"')
    target = {"role": role, "database": database}
    wanted = dict(target, settings={"log": ["role", "ddl"], "log_catalog": False, "log_level": "notice"})

    checked = run_ok(playbook, SET_AT_TARGET, wanted, check=True, diff=True)
    assert checked["changed"]
    assert checked["diff"] == {"before": {}, "after": {"pgaudit.log": "role,ddl", "pgaudit.log_catalog": "off",
                                                       "pgaudit.log_level": "notice"}}
    head = f"ALTER ROLE {quoted(role)} IN DATABASE {quoted(database)} SET"
    assert checked["queries"] == [f"""{head} "pgaudit"."log" = 'role,ddl'""",
                                  f"""{head} "pgaudit"."log_catalog" = 'off'""",
                                  f"""{head} "pgaudit"."log_level" = 'notice'"""]
    assert settings_at(admin, **target) == {}  # check mode changed nothing

    applied = run_ok(playbook, SET_AT_TARGET, wanted, diff=True)
    assert applied["changed"] and applied["target"] == {"scope": "role_in_database", **target}
    assert applied["diff"]["before"] == {} and applied["diff"]["after"] == checked["diff"]["after"]
    assert applied["queries"] == checked["queries"]
    assert settings_at(admin, **target) == {"pgaudit.log": "role,ddl", "pgaudit.log_catalog": "off",
                                            "pgaudit.log_level": "notice"}
    assert settings_at(admin, role=role) == {} and settings_at(admin, database=database) == {}

    for check in (False, True):
        rerun = run_ok(playbook, SET_AT_TARGET, wanted, check=check, diff=True)
        assert not rerun["changed"] and rerun["queries"] == [], rerun
        assert rerun["diff"]["before"] == rerun["diff"]["after"]

    # Spellings PostgreSQL and pgAudit read the same: still no change.
    other = dict(target, settings={"pgaudit.log": "DDL, Role", "LOG_CATALOG": "Of", "log_level": "NOTICE"})
    assert not run_ok(playbook, SET_AT_TARGET, other)["changed"]
    # Stored by hand in yet another spelling: no change either.
    with admin.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET pgaudit.log = 'Role ,  DDL'").format(
            sql.Identifier(role), sql.Identifier(database)))
        cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET pgaudit.log_catalog = '0'").format(
            sql.Identifier(role), sql.Identifier(database)))
    assert not run_ok(playbook, SET_AT_TARGET, wanted)["changed"]

    # A different meaning is a change.
    changed = run_ok(playbook, SET_AT_TARGET, dict(target, settings={"log": "all, -misc"}))
    assert changed["changed"] and settings_at(admin, **target)["pgaudit.log"] == "all,-misc"


def test_database_target_reset_unspecified_and_absent_touch_only_pgaudit_settings(playbook, admin, make_database):
    database = make_database()
    with admin.cursor() as cur:
        for statement in ("SET work_mem = '64MB'", "SET pgaudit.log_client = 'on'", "SET pgaudit.logg = 'x'",
                          "SET pgaudit.log = 'ddl'"):
            cur.execute(sql.SQL("ALTER DATABASE {} " + statement).format(sql.Identifier(database)))

    wanted = {"database": database, "settings": {"log": "ddl", "log_relation": True}, "reset_unspecified": True}
    checked = run_ok(playbook, SET_AT_TARGET, wanted, check=True, diff=True)
    assert checked["changed"]
    assert checked["diff"]["after"] == {"pgaudit.log": "ddl", "pgaudit.log_relation": "on"}
    assert len(checked["queries"]) == 3  # set log_relation, reset log_client and the misspelled logg
    assert settings_at(admin, database=database)["pgaudit.log_client"] == "on"

    applied = run_ok(playbook, SET_AT_TARGET, wanted, diff=True)
    assert applied["changed"] and applied["target"]["scope"] == "database"
    assert applied["diff"]["before"] == {"pgaudit.log_client": "on", "pgaudit.logg": "x", "pgaudit.log": "ddl"}
    assert settings_at(admin, database=database) == {"work_mem": "64MB", "pgaudit.log": "ddl",
                                                     "pgaudit.log_relation": "on"}
    assert not run_ok(playbook, SET_AT_TARGET, wanted)["changed"]

    # state=absent without names resets every pgAudit setting there, and nothing else.
    checked = run_ok(playbook, SET_AT_TARGET, {"database": database, "state": "absent"}, check=True)
    assert checked["changed"] and checked["settings"] == {}
    assert "pgaudit.log" in settings_at(admin, database=database)
    gone = run_ok(playbook, SET_AT_TARGET, {"database": database, "state": "absent"})
    assert gone["changed"] and settings_at(admin, database=database) == {"work_mem": "64MB"}
    assert not run_ok(playbook, SET_AT_TARGET, {"database": database, "state": "absent"})["changed"]


BAD_INPUTS = """
- hosts: localhost
  gather_facts: false
  vars:
    bad:
      misspelled_name: {role: "{{ role }}", settings: {log: ddl, logg: role}}
      unknown_class: {role: "{{ role }}", settings: {log: "ddl, rolez"}}
      wrong_type: {role: "{{ role }}", settings: {log_catalog: maybe}}
      list_for_boolean: {role: "{{ role }}", settings: {log_relation: [true]}}
      refused_level: {role: "{{ role }}", settings: {log_level: error}}
      newer_than_installed: {role: "{{ role }}", settings: {log_parameter_max_size: 1024}}
      missing_role: {role: "{{ role }}-missing", settings: {log: ddl}}
      missing_database: {database: "{{ role }}-missing", settings: {log: ddl}}
      no_target: {settings: {log: ddl}}
      system_and_role: {role: "{{ role }}", alter_system: true, settings: {log: ddl}}
      list_for_present: {role: "{{ role }}", settings: [log]}
      absent_unknown_name: {role: "{{ role }}", settings: [logg], state: absent}
  tasks:
    - name: "{{ item }}"
      dbaudit.postgresql.pgaudit_settings:
        role: "{{ bad[item].role | default(omit) }}"
        database: "{{ bad[item].database | default(omit) }}"
        alter_system: "{{ bad[item].alter_system | default(omit) }}"
        settings: "{{ bad[item].settings }}"
        state: "{{ bad[item].state | default('present') }}"
      loop: "{{ bad.keys() | list }}"
      register: outcome
      ignore_errors: true

    - name: outcomes
      ansible.builtin.set_fact:
        outcomes: "{{ dict(outcome.results | map(attribute='item') | zip(outcome.results)) }}"
"""

EXPECTED_ERRORS = {
    "misspelled_name": "settings.logg: unknown pgAudit setting 'pgaudit.logg'",
    "unknown_class": "settings.log: invalid value for pgaudit.log: unknown class 'rolez' in 'ddl, rolez'",
    "wrong_type": "settings.log_catalog: invalid value for pgaudit.log_catalog: 'maybe' is not a boolean",
    "list_for_boolean": "settings.log_relation: invalid value for pgaudit.log_relation",
    "refused_level": "settings.log_level: invalid value for pgaudit.log_level: log level 'error' is refused by pgAudit",
    "newer_than_installed": "settings.log_parameter_max_size: pgaudit.log_parameter_max_size needs pgAudit 16.0 or "
                            "later; this server has pgAudit 1.7",
    "missing_role": "-missing' does not exist, nothing changed",
    "missing_database": "-missing' does not exist, nothing changed",
    "no_target": "name a target: role, database, both",
    "system_and_role": "cannot be combined with role or database",
    "list_for_present": "settings: give a dictionary of pgAudit settings",
    "absent_unknown_name": "settings: unknown pgAudit setting 'pgaudit.logg'",
}


def test_bad_inputs_each_fail_clearly_and_leave_the_catalog_unchanged(playbook, admin, make_role):
    role, _password = make_role()
    with admin.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log = 'read'").format(sql.Identifier(role)))
    before = role_settings(admin)

    run = playbook(BAD_INPUTS, extra_vars={"role": role})
    assert run.rc == 0, run.explain()  # every failure is ignored, so the play itself completes
    outcomes = run.result("outcomes")["ansible_facts"]["outcomes"]
    assert set(outcomes) == set(EXPECTED_ERRORS)
    for case, expected in EXPECTED_ERRORS.items():
        outcome = outcomes[case]
        assert outcome.get("failed") and not outcome.get("changed"), (case, outcome)
        assert expected in outcome["msg"], (case, outcome["msg"])
        assert "Traceback" not in outcome["msg"] and "\n" not in outcome["msg"], (case, outcome["msg"])
        assert not outcome.get("queries"), (case, outcome)
    assert role_settings(admin) == before
    assert settings_at(admin, role=role) == {"pgaudit.log": "read"}


INJECTION_VALUE = "x'; DROP TABLE {canary}; --"


def test_names_and_values_with_quotes_and_sql_cannot_inject(playbook, admin, make_role, make_database, unique_name):
    canary = unique_name("canary_")
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE TABLE {} (id int)").format(sql.Identifier(canary)))
    role, _password = make_role(name=f'r"; DROP TABLE {canary}; --')
    database = make_database(name=f"d'); DROP TABLE {canary};--")
    value = INJECTION_VALUE.format(canary=canary)
    try:
        result = run_ok(playbook, SET_AT_TARGET, {"role": role, "database": database,
                                                  "settings": {"role": value, "log": "ddl"}})
        assert result["changed"]
        assert settings_at(admin, role=role, database=database) == {"pgaudit.role": value, "pgaudit.log": "ddl"}
        with admin.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [canary])
            assert cur.fetchone()[0], "the canary table was dropped"
        assert not run_ok(playbook, SET_AT_TARGET, {"role": role, "database": database,
                                                    "settings": {"role": value, "log": "DDL"}})["changed"]
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(canary)))


SERVER = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: settings
      dbaudit.postgresql.pgaudit_settings:
        alter_system: true
        settings: "{{ settings | default(omit) }}"
        state: "{{ state | default('present') }}"
"""


def server_value(pg_connect, name):
    with pg_connect().cursor() as cur:
        cur.execute("SELECT setting FROM pg_file_settings WHERE name = %s AND sourcefile LIKE '%%postgresql.auto.conf'",
                    [name])
        row = cur.fetchone()
    return row[0] if row else None


def test_server_level_with_alter_system_reloads_and_is_idempotent(playbook, pg_connect, sandbox_env):
    from harness import wait_for

    # log_client only echoes audit entries to the client: harmless for tests running beside this one.
    wanted = {"settings": {"log_client": "yes"}}
    try:
        checked = run_ok(playbook, SERVER, wanted, check=True, diff=True)
        assert checked["changed"] and checked["target"]["scope"] == "server"
        assert checked["queries"] == ["ALTER SYSTEM SET \"pgaudit\".\"log_client\" = 'on'",
                                      "SELECT pg_catalog.pg_reload_conf()"]
        assert server_value(pg_connect, "pgaudit.log_client") is None

        applied = run_ok(playbook, SERVER, wanted, diff=True)
        assert applied["changed"] and applied["diff"]["after"] == {"pgaudit.log_client": "on"}
        assert server_value(pg_connect, "pgaudit.log_client") == "on"

        def session_sees_it():
            with pg_connect().cursor() as cur:
                cur.execute("SHOW pgaudit.log_client")
                return cur.fetchone()[0] == "on"

        assert wait_for(session_sees_it, timeout=10), "the reload did not apply pgaudit.log_client"
        assert not run_ok(playbook, SERVER, {"settings": {"log_client": True}})["changed"]

        gone = run_ok(playbook, SERVER, {"settings": ["log_client"], "state": "absent"})
        assert gone["changed"] and server_value(pg_connect, "pgaudit.log_client") is None
    finally:
        with pg_connect().cursor() as cur:
            cur.execute("ALTER SYSTEM RESET pgaudit.log_client")
            cur.execute("SELECT pg_reload_conf()")


# targets: several targets in one call, one connection and one transaction --------------------------------------------

SET_TARGETS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: settings
      dbaudit.postgresql.pgaudit_settings:
        targets: "{{ targets }}"
        login_db: "{{ login_db | default(omit) }}"
        connect_params: "{{ connect_params | default(omit) }}"
"""


def label(role=None, database=None):
    return " in ".join(part for part in (f"role {role!r}" if role else "", f"database {database!r}" if database else "")
                       if part)


def test_targets_set_a_role_a_database_and_a_role_in_database_in_one_call_check_mode_first_rerun_unchanged(
        playbook, admin, make_role, make_database, unique_name):
    app, _password = make_role("app_")
    etl, _password = make_role(name=f"ETL '{unique_name('q')}'")
    database = make_database(name=f'Billing "{unique_name("n")}"')
    login_db = make_database("login_")  # the settings live in a shared catalog: any database of the server will do
    with admin.cursor() as cur:  # already as wanted, in another spelling: that target does not change
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log = 'DDL, Role'").format(sql.Identifier(app)))
        cur.execute(sql.SQL("ALTER DATABASE {} SET work_mem = '64MB'").format(sql.Identifier(database)))
        cur.execute(sql.SQL("ALTER DATABASE {} SET pgaudit.log_client = 'on'").format(sql.Identifier(database)))
    targets = [{"role": app, "settings": {"log": ["role", "ddl"]}},
               {"database": database, "settings": {"log": "write, ddl", "log_relation": True},
                "reset_unspecified": True},
               {"role": etl, "database": database, "settings": {"log": "all, -misc", "log_catalog": "off"}}]
    wanted = {"targets": targets, "login_db": login_db}
    before = role_settings(admin)

    checked = run_ok(playbook, SET_TARGETS, wanted, check=True, diff=True)
    assert checked["changed"] and [t["changed"] for t in checked["targets"]] == [False, True, True]
    assert role_settings(admin) == before  # check mode ran nothing
    assert checked["diff"]["before"] == {label(app): {"pgaudit.log": "DDL, Role"},
                                         label(database=database): {"pgaudit.log_client": "on"},
                                         label(etl, database): {}}
    assert checked["diff"]["after"] == {
        label(app): {"pgaudit.log": "DDL, Role"},
        label(database=database): {"pgaudit.log": "write,ddl", "pgaudit.log_relation": "on"},
        label(etl, database): {"pgaudit.log": "all,-misc", "pgaudit.log_catalog": "off"}}
    db, role = quoted(database), quoted(etl)
    assert checked["queries"] == [f"""ALTER DATABASE {db} SET "pgaudit"."log" = 'write,ddl'""",
                                  f"""ALTER DATABASE {db} SET "pgaudit"."log_relation" = 'on'""",
                                  f"""ALTER DATABASE {db} RESET "pgaudit"."log_client\"""",
                                  f"""ALTER ROLE {role} IN DATABASE {db} SET "pgaudit"."log" = 'all,-misc'""",
                                  f"""ALTER ROLE {role} IN DATABASE {db} SET "pgaudit"."log_catalog" = 'off'"""]

    applied = run_ok(playbook, SET_TARGETS, wanted, diff=True)
    assert applied["changed"] and applied["queries"] == checked["queries"]
    assert [(t["scope"], t["role"], t["database"], t["changed"]) for t in applied["targets"]] == [
        ("role", app, None, False), ("database", None, database, True), ("role_in_database", etl, database, True)]
    assert {label(t["role"], t["database"]): t["after"] for t in applied["targets"]} == checked["diff"]["after"]
    assert settings_at(admin, role=app) == {"pgaudit.log": "DDL, Role"}
    assert settings_at(admin, database=database) == {"work_mem": "64MB", "pgaudit.log": "write,ddl",
                                                     "pgaudit.log_relation": "on"}
    assert settings_at(admin, role=etl, database=database) == {"pgaudit.log": "all,-misc",
                                                               "pgaudit.log_catalog": "off"}
    assert "target" not in applied and "settings" not in applied  # the single-target return values

    for check in (False, True):
        rerun = run_ok(playbook, SET_TARGETS, wanted, check=check, diff=True)
        assert not rerun["changed"] and rerun["queries"] == [], rerun
        assert not any(t["changed"] for t in rerun["targets"])
        assert rerun["diff"]["before"] == rerun["diff"]["after"]

    # state absent per target; the others keep theirs.
    gone = run_ok(playbook, SET_TARGETS, {"targets": [{"role": etl, "database": database, "state": "absent"},
                                                      {"role": app, "settings": {"log": "ddl, role"}}]})
    assert [t["changed"] for t in gone["targets"]] == [True, False]
    assert settings_at(admin, role=etl, database=database) == {}
    assert settings_at(admin, database=database)["pgaudit.log"] == "write,ddl"


BAD_TARGETS = """
- hosts: localhost
  gather_facts: false
  vars:
    good: [{role: "{{ role }}", settings: {log: ddl}}, {database: "{{ database }}", settings: {log: write}}]
    bad:
      unknown_role: [{role: "{{ role }}-missing", settings: {log: ddl}}]
      missing_database: [{role: "{{ role }}", database: "{{ database }}-missing", settings: {log: ddl}}]
      unknown_class: [{role: "{{ role }}", database: "{{ database }}", settings: {log: "ddl, rolez"}}]
      misspelled_name: [{role: "{{ role }}", database: "{{ database }}", settings: {logg: ddl}}]
      newer_than_installed: [{role: "{{ role }}", database: "{{ database }}", settings: {log_parameter_max_size: 1}}]
      no_role_nor_database: [{settings: {log: ddl}}]
      given_twice: [{role: "{{ role }}", settings: {log: role}}]
      no_settings: [{role: "{{ role }}", database: "{{ database }}"}]
      unknown_key: [{role: "{{ role }}", settings: {log: ddl}, profile: strict}]
  tasks:
    - name: "{{ item }}"
      dbaudit.postgresql.pgaudit_settings:
        targets: "{{ good + bad[item] }}"
      loop: "{{ bad.keys() | list }}"
      register: outcome
      ignore_errors: true

    - name: combined with a single target
      dbaudit.postgresql.pgaudit_settings:
        role: "{{ role }}"
        targets: "{{ good }}"
      register: combined
      ignore_errors: true

    - name: outcomes
      ansible.builtin.set_fact:
        outcomes: >-
          {{ dict(outcome.results | map(attribute='item') | zip(outcome.results))
             | combine({'combined': combined}) }}
"""

TARGET_ERRORS = {
    "unknown_role": "targets[2] (role '{role}-missing'): role '{role}-missing' does not exist",
    "missing_database": "targets[2] (role '{role}' in database '{database}-missing'): database '{database}-missing' "
                        "does not exist",
    "unknown_class": "targets[2] (role '{role}' in database '{database}'): settings.log: invalid value for "
                     "pgaudit.log: unknown class 'rolez' in 'ddl, rolez'",
    "misspelled_name": "targets[2] (role '{role}' in database '{database}'): settings.logg: unknown pgAudit "
                       "setting 'pgaudit.logg'",
    "newer_than_installed": "targets[2] (role '{role}' in database '{database}'): settings.log_parameter_max_size: "
                            "pgaudit.log_parameter_max_size needs pgAudit 16.0 or later; this server has pgAudit 1.7",
    "no_role_nor_database": "targets[2]: name a role, a database, or both",
    "given_twice": "targets[2] (role '{role}'): also given as targets[0]; give each target once",
    "no_settings": "targets[2] (role '{role}' in database '{database}'): settings: required with state=present",
    "unknown_key": "profile",  # refused by the argument spec, before the module runs
    "combined": "targets: role cannot be combined with targets",
}


def test_one_bad_target_refuses_the_whole_call_and_leaves_every_target_unchanged(
        playbook, admin, make_role, make_database):
    role, _password = make_role()
    database = make_database()
    with admin.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log = 'read'").format(sql.Identifier(role)))
    before = role_settings(admin)

    run = playbook(BAD_TARGETS, extra_vars={"role": role, "database": database})
    assert run.rc == 0, run.explain()
    outcomes = run.result("outcomes")["ansible_facts"]["outcomes"]
    assert set(outcomes) == set(TARGET_ERRORS)
    for case, expected in TARGET_ERRORS.items():
        outcome = outcomes[case]
        assert outcome.get("failed") and not outcome.get("changed"), (case, outcome)
        assert expected.format(role=role, database=database) in outcome["msg"], (case, outcome["msg"])
        assert "Traceback" not in outcome["msg"] and "\n" not in outcome["msg"], (case, outcome["msg"])
        assert not outcome.get("queries"), (case, outcome)
    # The good targets ahead of each bad one were not changed either.
    assert role_settings(admin) == before
    assert settings_at(admin, role=role) == {"pgaudit.log": "read"} and settings_at(admin, database=database) == {}


def blocked_backends(admin) -> int:
    with admin.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'ALTER ROLE%'")
        return cur.fetchone()[0]


def test_a_statement_that_fails_midway_rolls_back_the_targets_changed_before_it(
        playbook, admin, pg_connect, make_role, make_database):
    role, _password = make_role()
    database = make_database()
    with admin.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} SET pgaudit.log = 'read'").format(sql.Identifier(role)))
    before = role_settings(admin)
    # A rival holds the role's pg_db_role_setting row: the module's second target waits for it, past lock_timeout,
    # after its first target's statement has run in the same transaction.
    rival = pg_connect()
    rival.autocommit = False
    with rival.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} SET work_mem = '8MB'").format(sql.Identifier(role)))
    try:
        run = playbook(SET_TARGETS, extra_vars={
            "targets": [{"database": database, "settings": {"log": "ddl"}},
                        {"role": role, "settings": {"log": "write"}}],
            "connect_params": {"options": "-c lock_timeout=1500"}})
    finally:
        rival.rollback()
    assert run.rc != 0
    failure = run.result("settings")
    assert "lock timeout" in failure["msg"] and "ALTER ROLE" in failure["msg"], failure["msg"]
    assert failure["queries"][0].startswith("ALTER DATABASE")  # it ran, and was rolled back with the rest
    assert role_settings(admin) == before and settings_at(admin, database=database) == {}

    retried = run_ok(playbook, SET_TARGETS, {"targets": [{"database": database, "settings": {"log": "ddl"}},
                                                         {"role": role, "settings": {"log": "write"}}]})
    assert retried["changed"] and settings_at(admin, database=database) == {"pgaudit.log": "ddl"}
    assert settings_at(admin, role=role) == {"pgaudit.log": "write"}
