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
    C(/aws/rds/instance/<instance>/postgresql). AWS creates that log group on the first exported line without
    a retention, and then the log never expires. Give O(retention_days) and the module makes each exported
    log type's group with that retention first (as M(dbaudit.postgresql.logs_log_group) does), in the same call.
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
  retention_days:
    description:
      - Before the export is turned on, the log group of each of O(log_types) exists with this many days of
        retention, as M(dbaudit.postgresql.logs_log_group) makes it (created when missing, an existing group's
        retention set to this one when it differs). A log group is never deleted.
      - Only the values CloudWatch Logs accepts; any other is refused before any change.
        A number given as a string (V("2557") from C(-e)) is accepted.
      - Only with O(state=present). Left out, the module does not touch the log groups.
    type: int
    choices: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
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
  - "IAM permissions: C(rds:DescribeDBClusters) or C(rds:DescribeDBInstances), C(rds:ModifyDBCluster) or
    C(rds:ModifyDBInstance); with O(retention_days) also C(logs:DescribeLogGroups), C(logs:CreateLogGroup) and
    C(logs:PutRetentionPolicy) on the log groups C(/aws/rds/cluster/*) or C(/aws/rds/instance/*)."
  - The log group is made, or its retention set, before the export is turned on; a refusal (a missing cluster,
    an instance of an Aurora cluster, a retention CloudWatch Logs does not accept) comes before either.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Export the PostgreSQL log to /aws/rds/cluster/prod-db/postgresql, made first with a year of retention
  dbaudit.postgresql.rds_log_exports:
    cluster_identifier: prod-db
    retention_days: 365

- name: Export the PostgreSQL log (the log group left as it is, or as RDS makes it)
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
log_group:
  description:
    - The log group of the one log type of O(log_types) after the task (in check mode, what it would be), in the
      shape M(dbaudit.postgresql.logs_log_group) returns it, with whether it existed before the task.
  returned: when O(retention_days) is given and O(log_types) names one log type
  type: dict
  contains:
    log_group_name:
      description: Name of the log group.
      type: str
      returned: always
      sample: /aws/rds/cluster/prod-db/postgresql
    retention_in_days:
      description: Retention in days.
      type: int
      returned: always
      sample: 365
    existed:
      description: Whether the log group existed before the task.
      type: bool
      returned: always
      sample: false
    arn:
      description: ARN of the log group.
      type: str
      returned: when the group exists (not in check mode before a create)
      sample: arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/cluster/prod-db/postgresql:*
    stored_bytes:
      description: Bytes stored in the group, as CloudWatch Logs reports them.
      type: int
      returned: when the group exists (not in check mode before a create)
      sample: 0
existed:
  description: Whether the log group of RV(log_group) existed before the task (as M(dbaudit.postgresql.logs_log_group)
    returns it).
  returned: when O(retention_days) is given and O(log_types) names one log type
  type: bool
  sample: false
retained_log_groups:
  description: The log group of each of O(log_types), in the shape of RV(log_group), by log type name order.
  returned: when O(retention_days) is given
  type: list
  elements: dict
  sample: [{"log_group_name": "/aws/rds/cluster/prod-db/postgresql", "retention_in_days": 365, "existed": false}]
diff:
  description:
    - The exported log types before and after; with O(retention_days), also each log group's existence and
      retention (C(log_groups), by name). Returned in diff mode.
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

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs_group import ensure_log_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs_group import shown
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs_retention import ALLOWED_RETENTION_DAYS
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
    """RDS's log group of each log type: /aws/rds/cluster/<cluster>/<type> or /aws/rds/instance/<instance>/<type>."""
    return [f"/aws/rds/{kind}/{identifier}/{log_type}" for log_type in sorted(set(log_types))]


def settled(description: Optional[Dict], wanted: List[str], status_key: str) -> bool:
    """The description shows exactly ``wanted`` as enabled, nothing pending, and the resource available."""
    if not description:
        return False
    pending = (description.get("PendingModifiedValues") or {}).get("PendingCloudwatchLogsExports")
    return (sorted(description.get("EnabledCloudwatchLogsExports") or []) == sorted(wanted)
            and not pending and description.get(status_key) == "available")


def options_problem(log_types: List[str], state: str, retention_days: Optional[int]) -> Optional[str]:
    """What is wrong with the options the argument spec cannot check (it has checked the retention's choices)."""
    if not log_types:
        return "log_types must name at least one log type, for example postgresql"
    if retention_days is not None and state != "present":
        return ("retention_days is for state=present (the log group of an export being turned on); stopping an "
                "export keeps the log group as it is")
    return None


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def read_target(client, kind: str, identifier: str) -> Dict:
    """The cluster's (instance's) description; a Refusal, before any change, when it cannot export."""
    describe = describe_cluster if kind == "cluster" else describe_instance
    label = "DB cluster" if kind == "cluster" else "DB instance"
    description = describe(client, identifier)
    if description is None:
        raise Refusal(f"{label} {identifier} does not exist; nothing was changed")
    if kind == "instance" and description.get("DBClusterIdentifier"):
        raise Refusal(f"DB instance {identifier} belongs to cluster {description['DBClusterIdentifier']}, which "
                      "exports the logs of all its instances: give cluster_identifier instead; nothing was changed")
    return description


def ensure_log_groups(client, check_mode: bool, names: List[str], retention_days: int) -> List[Dict]:
    """Each group exists with ``retention_days``; per group: changed, its state before (diff) and after (returned)."""
    outcomes = []
    for name in names:
        changed, before, after = ensure_log_group(client, check_mode, name, retention_days,
                                                  keep_existing_retention=False)
        outcomes.append({"changed": changed, "before": shown(before), "group": dict(after, existed=before is not None)})
    return outcomes


def ensure_exports(client, check_mode: bool, kind: str, identifier: str, description: Dict, log_types: List[str],
                   state: str, wait: bool, wait_timeout: int) -> Dict:
    describe = describe_cluster if kind == "cluster" else describe_instance
    modify = modify_cluster if kind == "cluster" else modify_instance
    status_key = "Status" if kind == "cluster" else "DBInstanceStatus"
    label = "DB cluster" if kind == "cluster" else "DB instance"

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
    problem = options_problem(params["log_types"], params["state"], params["retention_days"])
    if problem:
        module.fail_json(msg=problem)
    client = module.client("rds")
    if params["cluster_identifier"]:
        kind, identifier = "cluster", identifier_from_arn(params["cluster_identifier"])
    else:
        kind, identifier = "instance", identifier_from_arn(params["db_instance_identifier"])

    description = read_target(client, kind, identifier)
    # RDS names the log group after the identifier as it stores it (lower case), whatever spelling was given.
    identifier = description.get("DBClusterIdentifier" if kind == "cluster" else "DBInstanceIdentifier", identifier)
    groups = []  # type: List[Dict]
    if params["retention_days"] is not None:
        logs = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
        groups = ensure_log_groups(logs, module.check_mode, log_group_names(kind, identifier, params["log_types"]),
                                   params["retention_days"])
    outcome = ensure_exports(client, module.check_mode, kind, identifier, description, params["log_types"],
                             params["state"], params["wait"], params["wait_timeout"])

    result = {
        "changed": outcome["changed"] or any(g["changed"] for g in groups),
        "enabled_log_types": outcome["after"],
        "log_groups": log_group_names(kind, identifier, [t for t in params["log_types"] if t in outcome["after"]]),
    }
    if params["retention_days"] is not None:
        result["retained_log_groups"] = [g["group"] for g in groups]
        if len(groups) == 1:
            result["log_group"] = groups[0]["group"]
            result["existed"] = groups[0]["group"]["existed"]
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": {"enabled_log_types": outcome["before"]},
                          "after": {"enabled_log_types": outcome["after"]}}
        if groups:
            result["diff"]["before"]["log_groups"] = {g["group"]["log_group_name"]: g["before"] for g in groups}
            result["diff"]["after"]["log_groups"] = {
                g["group"]["log_group_name"]: {"exists": True, "retention_in_days": g["group"]["retention_in_days"]}
                for g in groups}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        cluster_identifier=dict(type="str"),
        db_instance_identifier=dict(type="str"),
        log_types=dict(type="list", elements="str", default=["postgresql"]),
        retention_days=dict(type="int", choices=list(ALLOWED_RETENTION_DAYS)),
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
