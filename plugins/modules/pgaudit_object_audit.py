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
module: pgaudit_object_audit
short_description: Choose the tables pgAudit object auditing logs, through the audit role's privileges
version_added: 0.1.0
description:
  - pgAudit object auditing logs a statement on a table when the audit role (the value of C(pgaudit.role)) holds
    the statement's privilege on that table, whoever runs it; C(OBJECT,...,READ,SELECT,TABLE,schema.table)
    lines for C(SELECT), C(WRITE) lines for C(INSERT), C(UPDATE) and C(DELETE).
  - This module grants (V(present)) or revokes (V(absent)) those privileges for the audit role on the listed
    tables, or on every table, view and materialized view of the listed schemas. Idempotent by reading the
    privileges from the catalog; only missing privileges are granted and only held ones revoked.
  - Before granting, checks that C(pgaudit.role) is set to O(audit_role) for sessions in O(database) (set at
    the database, for all roles, or server-wide) and fails with what to do if it is not, since the grants would
    then audit nothing.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  audit_role:
    description:
      - The object auditing role (C(rds_pgaudit) on RDS and Aurora). It must exist;
        M(dbaudit.postgresql.pgaudit_extension) creates it with its
        O(dbaudit.postgresql.pgaudit_extension#module:audit_role) option.
    type: str
    required: true
  database:
    description: The database the tables are in. Defaults to O(login_db).
    type: str
  tables:
    description:
      - Tables (or views) to audit, read as PostgreSQL reads a name in SQL; C(schema.table) or C(table) (found
        through the search path), unquoted parts folded to lower case, double quotes to keep capitals, spaces or dots
        (C('"Sales"."Order Lines"')). Every name must exist.
    type: list
    elements: str
    default: []
  schemas:
    description:
      - Schemas, by exact name, whose every table, partitioned table, view, materialized view and foreign table
        is audited (the tables there when the module runs; run it again for new tables).
    type: list
    elements: str
    default: []
  privileges:
    description:
      - The statements to audit on those tables, case-insensitive; C(SELECT) (class READ), C(INSERT), C(UPDATE),
        C(DELETE) (class WRITE).
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) grants the privileges to O(audit_role), V(absent) revokes them (other privileges are kept).
    type: str
    choices: [present, absent]
    default: present
  check_audit_role_setting:
    description:
      - With O(state=present), fail unless C(pgaudit.role) is O(audit_role) for sessions in O(database). Set to
        V(false) to grant first and set C(pgaudit.role) later.
    type: bool
    default: true
notes:
  - The login user must be able to grant on the tables (their owner, a superuser, or C(rds_superuser)).
  - Privileges the audit role holds through membership in other roles count for pgAudit too; this module manages
    only the ones granted to the audit role directly.
seealso:
  - module: dbaudit.postgresql.pgaudit_extension
  - module: dbaudit.postgresql.pgaudit_settings
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - dbaudit.postgresql.postgres
"""

EXAMPLES = r"""
- name: pgaudit.role for the billing database (RDS and Aurora accept only rds_pgaudit)
  dbaudit.postgresql.pgaudit_settings:
    database: billing
    settings:
      role: rds_pgaudit

- name: Audit every read of the card and customer tables, by anyone
  dbaudit.postgresql.pgaudit_object_audit:
    database: billing
    audit_role: rds_pgaudit
    tables:
      - payments.cards
      - '"Customers"'
    privileges: [SELECT]

- name: Audit every write in the ledger schema
  dbaudit.postgresql.pgaudit_object_audit:
    database: billing
    audit_role: rds_pgaudit
    schemas: [ledger]
    privileges: [INSERT, UPDATE, DELETE]

- name: Stop auditing reads of the customers table
  dbaudit.postgresql.pgaudit_object_audit:
    database: billing
    audit_role: rds_pgaudit
    tables: ['"Customers"']
    privileges: [SELECT]
    state: absent
"""

RETURN = r"""
grants:
  description:
    - For each table the run covered, the audited privileges the audit role holds after the run (in check mode,
      would hold). Tables are named as pgAudit names them in its OBJECT_NAME field; C(schema.table), each part
      double-quoted when it needs quotes in SQL.
  returned: always
  type: dict
  sample: {"payments.cards": ["SELECT"], "public.\"Customers\"": ["SELECT"]}
audit_role:
  description: The audit role.
  returned: always
  type: str
  sample: rds_pgaudit
