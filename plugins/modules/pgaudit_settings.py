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
short_description: Set pgAudit settings for roles, databases, roles in a database, or the server
version_added: 0.1.0
description:
  - Sets or resets pgAudit settings (C(pgaudit.log), C(pgaudit.role), ...) at one target. A role, a database
    or a role in one database (C(ALTER ROLE ... [IN DATABASE ...] SET), C(ALTER DATABASE ... SET)), stored in
    C(pg_db_role_setting); or, on a self-managed server, the whole server (C(ALTER SYSTEM), then a reload).
  - Or, with O(targets), at several roles, databases and roles in a database of one server in one call, over one
    connection and in one transaction. Every target is validated before any change; a problem with any of them
    refuses the whole call, naming the target, and nothing is changed.
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
      - Not with O(targets).
    type: str
  database:
    description:
      - The database whose settings to manage, by its exact name.
      - With O(role), the settings apply to that role in this database only.
      - Not with O(targets).
    type: str
  alter_system:
    description:
      - Manage the server-wide settings with C(ALTER SYSTEM) and reload the configuration. Self-managed servers
        only; RDS and Aurora refuse C(ALTER SYSTEM), set server-wide values in the parameter group there.
      - Exactly one target is required; O(role) and/or O(database), O(alter_system=true), or O(targets).
      - Not with O(targets) (C(ALTER SYSTEM) cannot run inside the transaction the targets share).
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
      - Not with O(targets) (each target has its own O(targets[].settings)).
    type: raw
  state:
    description:
      - V(present) sets O(settings) at the target; V(absent) resets them (the target then inherits them).
      - With O(targets), the state of each target that does not give its own.
    type: str
    choices: [present, absent]
    default: present
  reset_unspecified:
    description:
      - Also reset the pgAudit settings at the target that O(settings) does not name, so the target holds exactly
        O(settings). Every C(pgaudit.*) entry at the target counts, including misspelled ones such as
        C(pgaudit.logg) left by earlier hand edits.
      - With O(targets), the value of each target that does not give its own.
    type: bool
    default: false
  targets:
    description:
      - Several targets of one server, each a role, a database or a role in one database with its own settings,
        managed in one call instead of one call per target. Not with O(role), O(database), O(settings) or
        O(alter_system=true).
      - All targets are checked first (the shape of each, its setting names and values against the server's
        pgAudit, that its role and database exist, that no target is given twice); any problem refuses the whole
        call, each reason naming its target by its index, role and database, and nothing is changed.
      - Then every change runs over one connection to O(login_db) (the settings are stored in
        C(pg_db_role_setting), shared by all databases, so O(login_db) need only exist) in one transaction,
        committed once; a failing statement rolls all of them back.
      - The server-wide settings (C(ALTER SYSTEM)) are not a target here; use O(alter_system) in a call of its own.
      - An empty list manages nothing.
    type: list
    elements: dict
    suboptions:
      role:
        description:
          - The role, by its exact name. With O(targets[].database), the role in that database only.
          - At least one of O(targets[].role) and O(targets[].database).
        type: str
      database:
        description:
          - The database, by its exact name. With O(targets[].role), that role in this database only.
        type: str
      settings:
        description:
          - As O(settings), for this target.
        type: raw
      state:
        description:
          - As O(state), for this target. Unset, O(state).
        type: str
        choices: [present, absent]
      reset_unspecified:
        description:
          - As O(reset_unspecified), for this target. Unset, O(reset_unspecified).
        type: bool
notes:
  - The login user needs the right to set superuser-context settings for others; a superuser, or
    C(rds_superuser) on RDS and Aurora.
  - Auditing superusers is not reliable; they can switch pgAudit off in their own session. The module warns when
    O(role) is a superuser.
  - Settings apply to sessions that start after the change.
  - Role and database settings written at once by several runs on one server (two job slices, hosts that share a
    server) take turns (a transaction-level advisory lock), so each plans from what the other committed.
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

- name: Several targets in one call and one transaction (all refused if any is wrong)
  dbaudit.postgresql.pgaudit_settings:
    login_db: billing
    targets:
      - role: app_user
        settings:
          log: [role, ddl]
      - database: billing
        settings:
          log: write, ddl
        reset_unspecified: true
      - role: etl
        database: billing
        settings:
          log: all, -misc
      - role: old_reporting
        state: absent
  register: audit_settings
