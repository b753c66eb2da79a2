# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""pgAudit's state on one server, as pgaudit_info returns it and pgaudit_fleet_info returns it per server.

``server_facts(params, databases, audit_role)`` connects with the connection options in ``params``, reads the
server-wide facts on ``login_db`` and then each database in turn. A failed connection to the login database or a
failed query raises ``PostgresError``: pgaudit_info fails with it, pgaudit_fleet_info reports that server failed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import describe
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import full_name
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import version_text
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import all_stored_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import alter_system_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import connectable_databases
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import existing_databases
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import existing_roles
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import extension_state
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import library_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import library_version
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import login_privileges
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import preload
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import restart_state
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import role_row
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import server_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import table_privileges
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import PostgresError
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import SqlSession
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import connect


def scope_of(database: Optional[str], role: Optional[str]) -> str:
    if database is None and role is None:
        return "all_roles"
    if role is None:
        return "database"
    if database is None:
        return "role"
    return "role_in_database"


def scope_label(entry: Dict[str, Any]) -> str:
    """``role 'app' in database 'billing'``, ``database 'billing'``, ``all roles``, ``server``."""
    if entry["scope"] == "all_roles":
        return "all roles"
    parts = []
    if entry.get("role") is not None:
        parts.append("role %r" % entry["role"])
    if entry.get("database") is not None:
        parts.append("database %r" % entry["database"])
    return " in ".join(parts) or entry["scope"].replace("_", " ")


def described(entries: Dict[str, str]) -> Dict[str, Dict[str, Any]]:
    return OrderedDict((full_name(name), describe(name, value)) for name, value in entries.items())


def problems_of(entry: Dict[str, Any]) -> List[str]:
    found = []
    for name, facts in entry["settings"].items():
        if not facts.get("known", True):
            found.append("%s: %s is not a pgAudit setting (misspelled?)" % (scope_label(entry), name))
        elif facts.get("error"):
            found.append("%s: %s = %r: %s" % (scope_label(entry), name, facts["value"], facts["error"]))
    return found


def collect_settings(session, only_databases: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    """Every scope with pgAudit settings; with ``only_databases``, database and role-in-database scopes of
    those databases only."""
    scopes = []
    server = server_settings(session)
    server_entry = OrderedDict()
    for name, facts in server.items():
        entry = describe(name, facts["value"])
        entry.update(source=facts["source"], default=facts["default"])
        server_entry[name] = entry
    scopes.append(dict(scope="server", database=None, role=None, settings=server_entry))
    system = alter_system_settings(session)
    if system:
        scopes.append(dict(scope="alter_system", database=None, role=None, settings=described(system)))
    for row in all_stored_settings(session):
        if only_databases is not None and row["database"] is not None and row["database"] not in only_databases:
            continue
        scopes.append(dict(scope=scope_of(row["database"], row["role"]), database=row["database"], role=row["role"],
                           settings=described(row["settings"])))
    return scopes


def audit_roles(session, scopes: List[Dict[str, Any]], extra: Optional[str]) -> List[Dict[str, Any]]:
    named = OrderedDict()
    if extra:
        named[extra] = []
    for entry in scopes:
        value = entry["settings"].get("pgaudit.role", {}).get("value")
        if value:
            named.setdefault(value, []).append(scope_label(entry))
    roles = []
    for name, where in named.items():
        found = role_row(session, name)
        roles.append(dict(name=name, exists=found is not None, can_login=bool(found and found["can_login"]),
                          set_at=where))
    return roles


def database_facts(params: Dict[str, Any], database: str, roles: List[Dict[str, Any]],
                   session: Optional[SqlSession] = None) -> Dict[str, Any]:
    """The extension and the audit roles' grants in one database, on ``session`` when it is connected to it
    (the login database), else on a connection of its own (one that cannot be made is the database's ``error``)."""
    own = session is None
    if own:
        try:
            session = SqlSession(connect(params, dbname=database))
        except PostgresError as e:
            return dict(error=e.message)
    try:
        state = extension_state(session)
        grants = OrderedDict((role["name"], table_privileges(session, role["name"]))
                             for role in roles if role["exists"])
    finally:
        if own:
            session.close()
    return dict(installed_version=state["installed_version"], schema=state["schema"], audit_role_grants=grants)


def server_facts(params: Dict[str, Any], databases: Optional[List[str]] = None, audit_role: Optional[str] = None,
                 listed_databases_only: bool = False, find_roles: Optional[List[str]] = None,
                 find_databases: Optional[List[str]] = None) -> Dict[str, Any]:
    """Everything pgaudit_info reports (without ``changed``); ``problems`` also lists a missing preload. With
    ``listed_databases_only`` (and ``databases`` given), settings stored for other databases are left out.
    ``find_roles`` / ``find_databases``: names looked up, returned as ``found_roles`` / ``found_databases``
    (those that exist), for a preflight that must know before any change."""
    # Autocommit: a read-only reader keeps no transaction open while it visits the other databases.
    session = SqlSession(connect(params, autocommit=True))
    try:
        loaded = preload(session)
        restart = restart_state(session)
        login = login_privileges(session)
        server = extension_state(session)
        scopes = collect_settings(session, databases if listed_databases_only and databases else None)
        roles = audit_roles(session, scopes, audit_role)
        databases = databases or connectable_databases(session)
        defined = library_settings(session) or []
        here = session.conn.info.dbname
        found = OrderedDict()
        if find_roles is not None:
            found["found_roles"] = existing_roles(session, find_roles)
        if find_databases is not None:
            found["found_databases"] = existing_databases(session, find_databases)
        per_database = OrderedDict((db, database_facts(params, db, roles, session if db == here else None))
                                   for db in databases)
    finally:
        session.close()

    problems = []
    for entry in scopes:
        problems.extend(problems_of(entry))
    if not loaded["preloaded"]:
        problems.insert(0, "pgaudit is not in shared_preload_libraries (%r): nothing is audited" % loaded["raw"])
    version = library_version(server)
    return OrderedDict(
        preloaded=loaded["preloaded"],
        shared_preload_libraries=loaded["shared_preload_libraries"],
        shared_preload_libraries_raw=loaded["raw"],
        pending_restart=restart["pending_restart"],
        preload_sourcefile=restart["sourcefile"],
        preload_sourceline=restart["sourceline"],
        config_file=restart["config_file"],
        server_version_num=restart["server_version_num"],
        library_version=version_text(version) if version else None,
        available_versions=server["available_versions"],
        library_settings=defined,
        databases=per_database,
        settings=scopes,
        audit_roles=roles,
        login=login,
        problems=problems,
        **found
    )
