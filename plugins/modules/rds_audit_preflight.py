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
module: rds_audit_preflight
short_description: Check a fleet of Aurora PostgreSQL clusters before auditing is enabled on any
version_added: 0.1.0
description:
  - Read-only. Checks every cluster of a rollout at once, before anything is changed, and returns one table of
    what is wrong; C(enable_audit.yml) fails on it (or leaves the failing clusters out) before its first wave.
  - AWS side, read in bulk (one paginated describe of the clusters and one of their instances per hundred
    clusters, each KMS key described once) - engine and version, cluster and instance status, instance
    classes, Database Activity Streams support (not Serverless, no burstable classes) and the KMS key, and
    that starting a stream, which restarts the cluster at once when applied immediately, is allowed by the
    reboot policy.
  - Database side, from a M(dbaudit.postgresql.pgaudit_info) result per host given in O(targets[].database_check)
    (registered with C(failed_when=false)) - the connection, and whether the login may create the extension and set
    C(pgaudit.*) per role.
  - The plan - the wave of each host that passes (Ansible's C(serial) semantics over O(waves)), and, for a cluster
    parameter group that other clusters use too, every cluster the change reaches and the wave in which it is
    made (the wave of the first host that writes to it). A shared group that would change while a cluster on it is
    outside the run (C(--limit), not in the inventory, or refused by preflight) is refused, unless every host on it
    sets O(targets[].allow_shared_parameter_group_changes). The clusters of the account are then read in one more
    paginated describe, and each such group's parameters once.
  - With O(mode=disable) (C(disable_audit.yml)), the same checks for the way out - dropping pgaudit from a shared
    group, and stopping an activity stream, which restarts the cluster at once when applied immediately.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  mode:
    description: Whether the rollout enables auditing (C(enable_audit.yml)) or disables it (C(disable_audit.yml)).
    type: str
    choices: [enable, disable]
    default: enable
  waves:
    description:
      - The rollout's waves (C(dbaudit_waves)), as C(serial) takes them - host counts or percentages of the hosts.
      - A wave of 0 hosts, or a percentage outside (0%, 100%], fails the module before anything is read.
    type: list
    elements: raw
    default: [1, '50%', '100%']
  targets:
    description: The hosts of the rollout.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: Inventory name, used in the table.
        type: str
        required: true
      cluster_identifier:
        description: The Aurora PostgreSQL cluster.
        type: str
        required: true
      das_enabled:
        description: Whether an activity stream is wanted (its requirements are checked only then).
        type: bool
        default: true
      das_apply_immediately:
        description:
          - Whether the activity stream will be started with ApplyImmediately, which restarts the cluster at once.
          - With O(targets[].reboot_policy) other than V(rolling), a cluster whose stream is not started yet is then
            refused, before anything is changed.
        type: bool
        default: true
      reboot_policy:
        description: The rollout's reboot policy for this cluster (C(dbaudit_reboot_policy)).
        type: str
        choices: [rolling, next_maintenance_window, never]
        default: rolling
      kms_key_id:
        description:
          - The KMS key (id, ARN, alias name or alias ARN) the activity stream will use.
          - Omitted, no key is checked.
        type: str
      kms_key_created:
        description: The key is created by the rollout when it does not exist (an alias name), so its absence is fine.
        type: bool
        default: false
      database_check:
        description: The registered result of M(dbaudit.postgresql.pgaudit_info) on the host, if one was run.
        type: dict
      parameter_group_name:
        description:
          - The cluster parameter group the rollout writes to (C(dbaudit_parameter_group_name)). Empty - the
            cluster's own custom group, or a copy C(<cluster>-dbaudit) of its C(default.*) group.
        type: str
        default: ''
      preload_libraries:
        description: The libraries the rollout merges into (or, disabling, drops from) C(shared_preload_libraries).
        type: list
        elements: str
        default: [pgaudit]
      pgaudit_parameters:
        description: The pgAudit parameters the rollout sets in the group (C(dbaudit_pgaudit_parameters)), if any.
        type: dict
      disable_preload:
        description: With O(mode=disable), whether pgaudit is dropped from the group (C(dbaudit_disable_preload)).
        type: bool
        default: false
      allow_shared_parameter_group_changes:
        description:
          - Change a shared parameter group although clusters on it are outside the run
            (C(dbaudit_allow_shared_parameter_group_changes)).
        type: bool
        default: false
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check every cluster at once
  dbaudit.postgresql.rds_audit_preflight:
    targets:
      - host: orders-prod
        cluster_identifier: orders-prod
        kms_key_id: alias/dbaudit-das
        kms_key_created: true
  run_once: true
  register: preflight

- name: Show the table
  ansible.builtin.debug:
    msg: "{{ preflight.table }}"
"""

RETURN = r"""
hosts:
  description:
    - Per host, what was found and the problems (empty when the host may be rolled out).
    - C(family) is the parameter group family of the engine version (PostgreSQL 13 to 17 are supported; other versions
      are a problem); C(support) says it with the pgAudit release of that version and whether activity streams exist.
  returned: always
  type: dict
  sample:
    orders-prod:
      cluster_identifier: orders-prod
      engine: aurora-postgresql
      engine_version: "15.4"
      family: aurora-postgresql15
      support: aurora-postgresql15, pgAudit 1.7, DAS
      status: available
      instance_classes: [db.r6g.large]
      problems: []
      wave: 1
      parameter_group:
        name: shared-pg15
        changes: true
        clusters: [orders-prod, billing-prod]
        outside_run: []
        changed_by: orders-prod
        changed_in_wave: 1
        reached:
          - {cluster: orders-prod, host: orders-prod, wave: 1}
          - {cluster: billing-prod, host: billing-prod, wave: 2}
failing_hosts:
  description: The hosts with at least one problem, sorted.
  returned: always
  type: list
  elements: str
table:
  description: One line per host and problem, with a header, for printing.
  returned: always
  type: list
  elements: str
plan:
  description: The waves of the hosts that passed, and, per wave, each shared parameter group changed in it and the
    clusters it reaches.
  returned: always
  type: list
  elements: str
  sample: ["wave 1: orders-prod", "  changes shared-pg15, shared: it reaches billing-prod (wave 2, pending a reboot until then)",
           "wave 2: billing-prod"]
api_calls:
  description: AWS API calls made, per operation (all reads).
  returned: always
  type: dict
  sample: {"describe_db_clusters": 1, "describe_db_instances": 1, "describe_key": 1}
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import cluster_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import database_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import key_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import stream_start_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import summary
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import table
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_clusters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instances_by_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_kms_key

TARGET_SPEC = dict(
    host=dict(type="str", required=True),
    cluster_identifier=dict(type="str", required=True),
    das_enabled=dict(type="bool", default=True),
    das_apply_immediately=dict(type="bool", default=True),
    reboot_policy=dict(type="str", default="rolling", choices=["rolling", "next_maintenance_window", "never"]),
    kms_key_id=dict(type="str"),
    kms_key_created=dict(type="bool", default=False),
    database_check=dict(type="dict"),
)


def main():
    module = DbauditAWSModule(
        argument_spec=dict(targets=dict(type="list", elements="dict", required=True, options=TARGET_SPEC)),
        supports_check_mode=True,
    )
    targets = module.params["targets"]
    hosts = [t["host"] for t in targets]
    duplicates = sorted(set(h for h in hosts if hosts.count(h) > 1))
    if duplicates:
        module.fail_json(msg="targets name these hosts more than once: %s" % ", ".join(duplicates))

    calls = {}
    rds = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
    kms = None
    try:
        identifiers = [t["cluster_identifier"] for t in targets]
        clusters = describe_clusters(rds, identifiers, calls=calls)
        instances = describe_instances_by_cluster(rds, [c for c in identifiers if c in clusters], calls=calls)
        keys = {}
        for reference in sorted(set(t["kms_key_id"] for t in targets if t["das_enabled"] and t["kms_key_id"])):
            kms = kms or module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
            keys[reference] = describe_kms_key(kms, reference)
            calls["describe_key"] = calls.get("describe_key", 0) + 1
    except AnsibleRDSError as e:
        module.fail_json_aws_error(e)

    results = {}
    rows = []
    for target in targets:
        name = target["cluster_identifier"]
        cluster = clusters.get(name)
        members = instances.get(name, [])
        problems = cluster_problems(name, cluster, members, target["das_enabled"])
        problems += stream_start_problems(cluster, target["das_enabled"], target["das_apply_immediately"],
                                          target["reboot_policy"])
        if target["das_enabled"]:
            problems += key_problems(target["kms_key_id"], keys.get(target["kms_key_id"]), target["kms_key_created"])
        problems += database_problems(target["database_check"])
        result = dict(cluster_identifier=name, problems=problems, **summary(cluster, members))
        results[target["host"]] = result
        rows.append(dict(result, host=target["host"]))

    module.exit_json(
        changed=False,
        hosts=results,
        failing_hosts=sorted(host for host, result in results.items() if result["problems"]),
        table=table(rows),
        api_calls=calls,
    )


if __name__ == "__main__":
    main()
