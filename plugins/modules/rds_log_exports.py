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
module: rds_log_exports
short_description: Export the PostgreSQL log of an Aurora cluster or RDS instance to CloudWatch Logs
version_added: 0.1.0
description:
  - Enables or disables the export of log types (by default C(postgresql), the server log pgAudit
    writes to) of an Aurora cluster or a standalone RDS instance to CloudWatch Logs.
  - Other log types already exported are left as they are.
  - Aurora exports to C(/aws/rds/cluster/<cluster>/postgresql), RDS to
    C(/aws/rds/instance/<instance>/postgresql). Create that log group with a retention beforehand,
    or AWS creates it without one and the log never expires.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  cluster_identifier:
    description:
      - Identifier (or ARN) of the Aurora cluster. Exactly one of O(cluster_identifier) and
        O(db_instance_identifier) is required.
    type: str
  db_instance_identifier:
    description:
      - Identifier (or ARN) of a standalone RDS instance. The instances of an Aurora cluster export
        through their cluster; give O(cluster_identifier) for them.
    type: str
  log_types:
    description: The log types to export (or stop exporting).
    type: list
    elements: str
    default: [postgresql]
  state:
    description: V(present) exports the log types, V(absent) stops exporting them.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until the change shows in the cluster's (instance's) description and it is available.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 900
notes:
  - AWS applies this change at once (it ignores C(ApplyImmediately) here); none is sent, so other
    modifications waiting for the maintenance window stay there.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log group with a retention first
  dbaudit.postgresql.logs_log_group:
    log_group_name: /aws/rds/cluster/prod-db/postgresql
    retention_days: 365

- name: Export the PostgreSQL log
  dbaudit.postgresql.rds_log_exports:
    cluster_identifier: prod-db

- name: Stop exporting it from an RDS instance
  dbaudit.postgresql.rds_log_exports:
    db_instance_identifier: reporting
    state: absent
"""

RETURN = r"""
enabled_log_types:
  description: The log types exported after the task (all of them, not only O(log_types)).
  returned: always
  type: list
  elements: str
  sample: ["postgresql"]
log_groups:
  description: The CloudWatch Logs groups the exported O(log_types) go to.
  returned: always
  type: list
  elements: str
  sample: ["/aws/rds/cluster/prod-db/postgresql"]
diff:
  description: The exported log types before and after. Returned in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Before the task.
      type: dict
      returned: always
    after:
      description: After the task.
      type: dict
      returned: always
"""

from typing import Dict
from typing import List
from typing import Optional


from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instance
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import identifier_from_arn
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import modify_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import modify_instance
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import wait_for
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def exported_log_types(description: Dict) -> List[str]:
    """The log types exported once pending changes land: enabled, plus pending enables, minus pending disables."""
    pending = (description.get("PendingModifiedValues") or {}).get("PendingCloudwatchLogsExports") or {}
    exported = list(description.get("EnabledCloudwatchLogsExports") or [])
    for log_type in pending.get("LogTypesToEnable") or []:
        if log_type not in exported:
            exported.append(log_type)
    disabled = set(pending.get("LogTypesToDisable") or [])
    return sorted(t for t in exported if t not in disabled)


def export_change(exported: List[str], log_types: List[str], state: str) -> Dict[str, List[str]]:
    """The CloudwatchLogsExportConfiguration reaching ``state`` for ``log_types`` (empty lists: nothing to do)."""
    if state == "present":
        return {"EnableLogTypes": sorted(t for t in set(log_types) if t not in exported), "DisableLogTypes": []}
    return {"EnableLogTypes": [], "DisableLogTypes": sorted(t for t in set(log_types) if t in exported)}


def after_change(exported: List[str], change: Dict[str, List[str]]) -> List[str]:
    return sorted((set(exported) | set(change["EnableLogTypes"])) - set(change["DisableLogTypes"]))


def log_group_names(kind: str, identifier: str, log_types: List[str]) -> List[str]:
    return [f"/aws/rds/{kind}/{identifier}/{log_type}" for log_type in sorted(set(log_types))]


def settled(description: Optional[Dict], wanted: List[str], status_key: str) -> bool:
    """The description shows exactly ``wanted`` as enabled, nothing pending, and the resource available."""
    if not description:
        return False
    pending = (description.get("PendingModifiedValues") or {}).get("PendingCloudwatchLogsExports")
    return (sorted(description.get("EnabledCloudwatchLogsExports") or []) == sorted(wanted)
            and not pending and description.get(status_key) == "available")


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def ensure_exports(client, check_mode: bool, kind: str, identifier: str, log_types: List[str], state: str,
                   wait: bool, wait_timeout: int) -> Dict:
    describe = describe_cluster if kind == "cluster" else describe_instance
    modify = modify_cluster if kind == "cluster" else modify_instance
    status_key = "Status" if kind == "cluster" else "DBInstanceStatus"
    label = "DB cluster" if kind == "cluster" else "DB instance"

    description = describe(client, identifier)
    if description is None:
        raise Refusal(f"{label} {identifier} does not exist")
    if kind == "instance" and description.get("DBClusterIdentifier"):
        raise Refusal(f"DB instance {identifier} belongs to cluster {description['DBClusterIdentifier']}, which "
                      "exports the logs of all its instances: give cluster_identifier instead")
    before = exported_log_types(description)
    change = export_change(before, log_types, state)
    after = after_change(before, change)
    changed = bool(change["EnableLogTypes"] or change["DisableLogTypes"])
    if changed and not check_mode:
        modify(client, identifier, {"CloudwatchLogsExportConfiguration": change})
    if wait and not check_mode and (changed or before != sorted(description.get("EnabledCloudwatchLogsExports") or [])):
        described = wait_for(lambda: describe(client, identifier), lambda d: settled(d, after, status_key),
                             f"{label} {identifier} to export log types {after or 'none'}", wait_timeout,
                             show=lambda d: (f"status {(d or {}).get(status_key)}, exporting "
                                             f"{(d or {}).get('EnabledCloudwatchLogsExports')}"))
        after = exported_log_types(described)
    return {"changed": changed, "before": before, "after": after}


def do(module) -> None:
    params = module.params
    client = module.client("rds")
    if params["cluster_identifier"]:
        kind, identifier = "cluster", identifier_from_arn(params["cluster_identifier"])
    else:
        kind, identifier = "instance", identifier_from_arn(params["db_instance_identifier"])
    if not params["log_types"]:
        module.fail_json(msg="log_types must name at least one log type, for example postgresql")
    outcome = ensure_exports(client, module.check_mode, kind, identifier, params["log_types"], params["state"],
                             params["wait"], params["wait_timeout"])
    result = {
        "changed": outcome["changed"],
        "enabled_log_types": outcome["after"],
        "log_groups": log_group_names(kind, identifier, [t for t in params["log_types"] if t in outcome["after"]]),
    }
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": {"enabled_log_types": outcome["before"]},
                          "after": {"enabled_log_types": outcome["after"]}}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        cluster_identifier=dict(type="str"),
        db_instance_identifier=dict(type="str"),
        log_types=dict(type="list", elements="str", default=["postgresql"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
    )
    module = DbauditAWSModule(
        argument_spec=argument_spec,
        required_one_of=[["cluster_identifier", "db_instance_identifier"]],
        mutually_exclusive=[["cluster_identifier", "db_instance_identifier"]],
        supports_check_mode=True,
    )
    module.run(do)


if __name__ == "__main__":
    main()
