# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the pgAudit modules read from a server, through a :class:`SqlSession`: the preload state,
the pgAudit versions, the settings stored per role / database (``pg_db_role_setting``) and with
``ALTER SYSTEM``, roles, databases and the audit role's table privileges. Read-only: the modules
make their changes themselves, so each change is visible where it is made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import EXTENSION
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import is_preloaded
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import parse_setconfig
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import parse_version
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import pgaudit_entries
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import preload_libraries

PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# What GRANT ... ON ALL TABLES IN SCHEMA covers: tables, partitioned tables, views, materialized
# views and foreign tables.
TABLE_KINDS = ("r", "p", "v", "m", "f")

NOT_PRELOADED = (
    "pgaudit is not in shared_preload_libraries (it is %r), so the pgaudit extension cannot be created "
    "and pgAudit settings do nothing. Add pgaudit to shared_preload_libraries, keeping the libraries already "
    "there: on RDS and Aurora in the DB (cluster) parameter group (dbaudit.postgresql.rds_parameter_group), "
    "self-managed in postgresql.conf; then restart (reboot) the server.")


def preload(session) -> Dict[str, Any]:
    raw = session.read_one("SHOW shared_preload_libraries")[0]
    return {"shared_preload_libraries": preload_libraries(raw), "preloaded": is_preloaded(raw), "raw": raw}


def restart_state(session) -> Dict[str, Any]:
    """What a self-managed server's preload needs: whether a changed shared_preload_libraries waits for a restart
    (pg_settings.pending_restart, set once postgresql.conf was changed and reloaded), the file that sets it and
    the server's main configuration file (both null unless the login may read them: superuser or
    pg_read_all_settings), and the server version number."""
    pending, sourcefile, sourceline, version = session.read_one(
        "SELECT pending_restart, sourcefile, sourceline, current_setting('server_version_num')::int "
        "FROM pg_catalog.pg_settings WHERE name = 'shared_preload_libraries'")
    config = session.read_one("SELECT setting FROM pg_catalog.pg_settings WHERE name = 'config_file'")
    return {"pending_restart": bool(pending), "sourcefile": sourcefile, "sourceline": sourceline,
            "config_file": config[0] if config else None, "server_version_num": version}


def extension_state(session) -> Dict[str, Any]:
    """pgAudit's versions as the connected database sees them: the library files' default version,
    every version CREATE EXTENSION could install, and what this database has installed (and where)."""
    row = session.read_one(
        "SELECT a.default_version, e.extversion, n.nspname FROM pg_catalog.pg_available_extensions a "
        "LEFT JOIN pg_catalog.pg_extension e ON e.extname = a.name "
        "LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE a.name = %s", [EXTENSION])
    versions = [r[0] for r in session.read(
        "SELECT version FROM pg_catalog.pg_available_extension_versions WHERE name = %s", [EXTENSION])]
    versions.sort(key=lambda v: parse_version(v) or (0,))
    return {
        "default_version": row[0] if row else None,
        "installed_version": row[1] if row else None,
        "schema": row[2] if row else None,
        "available_versions": versions,
    }


def library_version(state: Dict[str, Any]):
    """The version of the pgAudit library files (what decides which settings exist)."""
    return parse_version(state.get("default_version") or state.get("installed_version"))


def library_settings(session) -> Optional[List[str]]:
    """The pgaudit.* settings the loaded library defines; None when it is not loaded (unknown)."""
    names = [r[0] for r in session.read(
        "SELECT name FROM pg_catalog.pg_settings WHERE name LIKE 'pgaudit.%' ORDER BY name")]
    return names or None


def role_row(session, name: str) -> Optional[Dict[str, Any]]:
    row = session.read_one(
        "SELECT oid, rolsuper, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = %s", [name])
    return {"oid": row[0], "superuser": row[1], "can_login": row[2]} if row else None


def existing_roles(session, names: List[str]) -> List[str]:
    """Which of ``names`` are roles of the server. Each name is a parameter, never part of the SQL text."""
    if not names:
        return []
    return [r[0] for r in session.read(
        "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY(%s) ORDER BY rolname", [list(names)])]


def existing_databases(session, names: List[str], allowing_connections: bool = False) -> List[str]:
    """Which of ``names`` are databases of the server (each name a parameter); with ``allowing_connections``,
    only those that allow connections."""
    if not names:
        return []
    condition = " AND datallowconn" if allowing_connections else ""
    return [r[0] for r in session.read(
        "SELECT datname FROM pg_catalog.pg_database WHERE datname = ANY(%s)" + condition + " ORDER BY datname",
        [list(names)])]


def schema_exists(session, name: str) -> bool:
    """Whether the connected database has a schema of that exact name."""
    return session.read_one("SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = %s", [name])[0] > 0


