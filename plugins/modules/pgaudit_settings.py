#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Ansible modules import after DOCUMENTATION, EXAMPLES and RETURN.
# ruff: noqa: E402

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pgaudit_settings
short_description: Set pgAudit settings for a role, a database, a role in a database, or the server
version_added: 0.1.0
description:
  - Sets or resets pgAudit settings (C(pgaudit.log), C(pgaudit.role), ...) at one target. A role, a database
    or a role in one database (C(ALTER ROLE ... [IN DATABASE ...] SET), C(ALTER DATABASE ... SET)), stored in
    C(pg_db_role_setting); or, on a self-managed server, the whole server (C(ALTER SYSTEM), then a reload).
  - Idempotent against what is stored, compared by meaning. C(pgaudit.log) compares as the set of classes it
    audits (V(DDL, role) equals V([role, ddl])), booleans in any PostgreSQL spelling compare equal, so a value
    written by hand in another spelling is not reported as a change.
  - Everything asked for is validated before any change. PostgreSQL silently accepts unknown names such as
    C(pgaudit.logg); this module refuses them, and also unknown classes, values of the wrong type, the log levels
    pgAudit refuses, and settings the installed pgAudit does not have. Each error names the input and nothing
    is changed.
  - Settings that are not pgAudit's are never touched.
  - Precedence at login is role in database, then role, then database, then the server (parameter group on
    RDS and Aurora). Role settings are not inherited through role membership.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  role:
    description:
      - The role whose settings to manage, by its exact name (capitals, spaces and quotes are kept).
      - With O(database), the settings apply to this role in that database only.
    type: str
  database:
    description:
      - The database whose settings to manage, by its exact name.
      - With O(role), the settings apply to that role in this database only.
    type: str
  alter_system:
    description:
      - Manage the server-wide settings with C(ALTER SYSTEM) and reload the configuration. Self-managed servers
        only; RDS and Aurora refuse C(ALTER SYSTEM), set server-wide values in the parameter group there.
      - Exactly one target is required; O(role) and/or O(database), or O(alter_system=true).
    type: bool
    default: false
  settings:
    description:
      - With O(state=present), a dictionary of pgAudit settings and their values. Names may be given with or
        without the C(pgaudit.) prefix. Settings are C(log) (a comma-separated string or a list of classes
        C(read), C(write), C(function), C(role), C(ddl), C(misc), C(misc_set), C(all), C(none), a leading C(-)
        excludes a class), C(log_catalog), C(log_client), C(log_parameter), C(log_relation), C(log_rows),
        C(log_statement), C(log_statement_once) (booleans), C(log_level) (C(debug1) to C(debug5), C(info),
        C(notice), C(warning), C(log)), C(log_parameter_max_size) (bytes, pgAudit 16 and later) and C(role)
        (the object auditing role).
      - With O(state=absent), the settings to reset, as a list of names or a dictionary whose values are
        ignored. Omitted or empty, every pgAudit setting at the target is reset.
    type: raw
  state:
    description:
      - V(present) sets O(settings) at the target; V(absent) resets them (the target then inherits them).
    type: str
    choices: [present, absent]
    default: present
  reset_unspecified:
    description:
      - Also reset the pgAudit settings at the target that O(settings) does not name, so the target holds exactly
        O(settings). Every C(pgaudit.*) entry at the target counts, including misspelled ones such as
        C(pgaudit.logg) left by earlier hand edits.
    type: bool
    default: false
notes:
  - The login user needs the right to set superuser-context settings for others; a superuser, or
    C(rds_superuser) on RDS and Aurora.
  - Auditing superusers is not reliable; they can switch pgAudit off in their own session. The module warns when
    O(role) is a superuser.
  - Settings apply to sessions that start after the change.
seealso:
  - module: dbaudit.postgresql.pgaudit_extension
  - module: dbaudit.postgresql.pgaudit_info
  - module: dbaudit.postgresql.rds_parameter_group
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - dbaudit.postgresql.postgres
"""

EXAMPLES = r"""
- name: Audit role and privilege changes made by the application user
  dbaudit.postgresql.pgaudit_settings:
    role: app_user
    settings:
      log: [role, ddl]
      log_relation: true

- name: Audit writes in the billing database, and only that
  dbaudit.postgresql.pgaudit_settings:
    database: billing
    settings:
      log: write, ddl
    reset_unspecified: true

- name: Audit everything but miscellaneous commands for one role in one database
  dbaudit.postgresql.pgaudit_settings:
    role: etl
    database: billing
    settings:
      pgaudit.log: all, -misc
      pgaudit.log_parameter: "off"

- name: Object auditing through the rds_pgaudit role, database-wide
  dbaudit.postgresql.pgaudit_settings:
    database: billing
    settings:
      role: rds_pgaudit

