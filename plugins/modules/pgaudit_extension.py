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
module: pgaudit_extension
short_description: Create, update or drop the pgaudit extension in one or more databases
version_added: 0.1.0
description:
  - Manages the C(pgaudit) extension, which is per database, in each of O(databases).
  - Before anything else, checks that C(pgaudit) is in C(shared_preload_libraries) (it must be loaded at server
    start) and fails with what to do if it is not, instead of the server's C(CREATE EXTENSION) error.
  - Also validates O(version) against the versions the server has and O(schema) in every database before
    the first change, so a bad input changes nothing.
  - Optionally ensures the C(NOLOGIN) role that object auditing uses (O(audit_role), C(rds_pgaudit) on RDS and
    Aurora) exists.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  databases:
    description:
      - The databases to manage the extension in, by exact name. Defaults to O(login_db).
    type: list
    elements: str
    aliases: [database]
  state:
    description:
      - V(present) creates the extension where it is missing (at O(version) when given, and updates to
        O(version) where another version is installed).
      - V(latest) creates it where missing and updates it to the server's default version everywhere.
      - V(absent) drops it. pgAudit settings are kept; without the extension, pgAudit still audits through the
        preloaded library but cannot name the objects of DDL statements.
    type: str
    choices: [present, absent, latest]
    default: present
  version:
    description:
      - The extension version to install or update to, one of the server's C(pg_available_extension_versions).
        Only with O(state=present).
    type: str
  schema:
    description:
      - The schema to create the extension in (its event trigger functions live there). An installed extension in
        another schema is moved. The schema must exist. Only with O(state=present) or O(state=latest).
    type: str
  audit_role:
    description:
      - A role for object auditing (the value of C(pgaudit.role)) to create as C(NOLOGIN) if it does not exist;
        on RDS and Aurora it must be C(rds_pgaudit). An existing role is left as it is (the module warns if it can
        log in). Not dropped with O(state=absent).
    type: str
  preload_pending:
    description:
      - In check mode only - the server does not load pgaudit yet, but a reboot earlier in the same check run (of a
        parameter group change that adds it) would make it load, so the creation the real run would make is shown
        instead of the refusal. Outside check mode a server that does not load pgaudit is always refused.
    type: bool
    default: false
notes:
  - C(CREATE EXTENSION pgaudit) needs a superuser (C(rds_superuser) on RDS and Aurora).
  - Create the extension before setting C(pgaudit.log).
seealso:
  - module: dbaudit.postgresql.pgaudit_settings
  - module: dbaudit.postgresql.pgaudit_info
  - module: dbaudit.postgresql.rds_parameter_group
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - dbaudit.postgresql.postgres
"""

EXAMPLES = r"""
- name: Create pgaudit in the application databases, and the object auditing role
  dbaudit.postgresql.pgaudit_extension:
    login_host: prod-db.cluster-abc.eu-west-1.rds.amazonaws.com
    login_user: dbadmin
    login_iam_auth: true
    aws_region: eu-west-1
    databases: [billing, orders]
    audit_role: rds_pgaudit

- name: Keep pgaudit at the newest version the server has (after an engine upgrade)
  dbaudit.postgresql.pgaudit_extension:
    databases: [billing, orders]
    state: latest

- name: Remove the extension from a database
  dbaudit.postgresql.pgaudit_extension:
    databases: scratch
    state: absent
"""

RETURN = r"""
databases:
  description:
    - Per database, the extension's version before and after the run (null when not installed), its schema
      and the statements run in that database.
  returned: always
  type: dict
  sample: {"billing": {"version_before": null, "version_after": "1.7", "schema": "public",
           "queries": ["CREATE EXTENSION \"pgaudit\""]}}
versions_before:
  description: The installed version per database before the run (null when not installed).
  returned: always
  type: dict
  sample: {"billing": null}
versions_after:
  description: The installed version per database after the run (in check mode, as it would be).
  returned: always
  type: dict
  sample: {"billing": "1.7"}
