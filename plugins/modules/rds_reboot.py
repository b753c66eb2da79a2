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
module: rds_reboot
short_description: Apply pending parameter changes by rebooting instances one at a time
version_added: 0.1.0
description:
  - Reboots the instances of an Aurora cluster (or one standalone RDS instance) whose parameter
    groups wait for a reboot (C(ParameterApplyStatus) or C(DBClusterParameterGroupStatus) is
    C(pending-reboot)), so static parameters such as C(shared_preload_libraries) take effect.
  - Readers first, the writer last, one at a time. Before each reboot the module waits for the
    instance to be C(available); after it, for the instance to be C(available) with every parameter
    group C(in-sync), and only then goes on to the next one.
  - In check mode nothing is rebooted; RV(rebooted) lists what would be, in order.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  cluster_identifier:
    description:
      - Identifier (or ARN) of the Aurora cluster. Exactly one of O(cluster_identifier) and
        O(db_instance_identifier) is required.
    type: str
  db_instance_identifier:
    description: Identifier (or ARN) of a single instance (a standalone one, or one cluster member).
    type: str
  only_if_pending:
    description:
      - Reboot only instances with a parameter change pending a reboot. V(false) reboots every instance
        (still one at a time, readers first).
    type: bool
    default: true
  failover:
    description:
      - For a cluster, fail over to a reader (one already rebooted and in sync) instead of rebooting the
        writer in place, which shortens the write outage; the old writer restarts as a reader (and is
        rebooted too if that did not apply its pending changes).
      - For a standalone Multi-AZ instance, reboot with C(ForceFailover).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for each instance to become available and in sync.
    type: int
    default: 1800
extends_documentation_fragment:
  - dbaudit.postgresql.attributes.info_module
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Apply pgAudit's shared_preload_libraries change, readers first
  dbaudit.postgresql.rds_reboot:
    cluster_identifier: prod-db
  register: reboot

- name: What would be rebooted
  dbaudit.postgresql.rds_reboot:
    cluster_identifier: prod-db
  check_mode: true

- name: Writer by failover
  dbaudit.postgresql.rds_reboot:
    cluster_identifier: prod-db
    failover: true
"""

RETURN = r"""
rebooted:
  description: Instances rebooted, in order (in check mode, those that would be).
  returned: always
  type: list
  elements: str
  sample: ["prod-db-2", "prod-db-3", "prod-db-1"]
not_pending:
  description:
    - Instances not rebooted because nothing was pending for them, including one that another run (a concurrent
      job, say) rebooted while this one waited for it. (Not named C(skipped), a key Ansible reserves for skipped
      tasks.)
  returned: always
  type: list
  elements: str
  sample: []
failed_over_to:
  description: The reader promoted to writer when O(failover) was used on a cluster.
  returned: when a cluster failed over
  type: str
  sample: prod-db-2
instances:
  description: The instances after the task (see M(dbaudit.postgresql.rds_parameter_group_attachment)).
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
      description: DBClusterParameterGroupStatus on this member (null for a standalone instance).
      type: str
      returned: always
      sample: in-sync
    pending_reboot:
      description: Whether a parameter change still waits for a reboot.
      type: bool
      returned: always
      sample: false
