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
module: rds_parameter_group_attachment
short_description: Make an Aurora cluster or RDS instance use given parameter groups
version_added: 0.1.0
description:
  - Ensures an Aurora PostgreSQL cluster uses a given DB cluster parameter group and, optionally, that
    every instance of the cluster uses a given DB parameter group; or that a standalone RDS for
    PostgreSQL instance uses a given DB parameter group.
  - Both groups must exist and be of the family of the cluster's (instance's) engine version; this is
    checked before anything is changed.
  - Attaching a group does not restart anything. Static parameters of the new group take effect after a
    reboot; the instances that wait for one are returned in RV(pending_reboot) (reboot them with
    M(dbaudit.postgresql.rds_reboot)).
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
      - Identifier (or ARN) of a standalone RDS instance (not a cluster member; use
        O(cluster_identifier) for those).
    type: str
  cluster_parameter_group:
    description: Name of the DB cluster parameter group the cluster must use. Only with O(cluster_identifier).
    type: str
  db_parameter_group:
    description:
      - Name of the DB parameter group the instance (with O(cluster_identifier), every instance of the
        cluster) must use.
    type: str
  planned_groups:
    description:
      - In check mode, a group that does not exist is taken as the one an earlier task of the same check run
        predicted it would create (check mode creates nothing), so the attachment is shown instead of refused,
        and every instance is shown pending the reboot that the new group's static parameters need.
      - Ignored outside check mode, where a missing group is always refused.
    type: bool
    default: false
  wait:
    description: Wait until the cluster and its instances are available with the new groups.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 900
notes:
  - The association itself takes effect at once in AWS, so no C(ApplyImmediately) is sent; sending it
    would also apply any other modification waiting for the maintenance window.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Aurora cluster on its pgAudit cluster group
  dbaudit.postgresql.rds_parameter_group_attachment:
    cluster_identifier: prod-db
    cluster_parameter_group: prod-db-audit
  register: attached

- name: Reboot what waits for it
  dbaudit.postgresql.rds_reboot:
    cluster_identifier: prod-db
  when: attached.pending_reboot | length > 0

- name: RDS for PostgreSQL instance on its group
  dbaudit.postgresql.rds_parameter_group_attachment:
    db_instance_identifier: reporting
    db_parameter_group: reporting-audit
"""

RETURN = r"""
cluster_parameter_group:
  description: The DB cluster parameter group the cluster uses after the task.
  returned: with O(cluster_identifier)
  type: str
  sample: prod-db-audit
instances:
  description: The instances, with the groups they use and their apply status after the task.
  returned: always
  type: list
  elements: dict
  contains:
    db_instance_identifier:
      description: Instance identifier.
      type: str
      returned: always
      sample: prod-db-1
    writer:
      description: Whether it is the cluster's writer (always true for a standalone instance).
      type: bool
      returned: always
      sample: true
    status:
      description: DBInstanceStatus.
      type: str
      returned: always
      sample: available
    db_instance_class:
      description: Instance class.
      type: str
      returned: always
      sample: db.r6g.large
    db_parameter_group:
      description: The DB parameter group it uses.
      type: str
      returned: always
      sample: default.aurora-postgresql16
    parameter_apply_status:
      description: ParameterApplyStatus of its DB parameter group.
      type: str
      returned: always
      sample: in-sync
    cluster_parameter_group_status:
      description: DBClusterParameterGroupStatus of the cluster group on this member (null for a standalone instance).
      type: str
      returned: always
      sample: pending-reboot
    pending_reboot:
      description: Whether a parameter change waits for a reboot of this instance.
      type: bool
      returned: always
      sample: true
pending_reboot:
  description: Identifiers of the instances waiting for a reboot to apply parameter changes.
  returned: always
  type: list
  elements: str
  sample: ["prod-db-1", "prod-db-2"]
diff:
  description: The groups in use before and after. Returned in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Groups before the task.
      type: dict
      returned: always
    after:
      description: Groups after the task.
      type: dict
      returned: always