default_version:
  description: The version C(CREATE EXTENSION) installs when none is named (the library's).
  returned: always
  type: str
  sample: "1.7"
available_versions:
  description: The versions the server can install.
  returned: always
  type: list
  elements: str
  sample: ["1.7"]
shared_preload_libraries:
  description: The server's preloaded libraries.
  returned: always
  type: list
  elements: str
  sample: ["pg_stat_statements", "pgaudit"]
audit_role:
  description: The audit role, when O(audit_role) is given.
  returned: when O(audit_role) is given
  type: dict
  contains:
    name:
      description: The role's name.
      type: str
    created:
      description: Whether the run created it (or would, in check mode).
      type: bool
  sample: {"name": "rds_pgaudit", "created": true}
queries:
  description:
    - The statements run (in check mode, that would run), in order; RV(databases) tells which ran where.
  returned: always
  type: list
  elements: str
  sample: ["CREATE ROLE \"rds_pgaudit\" NOLOGIN", "CREATE EXTENSION \"pgaudit\""]
diff:
  description: The installed version per database before and after.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Versions before the run.
      type: dict
    after:
      description: Versions after the run (or as they would be, in check mode).
      type: dict
  sample: {"before": {"billing": null}, "after": {"billing": "1.7"}}
"""

from collections import OrderedDict
from typing import Any
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import EXTENSION
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import NOT_PRELOADED
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import existing_databases
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import extension_state
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import preload
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import role_row
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import schema_exists
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import SqlSession
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import connect
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import postgres_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import run_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import sql
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal

# A step of a database's plan: ("create", version, schema), ("update", version), ("schema", schema), ("drop",).
Step = Tuple[Optional[str], ...]
# Per database: its session, its extension state before the run, and its steps.
Plan = Tuple[SqlSession, Dict[str, Any], List[Step]]


def plan_extension(state: str, installed: Optional[str], current_schema: Optional[str],
                   default_version: Optional[str], version: Optional[str] = None,
                   schema: Optional[str] = None) -> List[Step]:
    """The steps for one database: ('create', version, schema), ('update', version), ('schema', schema), ('drop',)."""
    if state == "absent":
        return [("drop",)] if installed else []
    if not installed:
        return [("create", version if state == "present" else None, schema)]
    steps: List[Step] = []
    target = version if state == "present" else default_version
    if target and installed != target:
        steps.append(("update", target if state == "present" else None))
    if schema and current_schema != schema:
        steps.append(("schema", schema))
    return steps


def version_after(installed: Optional[str], default_version: Optional[str], steps: List[Step]) -> Optional[str]:
    for step in steps:
        if step[0] == "create" or step[0] == "update":
            installed = step[1] or default_version
        elif step[0] == "drop":
            installed = None
    return installed


def statement(step: Step):
    name = sql.Identifier(EXTENSION)
    if step[0] == "create":
        query = sql.SQL("CREATE EXTENSION {}").format(name)
        if step[2]:
            query = sql.SQL("{} SCHEMA {}").format(query, sql.Identifier(step[2]))
        if step[1]:
            query = sql.SQL("{} VERSION {}").format(query, sql.Literal(step[1]))
        return query
    if step[0] == "update":
        if step[1]:
            return sql.SQL("ALTER EXTENSION {} UPDATE TO {}").format(name, sql.Literal(step[1]))
        return sql.SQL("ALTER EXTENSION {} UPDATE").format(name)
    if step[0] == "schema":
        return sql.SQL("ALTER EXTENSION {} SET SCHEMA {}").format(name, sql.Identifier(step[1]))
    return sql.SQL("DROP EXTENSION {}").format(name)


def check_inputs(state: str, version: Optional[str], schema: Optional[str], databases: List[str]) -> None:
    if version and state != "present":
        raise Refusal("version: only with state=present (state=latest updates to the default version)")
    if schema and state == "absent":
        raise Refusal("schema: not with state=absent")
    if not all(databases):
        raise Refusal("databases: an empty database name was given")


def check_server(session: SqlSession, databases: List[str], state: str, version: Optional[str],
                 preload_pending: bool, warn: Callable[[str], None]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The preload and extension state of the server, once the extension can be managed in ``databases``."""
    loaded = preload(session)
    if state != "absent" and not loaded["preloaded"]:
        if not (session.check_mode and preload_pending):
            raise Refusal(NOT_PRELOADED % loaded["raw"], shared_preload_libraries=loaded["shared_preload_libraries"])
        warn("pgaudit is not loaded yet (shared_preload_libraries = %r); shown as it will be once the predicted "
             "reboot has loaded it" % loaded["raw"])
    server = extension_state(session)
    if state != "absent" and not server["available_versions"]:
        raise Refusal("the pgaudit extension is not installed on the server (no pg_available_extensions "
                      "entry): install the pgaudit package for this PostgreSQL version")
    if version and version not in server["available_versions"]:
        raise Refusal("version: pgaudit %r is not available on this server (available: %s)"
                      % (version, ", ".join(server["available_versions"]) or "none"))
    existing = existing_databases(session, databases, allowing_connections=True)
    missing = [db for db in databases if db not in existing]
    if missing:
        raise Refusal("databases: %s do not exist or do not allow connections, nothing changed"
                      % ", ".join(repr(db) for db in missing))
    return loaded, server


def plan_databases(params: Dict[str, Any], databases: List[str], check_mode: bool) -> Dict[str, Plan]:
    """Read and plan every database first, so a bad input anywhere changes nothing anywhere."""
    state, schema = params["state"], params["schema"]
    plans: Dict[str, Plan] = OrderedDict()
    for database in databases:
        session = SqlSession(connect(params, dbname=database), check_mode=check_mode, queries=[])
        current = extension_state(session)
        if schema and state != "absent" and not schema_exists(session, schema):
            raise Refusal("schema: %r does not exist in database %r, nothing changed" % (schema, database))
        steps = plan_extension(state, current["installed_version"], current["schema"], current["default_version"],
                               version=params["version"], schema=schema)
        plans[database] = (session, current, steps)
    return plans


def ensure_audit_role(session: SqlSession, name: str, warn: Callable[[str], None]) -> bool:
    """Create the NOLOGIN audit role if missing; return whether it was (or would be) created."""
    found = role_row(session, name)
    if found is not None:
        if found["can_login"]:
            warn("audit_role %r can log in; an object auditing role is meant to be NOLOGIN" % name)
        return False
    created = session.create(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))
    session.commit()
    return created


