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
module: rds_activity_stream
short_description: Start or stop the Database Activity Stream of an Aurora PostgreSQL cluster
version_added: 0.1.0
description:
  - Starts or stops the Database Activity Stream (DAS) of an Aurora PostgreSQL cluster. AWS sends the
    cluster's activity, encrypted with a KMS key, to the Kinesis data stream
    C(aws-rds-das-<DbClusterResourceId>), which it creates on start and deletes on stop.
  - Before any change the module refuses, with the reason, what AWS does not support, namely RDS for
    PostgreSQL (no DAS; audit it with pgAudit), other engines, Aurora Serverless, burstable (C(db.t*))
    instances, the AWS managed C(aws/rds) key, asymmetric, disabled or missing KMS keys.
  - A started stream with another O(mode) or KMS key is not changed silently; the module fails and says
    what differs, unless O(force_restart=true), which stops and starts it again.
  - Starting or stopping with O(apply_immediately=true) restarts the cluster's instances. Plan it as a
    disruptive change.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  cluster_identifier:
    description: Identifier or ARN of the Aurora PostgreSQL cluster.
    type: str
    required: true
    aliases: [resource_arn]
  state:
    description: V(started) or V(stopped). Stopping a stopped stream changes nothing.
    type: str
    choices: [started, stopped]
    default: started
  mode:
    description: V(async) (the database does not wait for the stream) or V(sync).
    type: str
    choices: [async, sync]
    default: async
  kms_key_id:
    description:
      - The customer managed symmetric KMS key that encrypts the activity. A key id, key ARN, alias name
        (V(alias/das)) or alias ARN; compared with the stream's key after resolving, so the form given
        does not matter.
      - Required to start a stream.
    type: str
  apply_immediately:
    description:
      - Start or stop now (restarting the instances) rather than in the next maintenance window.
      - Without it AWS defers the change to the cluster's maintenance window; the module then does not wait, warns,
        and returns RV(status=pending maintenance window) until the window has started (or stopped) the stream. A
        later run sees the pending start and does not start it again.
    type: bool
    default: false
  planned_key:
    description:
      - In check mode only - O(kms_key_id) names a key (an alias) that an earlier task of the same check run predicted
        creating (check mode creates nothing), so its absence is not refused and the start is shown.
    type: bool
    default: false
  force_restart:
    description: Stop and start a started stream whose mode or KMS key differs from the options.
    type: bool
    default: false
  wait:
    description: Wait until the stream is C(started) (or C(stopped)).
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 1800
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start the activity stream with a customer managed key
  dbaudit.postgresql.rds_activity_stream:
    cluster_identifier: prod-db
    kms_key_id: alias/prod-db-das
    mode: async
    apply_immediately: true
  register: das

- name: Its Kinesis stream
  ansible.builtin.debug:
    msg: "{{ das.kinesis_stream_name }}"

- name: Stop it
  dbaudit.postgresql.rds_activity_stream:
    cluster_identifier: prod-db
    state: stopped
    apply_immediately: true
"""

RETURN = r"""
cluster_identifier:
  description: Identifier of the cluster.
  returned: always
  type: str
  sample: prod-db
cluster_arn:
  description: ARN of the cluster.
  returned: always
  type: str
  sample: arn:aws:rds:eu-west-1:123456789012:cluster:prod-db
status:
  description:
    - C(ActivityStreamStatus) after the task (C(stopped), C(starting), C(started), C(stopping)), or
      C(pending maintenance window) when a start or stop asked without O(apply_immediately) waits for the cluster's
      maintenance window (RV(pending) says which).
  returned: always
  type: str
  sample: started
pending:
  description: C(start) or C(stop) when that change waits for the maintenance window, else null.
  returned: always
  type: str
  sample: start
mode:
  description: The stream's mode (null when stopped).
  returned: always
  type: str
  sample: async
kms_key_id:
  description: Id of the KMS key encrypting the stream (null when stopped).
  returned: always
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
kinesis_stream_name:
  description: The Kinesis data stream receiving the activity (null when stopped).
  returned: always
  type: str
  sample: aws-rds-das-cluster-ABCDEFGHIJKLMNOPQRSTUVWXY
diff:
  description: The stream before and after. Returned in diff mode.
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
from typing import Optional