"""

from typing import Dict
from typing import List
from typing import Optional


from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import cluster_members
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_cluster_instances
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instance
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import identifier_from_arn
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import modify_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import modify_instance
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import read_members
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import wait_for
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import family_of
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def family_problem(kind: str, group_name: str, group: Optional[Dict], engine: str,
                   engine_version: str) -> Optional[str]:
    """Why ``group`` cannot serve an engine version: missing, or of another family."""
    if group is None:
        return f"{kind} {group_name} does not exist; create it first (dbaudit.postgresql.rds_parameter_group)"
    wanted = family_of(engine, engine_version)
    family = group.get("DBParameterGroupFamily")
    if wanted and family and family != wanted:
        return f"{kind} {group_name} is of family {family}, but {engine} {engine_version} needs family {wanted}"
    return None


def instances_to_move(instances: List[Dict], group_name: str) -> List[str]:
    """Identifiers of the instances not using DB parameter group ``group_name``."""
    moving = []
    for instance in instances:
        names = [g.get("DBParameterGroupName") for g in instance.get("DBParameterGroups") or []]
        if group_name not in names:
            moving.append(instance["DBInstanceIdentifier"])
    return sorted(moving)


def settled_on(members: List[Dict], db_parameter_group: Optional[str]) -> bool:
    """Every instance available and using ``db_parameter_group``, nothing still ``applying``."""
    return bool(members) and all(
        m["status"] == "available"
        and "applying" not in (m["parameter_apply_status"], m["cluster_parameter_group_status"])
        and (db_parameter_group is None or m["db_parameter_group"] == db_parameter_group)
        for m in members)


def _show_members(members: List[Dict]) -> str:
    return ", ".join(f"{m['db_instance_identifier']}={m['status']}/{m['parameter_apply_status']}"
                     f"/{m['cluster_parameter_group_status']}" for m in members) or "no instances"


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def group_or_planned(client, scope: str, name: str, planned: bool) -> Optional[Dict]:
    """The group, or (a check run that predicted its creation) a stand-in of no known family."""
    group = describe_parameter_group(client, scope, name)
    return {"planned": True} if group is None and planned else group


def plan_cluster_attachment(client, cluster_id: str, cluster_group: Optional[str], db_group: Optional[str],
                            planned: bool = False) -> Dict:
    cluster = describe_cluster(client, cluster_id)
    if cluster is None:
        raise Refusal(f"DB cluster {cluster_id} does not exist")
    engine, version = cluster.get("Engine"), cluster.get("EngineVersion")
    instances = describe_cluster_instances(client, cluster_id)
    problems = []
    if cluster_group:
        problems.append(family_problem("DB cluster parameter group", cluster_group,
                                       group_or_planned(client, "cluster", cluster_group, planned), engine, version))
    if db_group:
        problems.append(family_problem("DB parameter group", db_group,
                                       group_or_planned(client, "instance", db_group, planned), engine, version))
    problems = [p for p in problems if p]
    if problems:
        raise Refusal(f"Cannot attach to cluster {cluster_id}: " + "; ".join(problems)
                      + ". Nothing was changed.")

    current_group = cluster.get("DBClusterParameterGroup")
    move_cluster = bool(cluster_group) and current_group != cluster_group
    moving = instances_to_move(instances, db_group) if db_group else []
    before = {"cluster_parameter_group": current_group,
              "db_parameter_groups": {m["db_instance_identifier"]: m["db_parameter_group"]
                                      for m in cluster_members(cluster, instances)}}
    after = {"cluster_parameter_group": cluster_group if move_cluster else current_group,
             "db_parameter_groups": {k: (db_group if k in moving else v)
                                     for k, v in before["db_parameter_groups"].items()}}
    return {"changed": move_cluster or bool(moving), "move_cluster": move_cluster, "moving": moving,
            "before": before, "after": after, "cluster": cluster, "instances": instances}


def plan_instance_attachment(client, instance_id: str, db_group: str, planned: bool = False) -> Dict:
    instance = describe_instance(client, instance_id)
    if instance is None:
        raise Refusal(f"DB instance {instance_id} does not exist")
    if instance.get("DBClusterIdentifier"):
        raise Refusal(f"DB instance {instance_id} belongs to cluster {instance['DBClusterIdentifier']}: "
                      "give cluster_identifier (and db_parameter_group) instead")
    problem = family_problem("DB parameter group", db_group, group_or_planned(client, "instance", db_group, planned),
                             instance.get("Engine"), instance.get("EngineVersion"))
    if problem:
        raise Refusal(f"Cannot attach to instance {instance_id}: {problem}. Nothing was changed.")
    moving = instances_to_move([instance], db_group)
    before = {"db_parameter_groups": {m["db_instance_identifier"]: m["db_parameter_group"]
                                      for m in cluster_members(None, [instance])}}
    after = {"db_parameter_groups": {instance_id: db_group}}
    return {"changed": bool(moving), "move_cluster": False, "moving": moving, "before": before, "after": after,
            "cluster": None, "instances": [instance]}


def ensure_attached(client, check_mode: bool, cluster_id: Optional[str], instance_id: Optional[str],
                    cluster_group: Optional[str], db_group: Optional[str], planned: bool = False) -> Dict:
    """Check everything, then (unless in check mode) move the cluster and the instances to the groups."""
    planned = planned and check_mode
    if cluster_id:
        plan = plan_cluster_attachment(client, cluster_id, cluster_group, db_group, planned)
    else:
        plan = plan_instance_attachment(client, instance_id, db_group, planned)
    if plan["changed"] and not check_mode:
        if plan["move_cluster"]:
            modify_cluster(client, cluster_id, {"DBClusterParameterGroupName": cluster_group})
        for moving_id in plan["moving"]:
            modify_instance(client, moving_id, {"DBParameterGroupName": db_group})
    return plan


def do(module) -> None:
    params = module.params
    client = module.client("rds")
    cluster_id = identifier_from_arn(params["cluster_identifier"]) if params["cluster_identifier"] else None
    instance_id = identifier_from_arn(params["db_instance_identifier"]) if params["db_instance_identifier"] else None
    cluster_group, db_group = params["cluster_parameter_group"], params["db_parameter_group"]
    if cluster_id and not (cluster_group or db_group):
        module.fail_json(msg="give cluster_parameter_group, db_parameter_group or both")
    if instance_id and cluster_group:
        module.fail_json(msg="cluster_parameter_group applies to clusters: give cluster_identifier instead of "
                             "db_instance_identifier")

    plan = ensure_attached(client, module.check_mode, cluster_id, instance_id, cluster_group, db_group,
                           params["planned_groups"])
    if plan["changed"] and not module.check_mode and params["wait"]:
        members = wait_for(lambda: read_members(client, cluster_id, instance_id),
                           lambda m: settled_on(m, db_group),
                           f"the instances of {cluster_id or instance_id} to be available on their new groups",
                           params["wait_timeout"], show=_show_members)
    elif plan["changed"] and not module.check_mode:
        members = read_members(client, cluster_id, instance_id)
    else:
        members = cluster_members(plan["cluster"], plan["instances"])
        if module.check_mode and plan["changed"]:
            # What AWS will show: moved instances use the new group, not yet applied.
            for member in members:
                if member["db_instance_identifier"] in plan["moving"]:
                    member["db_parameter_group"] = db_group
                # A new group's static parameters (shared_preload_libraries) wait for a reboot of every instance.
                if params["planned_groups"]:
                    member["pending_reboot"] = True

    result = {
        "changed": plan["changed"],
        "instances": members,
        "pending_reboot": [m["db_instance_identifier"] for m in members if m["pending_reboot"]],
    }
    if cluster_id:
        result["cluster_parameter_group"] = plan["after"]["cluster_parameter_group"]
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": plan["before"], "after": plan["after"]}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        cluster_identifier=dict(type="str"),
        db_instance_identifier=dict(type="str"),
        cluster_parameter_group=dict(type="str"),
        db_parameter_group=dict(type="str"),
        planned_groups=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
    )
    module = DbauditAWSModule(
        argument_spec=argument_spec,
        required_one_of=[["cluster_identifier", "db_instance_identifier"]],
        mutually_exclusive=[["cluster_identifier", "db_instance_identifier"]],
        required_by={"db_instance_identifier": ["db_parameter_group"]},
        supports_check_mode=True,
    )
    module.run(do)


if __name__ == "__main__":
    main()