def ensure_extension(session: SqlSession, steps: List[Step]) -> bool:
    """Run the steps; a CREATE EXTENSION that another run won leaves the extension it made."""
    changed = False
    for step in steps:
        if step[0] == "create":
            changed = session.create(statement(step)) or changed
        else:
            session.change(statement(step))
            changed = True
    session.commit()
    return changed


def ensure_database(plan: Plan, schema: Optional[str]) -> Tuple[bool, Dict[str, Any]]:
    """Carry out one database's plan: (changed, its entry of ``databases``)."""
    session, current, steps = plan
    changed = ensure_extension(session, steps)
    if changed and not session.check_mode:
        after_state = extension_state(session)
        after, after_schema = after_state["installed_version"], after_state["schema"]
    else:
        after = version_after(current["installed_version"], current["default_version"], steps)
        after_schema = None if after is None else (
            schema or current["schema"] or session.read_one("SELECT current_schema()")[0])
    session.close()
    return changed, dict(version_before=current["installed_version"], version_after=after, schema=after_schema,
                         queries=session.queries)


def ensure_pgaudit_extension(params: Dict[str, Any], check_mode: bool, warn: Callable[[str], None]) -> Dict[str, Any]:
    state, schema = params["state"], params["schema"]
    databases = list(OrderedDict.fromkeys(params["databases"] or [params["login_db"]]))
    check_inputs(state, params["version"], schema, databases)
    main_session = SqlSession(connect(params), check_mode=check_mode, queries=[])
    loaded, server = check_server(main_session, databases, state, params["version"], params["preload_pending"],
                                  warn)
    plans = plan_databases(params, databases, check_mode)

    result: Dict[str, Any] = dict(
        changed=False, databases=OrderedDict(), versions_before=OrderedDict(), versions_after=OrderedDict(),
        default_version=server["default_version"], available_versions=server["available_versions"],
        shared_preload_libraries=loaded["shared_preload_libraries"])
    if params["audit_role"] and state != "absent":
        created = ensure_audit_role(main_session, params["audit_role"], warn)
        result["audit_role"] = dict(name=params["audit_role"], created=created)
        result["changed"] = created
    main_session.close()
    queries = list(main_session.queries)
    for database, plan in plans.items():
        changed, entry = ensure_database(plan, schema)
        queries.extend(entry["queries"])
        result["changed"] = result["changed"] or changed
        result["databases"][database] = entry
        result["versions_before"][database] = entry["version_before"]
        result["versions_after"][database] = entry["version_after"]
    result["queries"] = queries
    result["diff"] = dict(before=result["versions_before"], after=result["versions_after"])
    return result


def argument_spec() -> Dict[str, Any]:
    return dict(
        databases=dict(type="list", elements="str", aliases=["database"]),
        state=dict(type="str", default="present", choices=["present", "absent", "latest"]),
        version=dict(type="str"),
        schema=dict(type="str"),
        audit_role=dict(type="str"),
        preload_pending=dict(type="bool", default=False),
    )


def main() -> None:
    module = postgres_module(argument_spec())
    run_module(module, ensure_pgaudit_extension, module.params, module.check_mode, module.warn)


if __name__ == "__main__":
    main()