- name: Stop auditing the application user's role changes
  dbaudit.postgresql.pgaudit_settings:
    role: app_user
    settings: [log]
    state: absent

- name: Server-wide, on a self-managed server
  dbaudit.postgresql.pgaudit_settings:
    alter_system: true
    settings:
      log: ddl, role
      log_catalog: false
"""

RETURN = r"""
target:
  description: The target the settings were managed at.
  returned: always
  type: dict
  contains:
    scope:
      description: V(role), V(database), V(role_in_database) or V(server).
      type: str
      sample: role
    role:
      description: The role, for V(role) and V(role_in_database).
      type: str
      sample: app_user
    database:
      description: The database, for V(database) and V(role_in_database).
      type: str
      sample: billing
  sample: {"scope": "role", "role": "app_user", "database": null}
settings:
  description:
    - The pgAudit settings stored at the target after the run (in check mode, what they would be), by full name,
      as stored.
  returned: always
  type: dict
  sample: {"pgaudit.log": "role,ddl", "pgaudit.log_relation": "on"}
queries:
  description: The statements run (in check mode, the statements that would run).
  returned: always
  type: list
  elements: str
  sample: ["ALTER ROLE \"app_user\" SET \"pgaudit\".\"log\" = 'role,ddl'"]
pgaudit_version:
  description: The version of the pgAudit library installed on the server.
  returned: always
  type: str
  sample: "1.7"
diff:
  description: The pgAudit settings at the target before and after, by full name.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Settings before the run.
      type: dict
    after:
      description: Settings after the run (or as they would be, in check mode).
      type: dict
  sample: {"before": {}, "after": {"pgaudit.log": "role"}}
"""

from collections import OrderedDict
from typing import Any
from typing import Callable
from typing import Dict
from typing import Optional
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import apply_plan
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import full_name
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import plan_changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import validate_names
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import validate_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import version_text
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import alter_system_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import database_oid
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import extension_state
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import is_rds
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import library_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import library_version
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import preload
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import role_row
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import stored_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import SqlSession
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import connect
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import postgres_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import run_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import sql
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


def target_scope(role: Optional[str], database: Optional[str],
                 alter_system: bool) -> Tuple[Optional[str], Optional[str]]:
    """The target's scope name, or an error message when the combination is not one target."""
    if alter_system:
        if role is not None or database is not None:
            return None, "alter_system manages the server-wide settings; it cannot be combined with role or database"
        return "server", None
    if role is not None and database is not None:
        return "role_in_database", None
    if role is not None:
        return "role", None
    if database is not None:
        return "database", None
    return None, "name a target: role, database, both (a role in one database), or alter_system: true"


def requested(settings: Any, state: str) -> Tuple[Any, Optional[str]]:
    """``settings`` checked for shape: a dict for present; a list of names or a dict for absent."""
    if settings is None:
        return ({} if state == "absent" else None), None
    if isinstance(settings, dict):
        return settings, None
    if state == "absent" and isinstance(settings, (list, tuple)):
        return list(settings), None
    if state == "absent":
        return None, "settings: with state=absent, give a list of setting names (or a dictionary), not %r" % (
            settings,)
    return None, "settings: give a dictionary of pgAudit settings and values, not %r" % (settings,)


def statement(scope: str, role: Optional[str], database: Optional[str], action: Tuple[str, str, Any]):
    """The ALTER statement of one action at the target, built with psycopg2.sql (names quoted, values literal)."""
    verb, name, value = action
    guc = sql.Identifier("pgaudit", name)
    if scope == "server":
        head = sql.SQL("ALTER SYSTEM")
    elif scope == "role":
        head = sql.SQL("ALTER ROLE {}").format(sql.Identifier(role))
    elif scope == "database":
        head = sql.SQL("ALTER DATABASE {}").format(sql.Identifier(database))
    else:
        head = sql.SQL("ALTER ROLE {} IN DATABASE {}").format(sql.Identifier(role), sql.Identifier(database))
    if verb == "set":
        return sql.SQL("{} SET {} = {}").format(head, guc, sql.Literal(value))
    return sql.SQL("{} RESET {}").format(head, guc)


def by_full_name(entries: Dict[str, Any]) -> Dict[str, Any]:
    return OrderedDict((full_name(name), value) for name, value in entries.items())


def check_request(params: Dict[str, Any]) -> Tuple[str, Any]:
    """The target's scope and the settings asked for, once their shapes are right."""
    scope, error = target_scope(params["role"], params["database"], params["alter_system"])
    if error:
        raise Refusal(error)
    settings, error = requested(params["settings"], params["state"])
    if error:
        raise Refusal(error)
    if settings is None:
        raise Refusal("settings: required with state=present (a dictionary of pgAudit settings)")
    return scope, settings


