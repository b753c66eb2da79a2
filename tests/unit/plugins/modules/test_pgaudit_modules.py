"""Pure helpers of the pgAudit modules: which target a task names, the shape of `settings`, the
extension plan per database, the object auditing grant plan, the info module's problem report, and a
server that cannot be read (raised by the facts, reported failed by the fleet read)."""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import PostgresError  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import pgaudit_extension as extension  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import pgaudit_facts as info  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import pgaudit_fleet_info as fleet  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import pgaudit_object_audit as objects  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import pgaudit_settings as settings  # noqa: E402


@pytest.mark.parametrize("role, database, alter_system, scope", [
    ("app", None, False, "role"),
    (None, "billing", False, "database"),
    ("app", "billing", False, "role_in_database"),
    (None, None, True, "server"),
    ("", None, False, "role"),  # an empty name is a name; the server says it does not exist
])
def test_target_scope(role, database, alter_system, scope):
    assert settings.target_scope(role, database, alter_system) == (scope, None)


@pytest.mark.parametrize("role, database, alter_system, says", [
    (None, None, False, "name a target"),
    ("app", None, True, "cannot be combined"),
    (None, "billing", True, "cannot be combined"),
])
def test_target_scope_errors(role, database, alter_system, says):
    scope, error = settings.target_scope(role, database, alter_system)
    assert scope is None and says in error


def test_requested_settings_shapes():
    assert settings.requested({"log": "ddl"}, "present") == ({"log": "ddl"}, None)
    assert settings.requested(None, "present") == (None, None)
    assert settings.requested(None, "absent") == ({}, None)
    assert settings.requested(["log"], "absent") == (["log"], None)
    assert settings.requested({"log": None}, "absent") == ({"log": None}, None)
    assert "dictionary" in settings.requested(["log"], "present")[1]
    assert "list of setting names" in settings.requested("log", "absent")[1]


# pgaudit_extension ---------------------------------------------------------------------------

def test_extension_created_where_missing():
    assert extension.plan_extension("present", None, None, "1.7") == [("create", None, None)]
    assert extension.plan_extension("present", None, None, "1.7", version="1.7", schema="audit") == [
        ("create", "1.7", "audit")]
    assert extension.plan_extension("latest", None, None, "1.7") == [("create", None, None)]


def test_extension_present_is_left_alone_unless_version_or_schema_differ():
    assert extension.plan_extension("present", "1.6", "public", "1.7") == []
    assert extension.plan_extension("present", "1.6", "public", "1.7", version="1.7") == [("update", "1.7")]
    assert extension.plan_extension("present", "1.7", "public", "1.7", version="1.7", schema="public") == []
    assert extension.plan_extension("present", "1.7", "public", "1.7", schema="audit") == [("schema", "audit")]


def test_extension_latest_updates_to_the_default_version():
    assert extension.plan_extension("latest", "1.6", "public", "1.7") == [("update", None)]
    assert extension.plan_extension("latest", "1.7", "public", "1.7") == []


def test_extension_absent_drops_only_what_is_there():
    assert extension.plan_extension("absent", "1.7", "public", "1.7") == [("drop",)]
    assert extension.plan_extension("absent", None, None, "1.7") == []


def test_version_after_predicts_check_mode_results():
    assert extension.version_after(None, "1.7", [("create", None, None)]) == "1.7"
    assert extension.version_after(None, "1.7", [("create", "1.6", None)]) == "1.6"
    assert extension.version_after("1.6", "1.7", [("update", None)]) == "1.7"
    assert extension.version_after("1.7", "1.7", [("drop",)]) is None
    assert extension.version_after("1.7", "1.7", [("schema", "audit")]) == "1.7"


# pgaudit_object_audit ------------------------------------------------------------------------

def test_privileges_are_case_insensitive_and_in_catalog_order():
    assert objects.normalize_privileges(["delete", "Select", "SELECT"]) == (["SELECT", "DELETE"], [])
    privileges, errors = objects.normalize_privileges(["select", "truncate", "all"])
    assert privileges == ["SELECT"]
    assert [e.split(" is not")[0] for e in errors] == ["privileges: 'truncate'", "privileges: 'all'"]


TABLES = [("public", "orders", "public.orders"), ("Sales", "Order Lines", '"Sales"."Order Lines"')]


def test_grant_plan_grants_only_missing_privileges():
    held = {"public.orders": ["SELECT"]}
    assert objects.plan_grants(held, TABLES, ["SELECT", "INSERT"], "present") == [
        ("GRANT", TABLES[0], ["INSERT"]),
        ("GRANT", TABLES[1], ["SELECT", "INSERT"]),
    ]
    assert objects.plan_grants({"public.orders": ["SELECT"]}, TABLES[:1], ["SELECT"], "present") == []