"""

from typing import Dict
from typing import List
from typing import Optional


from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instance
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import failover_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import identifier_from_arn
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import is_settled
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import read_members
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import reboot_instance
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import reboot_order
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import wait_for
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def plan_reboots(members: List[Dict], only_if_pending: bool, instance_id: Optional[str] = None) -> List[Dict]:
    """The members to reboot, readers first and the writer last; one member when ``instance_id`` is given."""
    chosen = [m for m in members if instance_id is None or m["db_instance_identifier"] == instance_id]
    return [m for m in reboot_order(chosen) if m["pending_reboot"] or not only_if_pending]


def member(members: List[Dict], identifier: str) -> Optional[Dict]:
    for candidate in members:
        if candidate["db_instance_identifier"] == identifier:
            return candidate
    return None


def show_member(value: Optional[Dict]) -> str:
    if not value:
        return "instance not found"
    return (f"status {value['status']}, parameter group {value['parameter_apply_status']}, "
            f"cluster parameter group {value['cluster_parameter_group_status']}")


def failover_target(members: List[Dict], writer_id: str) -> Optional[str]:
    """A reader to promote: settled (rebooted and in sync), first by identifier."""
    readers = [m for m in members if m["db_instance_identifier"] != writer_id and not m["writer"] and is_settled(m)]
    return readers[0]["db_instance_identifier"] if readers else None


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


class Rebooter:
    """Reboots members one at a time, waiting before and after each."""

    def __init__(self, client, cluster_id: Optional[str], instance_id: Optional[str], wait_timeout: int):
        self.client = client
        self.cluster_id = cluster_id
        self.instance_id = instance_id
        self.wait_timeout = wait_timeout

    def read(self) -> List[Dict]:
        return read_members(self.client, self.cluster_id, self.instance_id)

    def wait_member(self, identifier: str, done, what: str) -> Dict:
        return wait_for(lambda: member(self.read(), identifier), lambda m: m is not None and done(m),
                        f"DB instance {identifier} {what}", self.wait_timeout, show=show_member)

    def reboot(self, identifier: str, force_failover: bool = False, only_if_pending: bool = False) -> bool:
        """Reboot one member once it is available; with ``only_if_pending``, not when the wait ends with nothing
        pending (another run rebooted it meanwhile: two reboots for one change would be a needless outage)."""
        ready = self.wait_member(identifier, lambda m: m["status"] == "available", "to be available before its reboot")
        if only_if_pending and not ready["pending_reboot"]:
            return False
        reboot_instance(self.client, identifier, force_failover)
        self.wait_member(identifier, is_settled, "to be available and in-sync after its reboot")
        return True

    def fail_over(self, writer_id: str) -> Optional[str]:
        """Promote a settled reader; then make sure the old writer applied its changes. Returns the new writer."""
        target = failover_target(self.read(), writer_id)
        if target is None:
            self.reboot(writer_id)
            return None
        failover_cluster(self.client, self.cluster_id, target)
        wait_for(self.read,
                 lambda ms: bool(member(ms, target)) and member(ms, target)["writer"]
                 and all(m["status"] == "available" for m in ms),
                 f"cluster {self.cluster_id} to fail over to {target}", self.wait_timeout,
                 show=lambda ms: "; ".join(f"{m['db_instance_identifier']}: writer={m['writer']}, {show_member(m)}"
                                           for m in ms))
        old_writer = member(self.read(), writer_id)
        if old_writer and old_writer["pending_reboot"]:
            self.reboot(writer_id)
        else:
            self.wait_member(writer_id, is_settled, "to be available and in-sync after the failover")
        return target


def ensure_rebooted(rebooter: Rebooter, check_mode: bool, only_if_pending: bool, failover: bool,
                    single_instance: Optional[str]) -> Dict:
    members = rebooter.read()
    if not members:
        what = f"DB cluster {rebooter.cluster_id}" if rebooter.cluster_id else f"DB instance {rebooter.instance_id}"
        raise Refusal(f"{what} does not exist (or has no instances)")
    targets = plan_reboots(members, only_if_pending, single_instance)
    target_ids = [t["db_instance_identifier"] for t in targets]
    not_pending = [m["db_instance_identifier"] for m in reboot_order(members)
                   if m["db_instance_identifier"] not in target_ids
                   and (single_instance is None or m["db_instance_identifier"] == single_instance)]
    result = {"changed": bool(targets), "rebooted": target_ids, "not_pending": not_pending}
    if check_mode or not targets:
        result["instances"] = members
        return result
    rebooted = []
    for target in targets:
        identifier = target["db_instance_identifier"]
        if failover and target["writer"] and rebooter.cluster_id:
            new_writer = rebooter.fail_over(identifier)
            rebooted.append(identifier)
            if new_writer:
                result["failed_over_to"] = new_writer
        elif rebooter.reboot(identifier, force_failover=failover and not rebooter.cluster_id,
                             only_if_pending=only_if_pending):
            rebooted.append(identifier)
        else:
            not_pending.append(identifier)
    result.update(changed=bool(rebooted), rebooted=rebooted, instances=rebooter.read())
    return result


def do(module) -> None:
    params = module.params
    client = module.client("rds")
    cluster_id = identifier_from_arn(params["cluster_identifier"]) if params["cluster_identifier"] else None
    instance_id = identifier_from_arn(params["db_instance_identifier"]) if params["db_instance_identifier"] else None
    single = None
    if instance_id:
        # A cluster member is rebooted in its cluster's context, where its cluster group status lives.
        instance = describe_instance(client, instance_id)
        if instance and instance.get("DBClusterIdentifier"):
            cluster_id, single = instance["DBClusterIdentifier"], instance_id
            instance_id = None
    rebooter = Rebooter(client, cluster_id, instance_id, params["wait_timeout"])
    result = ensure_rebooted(rebooter, module.check_mode, params["only_if_pending"], params["failover"], single)
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        cluster_identifier=dict(type="str"),
        db_instance_identifier=dict(type="str"),
        only_if_pending=dict(type="bool", default=True),
        failover=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
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
