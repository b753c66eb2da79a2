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
module: pgaudit_fleet_info
short_description: Report pgAudit's state on many PostgreSQL servers at once
version_added: 0.1.0
description:
  - Read-only. What M(dbaudit.postgresql.pgaudit_info) reports, for every server of a fleet in one task (run it
    once, not per host), connecting to several servers at a time. C(audit_report.yml) and the preflight of
    C(enable_audit.yml) use it so that reading a fleet costs one module run instead of one per cluster.
  - A server that cannot be read (no connection, a failed query) is reported with C(failed) and C(msg); the
    others are read all the same.
  - The connection options at the top level are the defaults of every server; each entry of O(servers) may
    override them.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  servers:
    description: The servers to read, each named (the name keys RV(servers)), with its connection options.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The name the server's facts are returned under (for example the inventory host).
        type: str
        required: true
      login_host:
        description: As O(login_host).
        type: str
      login_port:
        description: As O(login_port).
        type: int
      login_user:
        description: As O(login_user).
        type: str
      login_password:
        description: As O(login_password).
        type: str
      login_db:
        description: As O(login_db).
        type: str
      login_unix_socket:
        description: As O(login_unix_socket).
        type: str
      ssl_mode:
        description: As O(ssl_mode).
        type: str
        choices: [allow, disable, prefer, require, verify-ca, verify-full]
      ca_cert:
        description: As O(ca_cert).
        type: path
      connect_params:
        description: As O(connect_params).
        type: dict
      login_iam_auth:
        description: As O(login_iam_auth).
        type: bool
      databases:
        description: As O(databases), for this server.
        type: list
        elements: str
      audit_role:
        description: As O(audit_role), for this server.
        type: str
      find_roles:
        description:
          - Role names to look up on this server; those that exist are returned in C(found_roles). Each name is passed
            to the server as a query parameter, so any name, quotes and semicolons included, is only a name.
          - For a preflight that must know before any change that the roles a policy names exist.
        type: list
        elements: str
      find_databases:
        description:
          - Database names to look up on this server, as O(servers[].find_roles); returned in C(found_databases).
        type: list
        elements: str
  databases:
    description:
      - The databases to report extension and object auditing facts for, on every server that does not name its
        own. Defaults to every database that allows connections (templates excluded).
    type: list
    elements: str
  audit_role:
    description:
      - An audit role to report on even if no C(pgaudit.role) setting names it, on every server that does not
        name its own.
    type: str
  listed_databases_only:
    description:
      - Report the settings stored for a database, or for a role in a database, only for the databases each
        server lists in its O(servers[].databases) (or O(databases)), and look for problems only there. Settings
        of the server, of all roles and of roles everywhere are always reported.
      - For servers that hold many databases of which a few are audited.
    type: bool
    default: false
  parallel:
    description: How many servers are read at a time.
    type: int
    default: 8
notes:
  - Problems found on a server (misspelled settings, pgAudit not preloaded) are returned in its C(problems), not
    raised as warnings, so that a fleet's report is not buried in them.
seealso:
  - module: dbaudit.postgresql.pgaudit_info
extends_documentation_fragment:
  - dbaudit.postgresql.attributes.info_module
  - dbaudit.postgresql.postgres
"""

EXAMPLES = r"""
- name: Read pgAudit on two clusters
  dbaudit.postgresql.pgaudit_fleet_info:
    login_user: audit_admin
    login_password: "{{ audit_admin_password }}"
    databases: [postgres]
    servers:
      - name: billing-prod
        login_host: billing-prod.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com
        databases: [billing]
      - name: ledger-prod
        login_host: ledger-prod.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com
  run_once: true
  register: fleet

- name: Servers where pgAudit is not loaded
  ansible.builtin.debug:
    msg: "{{ fleet.servers | dict2items | rejectattr('value.failed', 'defined')
             | rejectattr('value.preloaded') | map(attribute='key') }}"
  run_once: true