def test_revoke_plan_revokes_only_held_privileges():
    held = {"public.orders": ["SELECT", "UPDATE"]}
    assert objects.plan_grants(held, TABLES, ["SELECT", "DELETE"], "absent") == [
        ("REVOKE", TABLES[0], ["SELECT"])]


def test_grants_after_predicts_check_mode_results():
    held = {"public.orders": ["UPDATE"]}
    actions = objects.plan_grants(held, TABLES, ["SELECT"], "present")
    assert objects.grants_after(held, TABLES, actions) == {"public.orders": ["SELECT", "UPDATE"],
                                                           '"Sales"."Order Lines"': ["SELECT"]}
    revoke = objects.plan_grants({"public.orders": ["SELECT", "UPDATE"]}, TABLES[:1], ["SELECT"], "absent")
    assert objects.grants_after({"public.orders": ["SELECT", "UPDATE"]}, TABLES[:1], revoke) == {
        "public.orders": ["UPDATE"]}


# pgaudit_info --------------------------------------------------------------------------------

@pytest.mark.parametrize("database, role, scope", [(None, None, "all_roles"), ("db", None, "database"),
                                                   (None, "r", "role"), ("db", "r", "role_in_database")])
def test_scope_of_a_pg_db_role_setting_row(database, role, scope):
    assert info.scope_of(database, role) == scope


def test_problems_name_the_scope_and_the_setting():
    entry = {"scope": "role_in_database", "role": "App User", "database": "billing",
             "settings": info.described({"logg": "x", "log_catalog": "maybe", "log": "ddl"})}
    assert info.problems_of(entry) == [
        "role 'App User' in database 'billing': pgaudit.logg is not a pgAudit setting (misspelled?)",
        "role 'App User' in database 'billing': pgaudit.log_catalog = 'maybe': 'maybe' is not a boolean",
    ]
    assert info.scope_label({"scope": "all_roles", "role": None, "database": None}) == "all roles"
    assert info.scope_label({"scope": "alter_system", "role": None, "database": None}) == "alter system"


# Preload check (the sandbox always preloads pgaudit, so this path is tested here) -------------

class OneRowSession:
    def __init__(self, row):
        self.row = row

    def read_one(self, statement, params=None):
        return self.row


def test_not_preloaded_is_detected_and_the_message_says_what_to_do():
    from ansible_collections.dbaudit.postgresql.plugins.module_utils import pgaudit_server as server

    loaded = server.preload(OneRowSession(("pg_stat_statements, pg_hint_plan",)))
    assert loaded == {"shared_preload_libraries": ["pg_stat_statements", "pg_hint_plan"], "preloaded": False,
                      "raw": "pg_stat_statements, pg_hint_plan"}
    message = server.NOT_PRELOADED % loaded["raw"]
    assert message.startswith("pgaudit is not in shared_preload_libraries (it is 'pg_stat_statements, pg_hint_plan')")
    for advice in ("keeping the libraries already there", "parameter group", "postgresql.conf", "reboot"):
        assert advice in message
    assert server.preload(OneRowSession(("pg_stat_statements,pgaudit",)))["preloaded"] is True


# A server that cannot be read raises; pgaudit_fleet_info reports it failed and reads the others -------

def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connection_options(**overrides):
    options = {"login_host": "127.0.0.1", "login_port": closed_port(), "login_user": "auditor",
               "login_password": None, "login_db": "postgres", "login_unix_socket": None, "ssl_mode": "disable",
               "ca_cert": None, "connect_params": {}, "login_iam_auth": False, "aws_region": None,
               "aws_profile": None}
    options.update(overrides)
    return options


def test_server_facts_raise_when_the_server_cannot_be_reached():
    with pytest.raises(PostgresError, match="^Could not connect to PostgreSQL at 127.0.0.1:"):
        info.server_facts(connection_options())


def test_fleet_reports_an_unreachable_server_failed_with_the_reason():
    defaults = connection_options(databases=None, audit_role=None, listed_databases_only=False)
    facts = fleet.read_server(defaults, {"name": "down", "login_user": "reader"})
    assert facts["failed"] is True and list(facts) == ["failed", "msg"]
    assert facts["msg"].startswith("Could not connect to PostgreSQL at 127.0.0.1:")
    assert "as user 'reader'" in facts["msg"]