from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_cluster_instances
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instance
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_kms_key
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import identifier_from_arn
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import start_activity_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import stop_activity_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import wait_for
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import cluster_refusals
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import described_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import key_id_from_reference
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import key_refusals
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import pending_change
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import PENDING_WINDOW
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import restart_reasons
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import stream_kinesis_name
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


STOPPED = {"status": "stopped", "mode": None, "kms_key_id": None, "kinesis_stream_name": None, "pending": None}


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


class ActivityStream:
    """One cluster's stream: reads it (key normalised), starts, stops and waits."""

    def __init__(self, rds, kms, cluster_id: str, wait_timeout: int):
        self.rds = rds
        self.kms = kms
        self.cluster_id = cluster_id
        self.wait_timeout = wait_timeout
        self.cluster = None  # type: Optional[Dict]

    def normalise_key(self, reference: Optional[str]) -> Optional[str]:
        """The key id of any key reference (resolving aliases through KMS); the reference itself if KMS has none."""
        if not reference:
            return None
        key_id = key_id_from_reference(reference)
        if key_id:
            return key_id
        metadata = describe_kms_key(self.kms, reference)
        return metadata["KeyId"] if metadata else reference

    def read(self) -> Dict:
        self.cluster = describe_cluster(self.rds, self.cluster_id)
        if self.cluster is None:
            raise Refusal(f"DB cluster {self.cluster_id} does not exist")
        stream = described_stream(self.cluster)
        stream["kms_key_id"] = self.normalise_key(stream["kms_key_id"])
        stream["pending"] = pending_change(self.cluster)
        return stream

    def wait_status(self, wanted: str) -> Dict:
        return wait_for(self.read, lambda s: s["status"] == wanted,
                        f"the activity stream of cluster {self.cluster_id} to be {wanted}", self.wait_timeout,
                        show=lambda s: f"status {s['status']}")

    def settle(self, stream: Dict) -> Dict:
        """Wait out a transition in progress (starting or stopping) so decisions rest on a stable state; a change
        that waits for the maintenance window is as stable as it gets before the window."""
        if stream["pending"]:
            return stream
        if stream["status"] == "starting":
            return self.wait_status("started")
        if stream["status"] == "stopping":
            return self.wait_status("stopped")
        return stream


def check_cluster_supports_streams(rds, cluster_id: str, cluster: Optional[Dict]) -> None:
    if cluster is None:
        instance = describe_instance(rds, cluster_id)
        if instance and not instance.get("DBClusterIdentifier"):
            raise Refusal(
                f"{cluster_id} is an RDS instance (engine {instance.get('Engine')}), not an Aurora cluster: RDS for "
                "PostgreSQL has no Database Activity Streams; audit it with pgAudit instead")
        raise Refusal(f"DB cluster {cluster_id} does not exist")
    refusals = cluster_refusals(cluster, describe_cluster_instances(rds, cluster_id))
    if refusals:
        raise Refusal("Cannot start an activity stream: " + "; ".join(refusals)
                      + ". Nothing was changed.", refusals)


def resolve_start_key(stream: ActivityStream, kms_key_id: Optional[str], planned: bool = False) -> str:
    if not kms_key_id:
        raise Refusal("kms_key_id is required to start an activity stream: give a customer managed "
                      "symmetric KMS key (id, ARN or alias)")
    metadata = describe_kms_key(stream.kms, kms_key_id)
    if metadata is None and planned:
        return kms_key_id
    refusals = key_refusals(kms_key_id, metadata)
    if refusals:
        raise Refusal("Cannot start an activity stream: " + "; ".join(refusals)
                      + ". Nothing was changed.", refusals)
    return metadata["KeyId"]