pgaudit_role:
  description: The value of C(pgaudit.role) for sessions in O(database), and where it is set.
  returned: always
  type: dict
  contains:
    value:
      description: The value (empty when not set).
      type: str
    set_at:
      description: V(database), V(all_roles), V(server) or V(session) (the login user's own session value).
      type: str
  sample: {"value": "rds_pgaudit", "set_at": "database"}
queries:
  description: The statements run (in check mode, the statements that would run).
  returned: always
  type: list
  elements: str
  sample: ["GRANT SELECT ON TABLE \"payments\".\"cards\" TO \"rds_pgaudit\""]
diff:
  description: The audited privileges of the covered tables before and after.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Privileges before the run.
      type: dict
    after:
      description: Privileges after the run (or as they would be, in check mode).
      type: dict
  sample: {"before": {"payments.cards": []}, "after": {"payments.cards": ["SELECT"]}}
"""

from collections import OrderedDict
from typing import Any
from typing import Dict
from typing import List
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import PRIVILEGES
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import TABLE_KINDS
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import alter_system_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import database_oid
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import role_row
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import schema_exists
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import stored_settings
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_server import table_privileges
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import SqlSession
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import connect
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import postgres_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import run_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import sql
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal

KIND_NAMES = {"S": "a sequence", "i": "an index", "I": "a partitioned index", "c": "a composite type",
              "t": "a TOAST table"}
# A table key: (schema, table, the name as pgAudit writes it in OBJECT_NAME).
Table = Tuple[str, str, str]
Grants = Dict[str, List[str]]


def normalize_privileges(given: List[str]) -> Tuple[List[str], List[str]]:
    """Privileges in catalog order and upper case; (privileges, errors)."""
    wanted, errors = set(), []
    for item in given:
        name = str(item).strip().upper()
        if name in PRIVILEGES:
            wanted.add(name)
        else:
            errors.append("privileges: %r is not one pgAudit object auditing uses (%s)" % (item, ", ".join(PRIVILEGES)))
    return [p for p in PRIVILEGES if p in wanted], errors


def qualified(key: Table) -> str:
    """A table key is (schema, table, name as pgAudit writes it); the last names it in results."""
    return key[2]


def plan_grants(held: Grants, tables: List[Table], privileges: List[str],
                state: str) -> List[Tuple[str, Table, List[str]]]:
    """``[(verb, (schema, table), [privileges])]``: what to GRANT or REVOKE, per table."""
    actions = []
    for key in tables:
        have = set(held.get(qualified(key), []))
        todo = [p for p in privileges if (p in have) == (state == "absent")]
        if todo:
            actions.append(("GRANT" if state == "present" else "REVOKE", key, todo))
    return actions


def grants_of(held: Grants, tables: List[Table]) -> Grants:
    """The privileges ``held`` names for each of ``tables`` (none for a table it does not name)."""
    return OrderedDict((qualified(key), list(held.get(qualified(key), []))) for key in tables)


def grants_after(held: Grants, tables: List[Table], actions: List[Tuple[str, Table, List[str]]]) -> Grants:
    after = grants_of(held, tables)
    for verb, key, privileges in actions:
        name = qualified(key)
        if verb == "GRANT":
            after[name] = [p for p in PRIVILEGES if p in set(after[name]) | set(privileges)]
        else:
            after[name] = [p for p in after[name] if p not in privileges]
    return after


def statement(verb: str, key: Table, privileges: List[str], role: str):
    privilege_list = sql.SQL(", ").join(sql.SQL(p) for p in PRIVILEGES if p in privileges)
    template = "GRANT {} ON TABLE {} TO {}" if verb == "GRANT" else "REVOKE {} ON TABLE {} FROM {}"
    return sql.SQL(template).format(privilege_list, sql.Identifier(key[0], key[1]), sql.Identifier(role))


def resolve_tables(session: SqlSession, names: List[str]) -> Tuple[List[Table], List[str]]:
    """Each name to a table key as PostgreSQL resolves it; (tables, errors)."""
    tables, errors = [], []
    for name in names:
        rows, error = session.attempt(
            "SELECT n.nspname, c.relname, c.relkind, format('%%I.%%I', n.nspname, c.relname) "
            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass(%s)", [name])
        if error:
            errors.append("tables: %r is not a valid table name: %s" % (name, error))
        elif not rows:
            errors.append("tables: %r does not exist in database %r (names are read as in SQL: quote capitals, "
                          "spaces and dots with double quotes)" % (name, session.conn.info.dbname))
        elif rows[0][2] not in TABLE_KINDS:
            errors.append("tables: %r is %s, not a table or view" % (name, KIND_NAMES.get(rows[0][2], "not a table")))
        else:
            tables.append((rows[0][0], rows[0][1], rows[0][3]))
    return tables, errors


def schema_tables(session: SqlSession, schemas: List[str]) -> Tuple[List[Table], List[str]]:
    tables, errors = [], []
    for schema in schemas:
        if not schema_exists(session, schema):
            errors.append("schemas: %r does not exist in database %r" % (schema, session.conn.info.dbname))
            continue
        tables.extend(tuple(row) for row in session.read(
            "SELECT n.nspname, c.relname, format('%%I.%%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = ANY(%s) ORDER BY c.relname", [schema, list(TABLE_KINDS)]))
    return tables, errors


def effective_audit_role(session: SqlSession, database: str) -> Tuple[str, str]:
    """pgaudit.role for sessions in ``database`` of roles without their own setting: (value, where set)."""
    db_oid = database_oid(session, database)
    for scope, oid in (("database", db_oid), ("all_roles", 0)):
        entries = stored_settings(session, oid, 0)
        if "role" in entries:
            return entries["role"], scope
    row = session.read_one("SELECT setting, source FROM pg_catalog.pg_settings WHERE name = 'pgaudit.role'")
    if row is None:
        return "", "server"
    if row[1] not in ("user", "database user"):
        return row[0], "server"
    # The login user's own setting hides the server's value; ALTER SYSTEM's is readable by privileged users.
    system = alter_system_settings(session)
    if system is not None and "role" in system:
        return system["role"], "server"
    return row[0], "session"


def check_request(params: Dict[str, Any]) -> List[str]:
    """The privileges asked for, once the request names tables or schemas and privileges pgAudit uses."""
    privileges, errors = normalize_privileges(params["privileges"])
    if not params["tables"] and not params["schemas"]:
        errors.append("tables, schemas: name at least one table or schema")
    if not privileges and not errors:
        errors.append("privileges: name at least one of %s" % ", ".join(PRIVILEGES))
    if errors:
        raise Refusal("; ".join(errors), reasons=errors, errors=errors)
    return privileges


def check_audit_role(session: SqlSession, role: str, database: str, params: Dict[str, Any]) -> Dict[str, str]:
    """pgaudit.role for sessions in ``database`` and where it is set (the result's ``pgaudit_role``), once ``role``
    exists and, when granting, is the role pgaudit.role names."""
    if role_row(session, role) is None:
        raise Refusal("audit_role: role %r does not exist; create it as NOLOGIN first "
                      "(dbaudit.postgresql.pgaudit_extension audit_role: %s)" % (role, role))
    pgaudit_role, set_at = effective_audit_role(session, database)
    if params["state"] == "present" and params["check_audit_role_setting"] and pgaudit_role != role:
        now = "is %r (set at %s level)" % (pgaudit_role, set_at) if pgaudit_role else "is not set"
        raise Refusal(
            "pgaudit.role %s for sessions in database %r, not %r, so these grants would audit nothing. "
            "Set it first, e.g. dbaudit.postgresql.pgaudit_settings with database: %s and settings: {role: %s} "
            "(on RDS and Aurora, pgaudit.role = rds_pgaudit in the parameter group also works), or set "
            "check_audit_role_setting: false" % (now, database, role, database, role),
            pgaudit_role=dict(value=pgaudit_role, set_at=set_at))
    return dict(value=pgaudit_role, set_at=set_at)


def covered_tables(session: SqlSession, names: List[str], schemas: List[str]) -> List[Table]:
    """The tables named and those of the schemas named, once every name resolves."""
    tables, errors = resolve_tables(session, names)
    in_schemas, schema_errors = schema_tables(session, schemas)
    errors.extend(schema_errors)
    if errors:
        raise Refusal("Nothing changed: " + "; ".join(errors), reasons=errors, errors=errors)
    return list(OrderedDict.fromkeys(tables + in_schemas))


def ensure_grants(session: SqlSession, role: str, tables: List[Table], privileges: List[str],
                  state: str) -> Tuple[bool, Grants, Grants]:
    """Grant or revoke what the plan says; (changed, privileges before, privileges after) of ``tables``."""
    held = table_privileges(session, role)
    actions = plan_grants(held, tables, privileges, state)
    for verb, key, todo in actions:
        session.change(statement(verb, key, todo, role))
    session.commit()
    if actions and not session.check_mode:
        after = grants_of(table_privileges(session, role), tables)
    else:
        after = grants_after(held, tables, actions)
    return bool(actions), grants_of(held, tables), after


def ensure_object_audit(params: Dict[str, Any], check_mode: bool) -> Dict[str, Any]:
    role = params["audit_role"]
    database = params["database"] or params["login_db"]
    privileges = check_request(params)
    session = SqlSession(connect(params, dbname=database), check_mode=check_mode)
    pgaudit_role = check_audit_role(session, role, database, params)
    tables = covered_tables(session, params["tables"], params["schemas"])
    changed, before, after = ensure_grants(session, role, tables, privileges, params["state"])
    session.close()
    return dict(changed=changed, grants=after, audit_role=role, queries=session.queries, pgaudit_role=pgaudit_role,
                diff=dict(before=before, after=after))


def argument_spec() -> Dict[str, Any]:
    return dict(
        audit_role=dict(type="str", required=True),
        database=dict(type="str"),
        tables=dict(type="list", elements="str", default=[]),
        schemas=dict(type="list", elements="str", default=[]),
        privileges=dict(type="list", elements="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        check_audit_role_setting=dict(type="bool", default=True),
    )


def main() -> None:
    module = postgres_module(argument_spec())
    run_module(module, ensure_object_audit, module.params, module.check_mode)


if __name__ == "__main__":
    main()