def login_privileges(session) -> Dict[str, Any]:
    """Who the module logged in as, and whether it may manage auditing: create the extension and set
    ``pgaudit.*`` (a superuser-only setting) per role and database. On RDS and Aurora a member of
    ``rds_superuser`` may; elsewhere only a superuser."""
    row = session.read_one(
        "SELECT r.rolname, r.rolsuper, r.rolcreaterole, "
        "CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'rds_superuser') "
        "THEN pg_catalog.pg_has_role(r.oid, 'rds_superuser', 'MEMBER') ELSE false END "
        "FROM pg_catalog.pg_roles r WHERE r.rolname = current_user")
    user, superuser, createrole, rds_superuser = row
    return {"user": user, "superuser": bool(superuser), "createrole": bool(createrole),
            "rds_superuser": bool(rds_superuser), "may_manage_audit": bool(superuser or rds_superuser)}


def database_oid(session, name: str) -> Optional[int]:
    row = session.read_one("SELECT oid FROM pg_catalog.pg_database WHERE datname = %s", [name])
    return row[0] if row else None


def is_rds(session) -> bool:
    """RDS and Aurora PostgreSQL have an rds_superuser role; self-managed servers do not."""
    return session.read_one("SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = 'rds_superuser'")[0] > 0


def stored_settings(session, database: Optional[int], role: Optional[int]) -> Dict[str, str]:
    """The pgaudit.* entries of one pg_db_role_setting row (oid 0 = every database / every role)."""
    row = session.read_one(
        "SELECT setconfig FROM pg_catalog.pg_db_role_setting WHERE setdatabase = %s AND setrole = %s",
        [database or 0, role or 0])
    return pgaudit_entries(parse_setconfig(row[0] if row else None))


def all_stored_settings(session) -> List[Dict[str, Any]]:
    """Every pg_db_role_setting row with pgaudit.* entries, with role and database names."""
    rows = session.read(
        "SELECT d.datname, r.rolname, s.setconfig FROM pg_catalog.pg_db_role_setting s "
        "LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
        "LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole "
        "ORDER BY d.datname NULLS FIRST, r.rolname NULLS FIRST")
    found = []
    for database, role, setconfig in rows:
        entries = pgaudit_entries(parse_setconfig(setconfig))
        if entries:
            found.append({"database": database, "role": role, "settings": entries})
    return found


def can_read_file_settings(session) -> bool:
    return bool(session.read_one(
        "SELECT has_table_privilege('pg_catalog.pg_file_settings', 'SELECT')")[0])


def alter_system_settings(session) -> Optional[Dict[str, str]]:
    """The pgaudit.* entries ALTER SYSTEM wrote (postgresql.auto.conf); None when not readable."""
    if not can_read_file_settings(session):
        return None
    rows = session.read(
        "SELECT name, setting FROM pg_catalog.pg_file_settings "
        "WHERE sourcefile LIKE '%postgresql.auto.conf' AND name LIKE 'pgaudit.%' ORDER BY seqno")
    return pgaudit_entries(OrderedDict((name, setting) for name, setting in rows))


def server_settings(session) -> Dict[str, Dict[str, Any]]:
    """pgaudit.* as this session sees them (pg_settings): value, source, and the boot default."""
    rows = session.read(
        "SELECT name, setting, source, boot_val, sourcefile FROM pg_catalog.pg_settings "
        "WHERE name LIKE 'pgaudit.%' ORDER BY name")
    return OrderedDict((name, {"value": setting, "source": source, "default": boot_val, "sourcefile": sourcefile})
                       for name, setting, source, boot_val, sourcefile in rows)


def table_privileges(session, grantee: str) -> Dict[str, List[str]]:
    """``{'schema.table': ['SELECT', ...]}``: the table privileges ``grantee`` holds directly, tables named
    as pgAudit names them in OBJECT_NAME (``public.orders``, ``"Sales"."Order Lines"``)."""
    rows = session.read(
        "SELECT format('%%I.%%I', n.nspname, c.relname), a.privilege_type FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "JOIN pg_catalog.pg_roles r ON r.oid = a.grantee "
        "WHERE r.rolname = %s AND c.relkind = ANY(%s) AND a.privilege_type = ANY(%s) "
        "ORDER BY n.nspname, c.relname, a.privilege_type",
        [grantee, list(TABLE_KINDS), list(PRIVILEGES)])
    held: Dict[str, List[str]] = OrderedDict()
    for table, privilege in rows:
        held.setdefault(table, []).append(privilege)
    # SELECT, INSERT, UPDATE, DELETE: the order the modules report privileges in everywhere.
    return OrderedDict((table, sorted(privileges, key=PRIVILEGES.index)) for table, privileges in held.items())


def connectable_databases(session) -> List[str]:
    return [r[0] for r in session.read(
        "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname")]