@pytest.mark.parametrize("names, parallel, says", [
    (["a", "b", "a"], 8, "servers: each name must be given once; repeated: a"),
    (["a"], 0, "parallel must be at least 1, got 0"),
])
def test_fleet_refuses_repeated_names_and_no_parallelism(names, parallel, says):
    with pytest.raises(Refusal, match="^" + re.escape(says) + "$"):
        fleet.check_request([{"name": name} for name in names], parallel)


# pgaudit_settings with targets: shapes checked before the server is asked, every problem named by its target -------

def targets_params(targets, **overrides):
    params = {"role": None, "database": None, "alter_system": False, "settings": None, "state": "present",
              "reset_unspecified": False, "targets": targets}
    params.update(overrides)
    return params


def target_entry(**given):
    entry = {"role": None, "database": None, "settings": None, "state": None, "reset_unspecified": None}
    entry.update(given)
    return entry


def test_targets_take_their_scope_and_the_top_level_state_and_reset_unless_they_give_their_own():
    targets = settings.check_targets(targets_params([
        target_entry(role="app", settings={"log": "ddl"}),
        target_entry(database="billing", settings={"log": "write"}, reset_unspecified=False),
        target_entry(role="etl", database="billing", state="absent"),
    ], reset_unspecified=True))
    assert [(t["index"], t["scope"], t["role"], t["database"], t["state"], t["reset_unspecified"], t["settings"])
            for t in targets] == [
        (0, "role", "app", None, "present", True, {"log": "ddl"}),
        (1, "database", None, "billing", "present", False, {"log": "write"}),
        (2, "role_in_database", "etl", "billing", "absent", True, {}),
    ]
    absent = settings.check_targets(targets_params([target_entry(role="app", settings=["log"])], state="absent"))
    assert absent[0]["state"] == "absent" and absent[0]["settings"] == ["log"]
    assert settings.check_targets(targets_params([])) == []


def test_every_bad_target_is_named_in_one_refusal():
    with pytest.raises(Refusal) as refused:
        settings.check_targets(targets_params([
            target_entry(role="app", settings={"log": "ddl"}),
            target_entry(settings={"log": "ddl"}),
            target_entry(role="etl", database="billing"),
            target_entry(database="billing", settings=["log"]),
            target_entry(role="app", settings={"log": "role"}),
        ]))
    assert refused.value.reasons == [
        "targets[1]: name a role, a database, or both (a role in one database)",
        "targets[2] (role 'etl' in database 'billing'): settings: required with state=present "
        "(a dictionary of pgAudit settings)",
        "targets[3] (database 'billing'): settings: give a dictionary of pgAudit settings and values, not ['log']",
        "targets[4] (role 'app'): also given as targets[0]; give each target once",
    ]
    assert refused.value.message.startswith("Invalid targets, nothing changed: targets[1]: name a role")


@pytest.mark.parametrize("overrides, named", [
    ({"role": "app"}, "role"),
    ({"settings": {"log": "ddl"}, "database": "billing"}, "database, settings"),
    ({"alter_system": True}, "alter_system"),
])
def test_targets_cannot_be_combined_with_a_single_target(overrides, named):
    with pytest.raises(Refusal, match=f"^targets: {re.escape(named)} cannot be combined with targets"):
        settings.check_targets(targets_params([target_entry(role="x", settings={"log": "ddl"})], **overrides))


class CatalogSession:
    """A stand-in SqlSession over a made-up catalog: roles, databases, pg_db_role_setting rows and the pgaudit.*
    names the library defines. Records what would run and how often it commits."""

    def __init__(self, roles, databases, stored, check_mode=False, autocommit=False):
        self.roles, self.databases, self.stored = roles, databases, stored
        self.check_mode = check_mode
        self.conn = type("Connection", (), {"autocommit": autocommit})()
        self.queries, self.reads, self.commits = [], [], 0

    def read(self, statement, params=None):
        self.reads.append(statement)
        if "pg_settings" in statement:
            return [(f"pgaudit.{name}",) for name in ("log", "log_catalog", "log_relation", "role")]
        return []

    def read_one(self, statement, params=None):
        if "pg_roles" in statement:
            found = self.roles.get(params[0])
            return (found, False, True) if found else None
        if "pg_database" in statement:
            found = self.databases.get(params[0])
            return (found,) if found else None
        if "pg_db_role_setting" in statement:
            config = self.stored.get((params[0], params[1]))
            return (config,) if config else None
        raise AssertionError(statement)

    def change(self, statement, params=None):
        self.queries.append(statement)
        if not self.check_mode:
            database, role, verb, name, value = self.decode(statement)
            entries = dict(entry.split("=", 1) for entry in self.stored.get((database, role), []))
            if verb == "SET":
                entries["pgaudit." + name] = value
            else:
                entries.pop("pgaudit." + name, None)
            self.stored[(database, role)] = [f"{name}={value}" for name, value in entries.items()]

    def decode(self, statement):
        """(database oid, role oid, SET/RESET, name, value) of an ALTER ROLE / ALTER DATABASE statement."""
        head, guc = statement.seq[0], statement.seq[2]
        value = statement.seq[4].wrapped if len(statement.seq) > 4 else None
        names = [part.string for part in head.seq if isinstance(part, settings.sql.Identifier)]
        text = "".join(part.string for part in head.seq if isinstance(part, settings.sql.SQL))
        role = self.roles[names[0]] if text.startswith("ALTER ROLE") else 0
        database = self.databases[names[-1]] if "DATABASE" in text else 0
        verb = statement.seq[1].string.strip().split()[0]
        return database, role, verb, guc.strings[1], value

    def commit(self):
        self.commits += 1