"""

RETURN = r"""
target:
  description: The target the settings were managed at.
  returned: when O(targets) is not given
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
  returned: when O(targets) is not given
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
targets:
  description: Each target of O(targets), in the order given, with its settings before and after.
  returned: when O(targets) is given
  type: list
  elements: dict
  contains:
    scope:
      description: V(role), V(database) or V(role_in_database).
      type: str
    role:
      description: The role, for V(role) and V(role_in_database).
      type: str
    database:
      description: The database, for V(database) and V(role_in_database).
      type: str
    before:
      description: The pgAudit settings stored at the target before the run, by full name, as stored.
      type: dict
    after:
      description: The pgAudit settings stored at the target after the run (in check mode, what they would be).
      type: dict
    changed:
      description: Whether the target's settings were (in check mode, would be) changed.
      type: bool
  sample: [{"scope": "role", "role": "app_user", "database": null, "before": {},
            "after": {"pgaudit.log": "role,ddl"}, "changed": true}]
diff:
  description:
    - The pgAudit settings at the target before and after, by full name.
    - With O(targets), those of every target, keyed by the target (V(role 'etl' in database 'billing')).
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
from typing import List
from typing import Optional
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import apply_plan
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import full_name
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import plan_changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import validate_names
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import validate_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import version_text
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_facts import scope_label
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

# The transaction-level advisory lock every run of this module takes before it reads and changes role and database
# settings: runs on one server (job slices, hosts that share a server) take turns, so a run's many-target
# transaction cannot deadlock with another's, and each plans from what the other committed. Any fixed key would do.
SETTINGS_LOCK = 0x6462617564697401


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


def target_label(target: Dict[str, Any]) -> str:
    """How a reason names a target of ``targets``: ``targets[1] (role 'etl' in database 'billing')``."""
    return "targets[%d] (%s)" % (target["index"], scope_label(target))