"""

RETURN = r"""
servers:
  description:
    - Per server name, what M(dbaudit.postgresql.pgaudit_info) returns (C(preloaded), C(shared_preload_libraries),
      C(library_version), C(available_versions), C(library_settings), C(databases), C(settings), C(audit_roles),
      C(login), C(problems), C(pending_restart), C(preload_sourcefile), C(config_file), C(server_version_num), ...);
      or C(failed) true and C(msg) when the server could not be read.
    - With O(servers[].find_roles) or O(servers[].find_databases), also C(found_roles) or C(found_databases), the
      names asked for that exist on the server.
  returned: always
  type: dict
  sample: {"billing-prod": {"preloaded": true, "library_version": "1.7", "problems": []},
           "ledger-prod": {"failed": true, "msg": "Could not connect to PostgreSQL at 10.0.0.5:5432 ..."}}
failed_servers:
  description: The servers that could not be read.
  returned: always
  type: list
  elements: str
  sample: ["ledger-prod"]
"""

from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from typing import Dict
from typing import List

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit_facts import server_facts
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import PostgresError
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import postgres_argument_spec
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import postgres_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import run_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal

# The connection options a server entry may override, with the type each has at the top level.
SERVER_OPTIONS = ("login_host", "login_port", "login_user", "login_password", "login_db", "login_unix_socket",
                  "ssl_mode", "ca_cert", "connect_params", "login_iam_auth")


def server_argument_spec() -> Dict[str, Any]:
    spec = OrderedDict(name=dict(type="str", required=True))
    for option in SERVER_OPTIONS:
        entry = dict((k, v) for k, v in postgres_argument_spec()[option].items() if k not in ("default", "fallback"))
        spec[option] = entry
    spec.update(databases=dict(type="list", elements="str"), audit_role=dict(type="str"),
                find_roles=dict(type="list", elements="str"), find_databases=dict(type="list", elements="str"))
    return spec


def server_params(defaults: Dict[str, Any], server: Dict[str, Any]) -> Dict[str, Any]:
    params = dict(defaults)
    params.update((option, server[option]) for option in SERVER_OPTIONS if server.get(option) is not None)
    return params


def read_server(defaults: Dict[str, Any], server: Dict[str, Any]) -> Dict[str, Any]:
    """One server's facts, or ``failed`` and ``msg`` when it cannot be read (the others are read all the same)."""
    try:
        return server_facts(server_params(defaults, server),
                            server.get("databases") or defaults["databases"],
                            server.get("audit_role") or defaults["audit_role"],
                            listed_databases_only=defaults["listed_databases_only"],
                            find_roles=server.get("find_roles"), find_databases=server.get("find_databases"))
    except PostgresError as e:
        return OrderedDict(failed=True, msg=e.message)


def check_request(servers: List[Dict[str, Any]], parallel: int) -> None:
    names = [server["name"] for server in servers]
    repeated = sorted(set(name for name in names if names.count(name) > 1))
    if repeated:
        raise Refusal("servers: each name must be given once; repeated: %s" % ", ".join(repeated))
    if parallel < 1:
        raise Refusal("parallel must be at least 1, got %d" % parallel)


def read_fleet(params: Dict[str, Any]) -> Dict[str, Any]:
    servers = params["servers"]
    check_request(servers, params["parallel"])
    with ThreadPoolExecutor(max_workers=min(params["parallel"], max(len(servers), 1))) as pool:
        facts = OrderedDict(pool.map(lambda server: (server["name"], read_server(params, server)), servers))
    return dict(changed=False, servers=facts,
                failed_servers=[name for name, result in facts.items() if result.get("failed")])


def argument_spec() -> Dict[str, Any]:
    return dict(
        servers=dict(type="list", elements="dict", required=True, options=server_argument_spec()),
        databases=dict(type="list", elements="str"),
        audit_role=dict(type="str"),
        listed_databases_only=dict(type="bool", default=False),
        parallel=dict(type="int", default=8),
    )


def main() -> None:
    module = postgres_module(argument_spec())
    run_module(module, read_fleet, module.params)


if __name__ == "__main__":
    main()