def wanted_settings(session: SqlSession, settings: Any, state: str, version) -> Dict[str, Any]:
    """The settings to set (or, absent, to reset: values None), by short name, each validated for this server."""
    if state == "present":
        wanted, errors = validate_settings(settings, version, library_settings(session))
    else:
        names, errors = validate_names(settings)
        wanted = OrderedDict((name, None) for name in names)
    if errors:
        raise Refusal("Invalid pgAudit settings, nothing changed: " + "; ".join(errors), reasons=errors,
                      errors=errors)
    return wanted


def resolve_target(session: SqlSession, scope: str, params: Dict[str, Any],
                   warn: Callable[[str], None]) -> Tuple[Optional[int], Optional[int]]:
    """(role oid, database oid) of the target, once it exists and can hold the settings."""
    role, database = params["role"], params["database"]
    role_oid = db_oid = None
    if role is not None:
        found = role_row(session, role)
        if found is None:
            raise Refusal("role %r does not exist, nothing changed" % role)
        role_oid = found["oid"]
        if found["superuser"]:
            warn("role %r is a superuser: it can switch pgAudit off in its own session, so auditing it "
                 "is not reliable" % role)
    if database is not None:
        db_oid = database_oid(session, database)
        if db_oid is None:
            raise Refusal("database %r does not exist, nothing changed" % database)
    if scope == "server":
        if is_rds(session):
            raise Refusal("alter_system: RDS and Aurora do not allow ALTER SYSTEM; set server-wide pgAudit "
                          "settings in the DB (cluster) parameter group (dbaudit.postgresql.rds_parameter_group)")
        if alter_system_settings(session) is None:
            raise Refusal("alter_system: the login user %r cannot read pg_file_settings (superuser or "
                          "pg_read_all_settings needed), so the settings ALTER SYSTEM keeps cannot be compared"
                          % params["login_user"])
    return role_oid, db_oid


def read_target(session: SqlSession, scope: str, role_oid: Optional[int], db_oid: Optional[int]) -> Dict[str, str]:
    if scope == "server":
        return alter_system_settings(session)
    return stored_settings(session, db_oid, role_oid)


def ensure_settings(session: SqlSession, scope: str, role: Optional[str], database: Optional[str],
                    role_oid: Optional[int], db_oid: Optional[int], wanted: Dict[str, Any], state: str,
                    reset_unspecified: bool) -> Tuple[bool, Dict[str, str], Dict[str, str]]:
    """Bring the target to the wanted settings; return (changed, before, after)."""
    before = read_target(session, scope, role_oid, db_oid)
    actions = plan_changes(before, wanted, state=state, reset_unspecified=reset_unspecified)
    for action in actions:
        session.change(statement(scope, role, database, action))
    if actions and scope == "server":
        session.change(sql.SQL("SELECT pg_catalog.pg_reload_conf()"))
    session.commit()
    if session.check_mode or not actions:
        after = apply_plan(before, actions)
    else:
        after = read_target(session, scope, role_oid, db_oid)
    return bool(actions), before, after


def ensure_pgaudit_settings(params: Dict[str, Any], check_mode: bool, warn: Callable[[str], None]) -> Dict[str, Any]:
    role, database, state = params["role"], params["database"], params["state"]
    scope, settings = check_request(params)
    # ALTER SYSTEM cannot run inside a transaction; role and database changes run in one.
    session = SqlSession(connect(params, autocommit=(scope == "server")), check_mode=check_mode)
    version = library_version(extension_state(session))
    if not preload(session)["preloaded"]:
        warn("pgaudit is not in shared_preload_libraries: these settings audit nothing until it is added "
             "there and the server restarted")
    wanted = wanted_settings(session, settings, state, version)
    role_oid, db_oid = resolve_target(session, scope, params, warn)
    if state == "present" and wanted.get("role") and role_row(session, wanted["role"]) is None:
        warn("pgaudit.role names role %r, which does not exist: object auditing does nothing until it "
             "is created (dbaudit.postgresql.pgaudit_extension audit_role)" % wanted["role"])

    changed, before, after = ensure_settings(session, scope, role, database, role_oid, db_oid, wanted, state,
                                             params["reset_unspecified"])
    session.close()
    return dict(
        changed=changed,
        target=dict(scope=scope, role=role, database=database),
        settings=by_full_name(after),
        queries=session.queries,
        pgaudit_version=version_text(version),
        diff=dict(before=by_full_name(before), after=by_full_name(after)),
    )


def argument_spec() -> Dict[str, Any]:
    return dict(
        role=dict(type="str"),
        database=dict(type="str"),
        alter_system=dict(type="bool", default=False),
        settings=dict(type="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        reset_unspecified=dict(type="bool", default=False),
    )


def main() -> None:
    module = postgres_module(argument_spec())
    run_module(module, ensure_pgaudit_settings, module.params, module.check_mode, module.warn)


if __name__ == "__main__":
    main()