def check_targets(params: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The targets of ``targets``, each with its scope, state, reset_unspecified (the top-level ones unless it gives
    its own) and the settings asked for, once every one has the right shape; otherwise one refusal with every
    problem, each naming its target."""
    combined = [name for name in ("role", "database", "settings") if params[name] is not None]
    if params["alter_system"]:
        combined.append("alter_system")
    if combined:
        raise Refusal("targets: %s cannot be combined with targets (give each target's role, database and settings "
                      "in the list), nothing changed" % ", ".join(combined))
    targets: List[Dict[str, Any]] = []
    problems: List[str] = []
    seen: Dict[Tuple[Optional[str], Optional[str]], int] = {}
    for index, entry in enumerate(params["targets"]):
        role, database = entry.get("role"), entry.get("database")
        if role is None and database is None:
            problems.append("targets[%d]: name a role, a database, or both (a role in one database)" % index)
            continue
        own_reset = entry.get("reset_unspecified")
        target = dict(index=index, scope=target_scope(role, database, False)[0], role=role, database=database,
                      state=entry.get("state") or params["state"],
                      reset_unspecified=params["reset_unspecified"] if own_reset is None else own_reset)
        settings, error = requested(entry.get("settings"), target["state"])
        if error is None and settings is None:
            error = "settings: required with state=present (a dictionary of pgAudit settings)"
        if (role, database) in seen:
            error = "also given as targets[%d]; give each target once" % seen[(role, database)]
        if error:
            problems.append("%s: %s" % (target_label(target), error))
            continue
        seen[(role, database)] = index
        targets.append(dict(target, settings=settings))
    if problems:
        raise Refusal("Invalid targets, nothing changed: " + "; ".join(problems), reasons=problems)
    return targets


def validated(settings: Any, state: str, version, loaded: Optional[List[str]]) -> Tuple[Dict[str, Any], List[str]]:
    """The settings to set (or, absent, to reset: values None) by short name, and what is wrong with them for this
    server's pgAudit (``loaded``: the pgaudit.* names its library defines, None when unknown)."""
    if state == "present":
        return validate_settings(settings, version, loaded)
    names, errors = validate_names(settings)
    return OrderedDict((name, None) for name in names), errors


def wanted_settings(session: SqlSession, settings: Any, state: str, version) -> Dict[str, Any]:
    """The settings to set (or, absent, to reset: values None), by short name, each validated for this server."""
    wanted, errors = validated(settings, state, version, library_settings(session) if state == "present" else None)
    if errors:
        raise Refusal("Invalid pgAudit settings, nothing changed: " + "; ".join(errors), reasons=errors,
                      errors=errors)
    return wanted


def installed_version(session: SqlSession, warn: Callable[[str], None]):
    """The version of the server's pgAudit library, with a warning when it is not loaded."""
    version = library_version(extension_state(session))
    if not preload(session)["preloaded"]:
        warn("pgaudit is not in shared_preload_libraries: these settings audit nothing until it is added "
             "there and the server restarted")
    return version


def locate(session: SqlSession, role: Optional[str], database: Optional[str],
           warn: Callable[[str], None]) -> Tuple[Optional[int], Optional[int], List[str]]:
    """(role oid, database oid, problems) of a target: each of its names that does not exist is a problem."""
    role_oid = db_oid = None
    problems: List[str] = []
    if role is not None:
        found = role_row(session, role)
        if found is None:
            problems.append("role %r does not exist" % role)
        else:
            role_oid = found["oid"]
            if found["superuser"]:
                warn("role %r is a superuser: it can switch pgAudit off in its own session, so auditing it "
                     "is not reliable" % role)
    if database is not None:
        db_oid = database_oid(session, database)
        if db_oid is None:
            problems.append("database %r does not exist" % database)
    return role_oid, db_oid, problems


def resolve_target(session: SqlSession, scope: str, params: Dict[str, Any],
                   warn: Callable[[str], None]) -> Tuple[Optional[int], Optional[int]]:
    """(role oid, database oid) of the target, once it exists and can hold the settings."""
    role_oid, db_oid, problems = locate(session, params["role"], params["database"], warn)
    if problems:
        raise Refusal(problems[0] + ", nothing changed")
    if scope == "server":
        if is_rds(session):
            raise Refusal("alter_system: RDS and Aurora do not allow ALTER SYSTEM; set server-wide pgAudit "
                          "settings in the DB (cluster) parameter group (dbaudit.postgresql.rds_parameter_group)")
        if alter_system_settings(session) is None:
            raise Refusal("alter_system: the login user %r cannot read pg_file_settings (superuser or "
                          "pg_read_all_settings needed), so the settings ALTER SYSTEM keeps cannot be compared"
                          % params["login_user"])
    return role_oid, db_oid


def prepare_targets(session: SqlSession, targets: List[Dict[str, Any]], version,
                    warn: Callable[[str], None]) -> None:
    """Each target of ``targets`` with its validated settings and its oids; one refusal with every problem of every
    target (settings this server's pgAudit does not take, a role or database that does not exist)."""
    loaded = library_settings(session)
    problems: List[str] = []
    for target in targets:
        wanted, errors = validated(target["settings"], target["state"], version, loaded)
        role_oid, db_oid, missing = locate(session, target["role"], target["database"], warn)
        problems.extend("%s: %s" % (target_label(target), problem) for problem in errors + missing)
        target.update(wanted=wanted, role_oid=role_oid, db_oid=db_oid)
    if problems:
        raise Refusal("Invalid targets, nothing changed: " + "; ".join(problems), reasons=problems)


def warn_missing_audit_role(session: SqlSession, target: Dict[str, Any], warn: Callable[[str], None]) -> None:
    audit_role = target["wanted"].get("role") if target["state"] == "present" else None
    if audit_role and role_row(session, audit_role) is None:
        warn("pgaudit.role names role %r, which does not exist: object auditing does nothing until it "
             "is created (dbaudit.postgresql.pgaudit_extension audit_role)" % audit_role)


def read_target(session: SqlSession, scope: str, role_oid: Optional[int], db_oid: Optional[int]) -> Dict[str, str]:
    if scope == "server":
        return alter_system_settings(session)
    return stored_settings(session, db_oid, role_oid)


def ensure_targets(session: SqlSession, targets: List[Dict[str, Any]]) -> bool:
    """Bring every target to its wanted settings: each planned from what it stores, every statement run, one commit
    (a failing statement rolls them all back). Each target gets its ``before``, ``actions`` and ``after``; True when
    any changed."""
    if not (session.check_mode or session.conn.autocommit):
        session.read("SELECT pg_catalog.pg_advisory_xact_lock(%s)", [SETTINGS_LOCK])
    for target in targets:
        target["before"] = read_target(session, target["scope"], target["role_oid"], target["db_oid"])
        target["actions"] = plan_changes(target["before"], target["wanted"], state=target["state"],
                                         reset_unspecified=target["reset_unspecified"])
    for target in targets:
        for action in target["actions"]:
            session.change(statement(target["scope"], target["role"], target["database"], action))
    if any(target["actions"] and target["scope"] == "server" for target in targets):
        session.change(sql.SQL("SELECT pg_catalog.pg_reload_conf()"))
    session.commit()
    for target in targets:
        if session.check_mode or not target["actions"]:
            target["after"] = apply_plan(target["before"], target["actions"])
        else:
            target["after"] = read_target(session, target["scope"], target["role_oid"], target["db_oid"])
    return any(target["actions"] for target in targets)


def ensure_pgaudit_settings(params: Dict[str, Any], check_mode: bool, warn: Callable[[str], None]) -> Dict[str, Any]:
    if params["targets"] is not None:
        return ensure_pgaudit_targets(params, check_mode, warn)
    role, database, state = params["role"], params["database"], params["state"]
    scope, settings = check_request(params)
    # ALTER SYSTEM cannot run inside a transaction; role and database changes run in one.
    session = SqlSession(connect(params, autocommit=(scope == "server")), check_mode=check_mode)
    version = installed_version(session, warn)
    target = dict(scope=scope, role=role, database=database, state=state,
                  reset_unspecified=params["reset_unspecified"],
                  wanted=wanted_settings(session, settings, state, version))
    target["role_oid"], target["db_oid"] = resolve_target(session, scope, params, warn)
    warn_missing_audit_role(session, target, warn)

    changed = ensure_targets(session, [target])
    session.close()
    return dict(
        changed=changed,
        target=dict(scope=scope, role=role, database=database),
        settings=by_full_name(target["after"]),
        queries=session.queries,
        pgaudit_version=version_text(version),
        diff=dict(before=by_full_name(target["before"]), after=by_full_name(target["after"])),
    )


def ensure_pgaudit_targets(params: Dict[str, Any], check_mode: bool, warn: Callable[[str], None]) -> Dict[str, Any]:
    """``targets``: every target validated, then all changed in one transaction over one connection (pg_db_role_setting
    is shared by every database, so login_db only has to exist)."""
    targets = check_targets(params)
    session = SqlSession(connect(params), check_mode=check_mode)
    version = installed_version(session, warn)
    prepare_targets(session, targets, version, warn)
    for target in targets:
        warn_missing_audit_role(session, target, warn)

    changed = ensure_targets(session, targets)
    session.close()
    return dict(
        changed=changed,
        targets=[dict(scope=target["scope"], role=target["role"], database=target["database"],
                      before=by_full_name(target["before"]), after=by_full_name(target["after"]),
                      changed=bool(target["actions"])) for target in targets],
        queries=session.queries,
        pgaudit_version=version_text(version),
        diff=dict(before=OrderedDict((scope_label(target), by_full_name(target["before"])) for target in targets),
                  after=OrderedDict((scope_label(target), by_full_name(target["after"])) for target in targets)),
    )


def argument_spec() -> Dict[str, Any]:
    return dict(
        role=dict(type="str"),
        database=dict(type="str"),
        alter_system=dict(type="bool", default=False),
        settings=dict(type="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        reset_unspecified=dict(type="bool", default=False),
        targets=dict(type="list", elements="dict", options=dict(
            role=dict(type="str"),
            database=dict(type="str"),
            settings=dict(type="raw"),
            state=dict(type="str", choices=["present", "absent"]),
            reset_unspecified=dict(type="bool"),
        )),
    )


def main() -> None:
    module = postgres_module(argument_spec())
    run_module(module, ensure_pgaudit_settings, module.params, module.check_mode, module.warn)


if __name__ == "__main__":
    main()