def ensure_started(stream: ActivityStream, check_mode: bool, params: Dict) -> Dict:
    cluster = describe_cluster(stream.rds, stream.cluster_id)
    check_cluster_supports_streams(stream.rds, stream.cluster_id, cluster)
    before = stream.read()
    key_id = resolve_start_key(stream, params["kms_key_id"], check_mode and params["planned_key"]) if (
        params["kms_key_id"] or before["status"] in ("stopped", "stopping")) else None
    current = before if check_mode else stream.settle(before)
    if current["pending"] == "stop":
        raise Refusal(
            f"The activity stream of cluster {stream.cluster_id} has a stop pending its maintenance window; AWS "
            "starts a stream only once it is stopped: run again after the window. Nothing was changed.")
    wanted = {"status": "started", "mode": params["mode"], "kms_key_id": key_id or current["kms_key_id"],
              "kinesis_stream_name": stream_kinesis_name(stream.cluster), "pending": None}
    restart = False
    if current["status"] in ("started", "starting"):
        reasons = restart_reasons(current, params["mode"], key_id)
        if not reasons:
            return {"changed": False, "before": before, "after": current}
        if current["pending"]:
            raise Refusal(
                f"The activity stream of cluster {stream.cluster_id} has a start pending its maintenance window but "
                + "; ".join(reasons) + ". Run again after the window has started it (with force_restart: true to "
                "restart it with these options). Nothing was changed.", reasons)
        if not params["force_restart"]:
            raise Refusal(
                f"The activity stream of cluster {stream.cluster_id} is started but " + "; ".join(reasons)
                + ". Set force_restart: true to stop and start it again (its consumers miss the activity "
                  "in between), or change the options to match.", reasons)
        restart = True
    if check_mode:
        if not params["apply_immediately"]:
            wanted.update(status="starting", pending="start", kinesis_stream_name=None)
        return {"changed": True, "before": before, "after": wanted}
    arn = stream.cluster["DBClusterArn"]
    if restart:
        stop_activity_stream(stream.rds, arn, params["apply_immediately"])
        stream.wait_status("stopped")
    start_activity_stream(stream.rds, arn, params["mode"], key_id, params["apply_immediately"])
    after = stream.read()
    if params["wait"] and params["apply_immediately"]:
        after = stream.wait_status("started")
    return {"changed": True, "before": before, "after": after}


def ensure_stopped(stream: ActivityStream, check_mode: bool, params: Dict) -> Dict:
    cluster = describe_cluster(stream.rds, stream.cluster_id)
    if cluster is None:
        check_cluster_supports_streams(stream.rds, stream.cluster_id, None)
    before = stream.read()
    current = before if check_mode else stream.settle(before)
    if current["status"] in ("stopped", "stopping"):
        return {"changed": False, "before": before, "after": current}
    if current["pending"] == "start":
        raise Refusal(
            f"The activity stream of cluster {stream.cluster_id} has a start pending its maintenance window; AWS "
            "stops a stream only once it has started: run again after the window. Nothing was changed.")
    if check_mode:
        return {"changed": True, "before": before, "after": dict(STOPPED)}
    changed = stop_activity_stream(stream.rds, stream.cluster["DBClusterArn"], params["apply_immediately"])
    after = stream.read()
    if params["wait"] and params["apply_immediately"]:
        after = stream.wait_status("stopped")
    return {"changed": changed, "before": before, "after": after}


def do(module) -> None:
    params = module.params
    cluster_id = identifier_from_arn(params["cluster_identifier"])
    stream = ActivityStream(module.client("rds"), module.client("kms"), cluster_id, params["wait_timeout"])
    if params["state"] == "started":
        outcome = ensure_started(stream, module.check_mode, params)
    else:
        outcome = ensure_stopped(stream, module.check_mode, params)
    after = outcome["after"]
    if outcome["changed"] and not params["apply_immediately"]:
        module.warn("apply_immediately is false: AWS applies the activity stream change in the cluster's next "
                    "maintenance window; the module did not wait for it")
    elif after.get("pending"):
        module.warn(f"the activity stream's {after['pending']} is pending the cluster's maintenance window; "
                    "run again after it")
    result = {
        "changed": outcome["changed"],
        "cluster_identifier": cluster_id,
        "cluster_arn": (stream.cluster or {}).get("DBClusterArn"),
        "status": PENDING_WINDOW if after.get("pending") else after["status"],
        "pending": after.get("pending"),
        "mode": after["mode"],
        "kms_key_id": after["kms_key_id"],
        "kinesis_stream_name": after["kinesis_stream_name"],
    }
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": outcome["before"], "after": after}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        cluster_identifier=dict(type="str", required=True, aliases=["resource_arn"]),
        state=dict(type="str", choices=["started", "stopped"], default="started"),
        mode=dict(type="str", choices=["async", "sync"], default="async"),
        kms_key_id=dict(type="str"),
        apply_immediately=dict(type="bool", default=False),
        force_restart=dict(type="bool", default=False),
        planned_key=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = DbauditAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(do)


if __name__ == "__main__":
    main()
