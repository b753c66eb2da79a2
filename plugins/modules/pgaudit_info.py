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
module: pgaudit_info
short_description: Report pgAudit's state on a PostgreSQL server
version_added: 0.1.0
description:
  - Read-only facts about pgAudit on one server; whether the library is preloaded, the available and installed
    extension versions per database, every pgAudit setting at every scope (server, C(ALTER SYSTEM), all roles,
    database, role, role in database) with C(pgaudit.log) parsed into the classes it audits, the audit roles and
    the table privileges through which they audit objects.
  - Misspelled or unreadable pgAudit settings (PostgreSQL silently stores C(pgaudit.logg)) are listed in
    RV(problems) and reported as warnings.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  databases:
    description:
      - The databases to report extension and object auditing facts for. Defaults to every database that allows
        connections (templates excluded). Settings are reported for all databases either way.
    type: list
    elements: str
    aliases: [database]
  audit_role:
    description:
      - An audit role to report on even if no C(pgaudit.role) setting names it (for example C(rds_pgaudit) before
        it is set). Roles that C(pgaudit.role) names anywhere are always reported.
    type: str
notes:
  - Settings stored with C(ALTER SYSTEM) are reported only when the login user may read C(pg_file_settings)
    (a superuser or a member of C(pg_read_all_settings)).
  - A database the login user cannot connect to is reported with an C(error) instead of failing the module.
seealso:
  - module: dbaudit.postgresql.pgaudit_settings
  - module: dbaudit.postgresql.pgaudit_extension
  - module: dbaudit.postgresql.pgaudit_object_audit
extends_documentation_fragment:
  - dbaudit.postgresql.attributes.info_module
  - dbaudit.postgresql.postgres
"""

EXAMPLES = r"""
- name: Read pgAudit's state
  dbaudit.postgresql.pgaudit_info:
  register: pgaudit

- name: pgAudit is loaded and no setting is misspelled
  ansible.builtin.assert:
    that:
      - pgaudit.preloaded
      - pgaudit.problems | length == 0
    fail_msg: "{{ pgaudit.problems }}"

- name: The scopes where pgaudit.log is set
  ansible.builtin.debug:
    msg: >-
      {{ pgaudit.settings | rejectattr('scope', 'equalto', 'server')
         | selectattr('settings', 'contains', 'pgaudit.log') }}
"""

RETURN = r"""
preloaded:
  description: Whether C(pgaudit) is in C(shared_preload_libraries) (without it nothing is audited).
  returned: always
  type: bool
  sample: true
shared_preload_libraries:
  description: The server's preloaded libraries.
  returned: always
  type: list
  elements: str
  sample: ["pg_stat_statements", "pgaudit"]
shared_preload_libraries_raw:
  description: C(shared_preload_libraries) as the server shows it.
  returned: always
  type: str
  sample: "pg_stat_statements,pgaudit"
pending_restart:
  description:
    - Whether a changed C(shared_preload_libraries) waits for a server restart (C(pg_settings.pending_restart)) -
      the configuration file was changed and reloaded, the running server still has the old list.
  returned: always
  type: bool
  sample: false
preload_sourcefile:
  description: The file that sets C(shared_preload_libraries), and RV(preload_sourceline) its line; null when it is
    not set in a file or the login may not see it (superuser or C(pg_read_all_settings) only).
  returned: always
  type: str
  sample: /etc/postgresql/16/main/postgresql.conf
preload_sourceline:
  description: The line of RV(preload_sourcefile) that sets C(shared_preload_libraries).
  returned: always
  type: int
  sample: 761
config_file:
  description: The server's main configuration file; null when the login may not see it.
  returned: always
  type: str
  sample: /etc/postgresql/16/main/postgresql.conf
server_version_num:
  description: The server's version number (C(server_version_num)), for example 150020 for 15.20.
  returned: always
  type: int
  sample: 150020
library_version:
  description: The version of the pgAudit library files on the server (null when none is installed).
  returned: always
  type: str
  sample: "1.7"
available_versions:
  description: The extension versions the server can install.
  returned: always
  type: list
  elements: str
  sample: ["1.7"]
library_settings:
  description: The pgaudit.* settings the loaded library defines (empty when it is not loaded).
  returned: always
  type: list
  elements: str
  sample: ["pgaudit.log", "pgaudit.role"]
databases:
  description:
    - Per database, the installed extension version (null when not installed) and its schema, and per audit role
      the audited privileges it holds there, or C(error) when the database could not be read.
  returned: always
  type: dict
  sample: {"billing": {"installed_version": "1.7", "schema": "public",
           "audit_role_grants": {"rds_pgaudit": {"payments.cards": ["SELECT"]}}}}
settings:
  description:
    - Every scope that has pgAudit settings. The C(server) scope is what the login session sees in
      C(pg_settings) for every setting (with its C(source) and C(default)); C(alter_system) the values
      C(ALTER SYSTEM) stored; C(all_roles), C(database), C(role) and C(role_in_database) the rows of
      C(pg_db_role_setting).
    - Each setting has C(value) (as stored), C(known) (a setting pgAudit has), and C(classes) (for
      C(pgaudit.log), the classes it audits), C(parsed) (others), or C(error) (a value pgAudit would refuse).
  returned: always
  type: list
  elements: dict
  contains:
    scope:
      description: V(server), V(alter_system), V(all_roles), V(database), V(role) or V(role_in_database).
      type: str
    database:
      description: The database, for V(database) and V(role_in_database).
      type: str
    role:
      description: The role, for V(role) and V(role_in_database).
      type: str
    settings:
      description: The settings by full name.
      type: dict
  sample: [{"scope": "role", "role": "app_user", "database": null,
            "settings": {"pgaudit.log": {"value": "DDL, role", "known": true, "classes": ["role", "ddl"]}}}]
audit_roles:
  description: The roles C(pgaudit.role) names anywhere (and O(audit_role)), whether each exists and can log in.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "rds_pgaudit", "exists": true, "can_login": false, "set_at": ["server"]}]
login:
  description:
    - The login user and what it may do. C(may_manage_audit) is true for a superuser, or on RDS and Aurora for a
      member of C(rds_superuser); only they may create the extension and set C(pgaudit.*) per role and database.
  returned: always
  type: dict
  sample: {"user": "postgres", "superuser": true, "createrole": true, "rds_superuser": false, "may_manage_audit": true}
problems:
  description: Settings that are misspelled (unknown pgaudit.* names) or whose stored value pgAudit would refuse.
  returned: always
  type: list
  elements: str
  sample: ["role 'app_user': pgaudit.logg is not a pgAudit setting (misspelled?)"]
"""

from typing import Any
from typing import Callable
from typing import Dict

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_facts import server_facts
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import postgres_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import run_module


def read_pgaudit_info(params: Dict[str, Any], warn: Callable[[str], None]) -> Dict[str, Any]:
    facts = server_facts(params, params["databases"], params["audit_role"])
    for problem in facts["problems"]:
        warn(problem)
    return dict(changed=False, **facts)


def argument_spec() -> Dict[str, Any]:
    return dict(
        databases=dict(type="list", elements="str", aliases=["database"]),
        audit_role=dict(type="str"),
    )


def main() -> None:
    module = postgres_module(argument_spec())
    run_module(module, read_pgaudit_info, module.params, module.warn)


if __name__ == "__main__":
    main()