def catalog():
    return CatalogSession(roles={"app": 10, "etl": 11}, databases={"billing": 20},
                          stored={(0, 10): ["pgaudit.log=ddl", "work_mem=64MB"], (20, 0): ["pgaudit.logg=x"]})


def prepared(session, entries, version=(1, 7)):
    warnings = []
    targets = settings.check_targets(targets_params(entries))
    settings.prepare_targets(session, targets, version, warnings.append)
    return targets, warnings


ENTRIES = [target_entry(role="app", settings={"log": "DDL"}),
           target_entry(database="billing", settings={"log": "write"}, reset_unspecified=True),
           target_entry(role="etl", database="billing", settings={"log": ["role", "ddl"], "log_relation": True})]


def test_settings_and_names_of_every_target_are_checked_against_the_server_before_any_change():
    session = catalog()
    with pytest.raises(Refusal) as refused:
        prepared(session, [target_entry(role="app", settings={"log": "ddl, rolez"}),
                           target_entry(role="ghost", database="nowhere", settings={"logg": "x"}),
                           target_entry(database="billing", settings={"log_rows": True})])
    assert refused.value.reasons == [
        "targets[0] (role 'app'): settings.log: invalid value for pgaudit.log: unknown class 'rolez' in 'ddl, rolez' "
        "(classes: read, write, function, role, ddl, misc, misc_set, all, none; '-class' excludes one)",
        "targets[1] (role 'ghost' in database 'nowhere'): settings.logg: unknown pgAudit setting 'pgaudit.logg' "
        "(known: log, log_catalog, log_client, log_level, log_parameter, log_parameter_max_size, log_relation, "
        "log_rows, log_statement, log_statement_once, role)",
        "targets[1] (role 'ghost' in database 'nowhere'): role 'ghost' does not exist",
        "targets[1] (role 'ghost' in database 'nowhere'): database 'nowhere' does not exist",
        "targets[2] (database 'billing'): settings.log_rows: pgaudit.log_rows needs pgAudit 1.6 or later; "
        "this server has pgAudit 1.7",  # 1.7 has it, but the loaded library does not define it here
    ]
    assert session.queries == [] and session.commits == 0


def test_all_targets_change_in_one_transaction_after_one_lock_and_a_rerun_changes_nothing():
    session = catalog()
    targets, _warnings = prepared(session, ENTRIES)
    assert settings.ensure_targets(session, targets) is True
    assert session.commits == 1 and "pg_advisory_xact_lock" in session.reads[1]
    assert [len(t["actions"]) for t in targets] == [0, 2, 2]  # DDL equals ddl; billing: set log, reset logg
    assert [dict(t["after"]) for t in targets] == [
        {"log": "ddl"}, {"log": "write"}, {"log": "role,ddl", "log_relation": "on"}]
    assert session.stored[(0, 10)] == ["pgaudit.log=ddl", "work_mem=64MB"]  # other settings are kept

    again = CatalogSession(session.roles, session.databases, session.stored)
    targets, _warnings = prepared(again, ENTRIES)
    assert settings.ensure_targets(again, targets) is False and again.queries == [] and again.commits == 1


def test_check_mode_predicts_every_target_and_takes_no_lock():
    session = catalog()
    session.check_mode = True
    stored = {key: list(value) for key, value in session.stored.items()}
    targets, _warnings = prepared(session, ENTRIES)
    assert settings.ensure_targets(session, targets) is True
    assert len(session.queries) == 4 and session.stored == stored
    assert not any("advisory" in statement for statement in session.reads)
    assert dict(targets[1]["before"]) == {"logg": "x"} and dict(targets[1]["after"]) == {"log": "write"}
