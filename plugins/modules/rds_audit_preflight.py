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
short_description: Check a fleet of PostgreSQL clusters, instances and servers before auditing is enabled on any
version_added: 0.1.0
description:
  - Read-only. Checks every host of a rollout at once, before anything is changed, and returns one table of
    what is wrong; C(enable_audit.yml) fails on it (or leaves the failing hosts out) before its first wave.
  - A host is of one O(targets[].kind) - an Aurora PostgreSQL cluster, an RDS for PostgreSQL DB instance (read with
    one paginated describe of the instances per hundred; no activity stream exists for it, which is said as a note,
    not a problem; a single-AZ instance's reboot is downtime, also said), or a self-managed server (no AWS call -
    its check is the database check alone, which reports a server that does not preload pgaudit with the exact
    fix).
  - AWS side, read in bulk (one paginated describe of the clusters and one of their instances per hundred
    clusters, each KMS key described once) - engine and version, cluster and instance status, instance
    classes, Database Activity Streams support (not Serverless, no burstable classes) and the KMS key, and
    that starting a stream, which restarts the cluster at once when applied immediately, is allowed by the
    reboot policy.
  - Database side, from a M(dbaudit.postgresql.pgaudit_info) result per host given in O(targets[].database_check)
    (registered with C(failed_when=false)) - the connection, and whether the login may create the extension and set
    C(pgaudit.*) per role.
  - The plan - the hosts that pass and drift (O(targets[].drift)) are the rollout; converged hosts get no wave.
  - The wave of each host of the rollout (Ansible's C(serial) semantics over O(waves)), and, for a cluster
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
      kind:
        description:
          - What the host is - V(cluster), an Aurora PostgreSQL DB cluster; V(instance), an RDS for PostgreSQL DB
            instance; V(self_managed), a server of your own (nothing is read from AWS for it).
        type: str
        choices: [cluster, instance, self_managed]
        default: cluster
      cluster_identifier:
        description:
          - The Aurora PostgreSQL cluster, or with O(targets[].kind=instance) the DB instance. Ignored for
            O(targets[].kind=self_managed) (the host name is shown).
        type: str
        aliases: [identifier]
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
      inputs:
        description:
          - The host's run variables to check before any change, by name (C(dbaudit_role_policies),
            C(dbaudit_audit_profiles), C(dbaudit_log_retention_days), the alerting roles' subscriptions, rules,
            retentions and key aliases, ...; C(playbooks/vars/run_inputs.yml) lists what the playbooks pass). Only
            the variables given are checked. Each problem names the variable.
          - Every C(dbaudit_role_policies) entry must name a role or database and a profile defined in
            C(dbaudit_audit_profiles) whose pgAudit settings and classes are valid; retentions must be ones CloudWatch
            Logs accepts; e-mail endpoints well formed (one @, a non-empty local part, a domain with a dot, no white
            space). With O(targets[].database_check) read with C(find_roles) and C(find_databases), the roles and
            databases the policies name must exist on the server.
          - With O(mode=disable), only the policies and their profiles' setting names (what is reset) are checked.
        type: dict
      drift:
        description:
          - What the host drifts from its policy, one sentence each (the C(dbaudit.postgresql.rollout_drift) filter over
            one read of the fleet). An empty list - the host is converged - gives it no wave - the rollout leaves it
            alone - unless a shared parameter group that a host of the rollout changes reaches it; then it joins the
            rollout.
          - Omitted (null), the host is rolled out, as with drift.
        type: list
        elements: str
      inventory_problems:
        description:
          - Problems the inventory states for this host (C(dbaudit_preflight_problems); the aws_example inventory's
            cluster with no C(audit_profile) tag). Each is reported like the others and refuses the host.
        type: list
        elements: str
        default: []
extends_documentation_fragment:
  - dbaudit.postgresql.attributes.info_module
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
    - Per host, what was found and the problems (empty when the host may be rolled out), and C(notes) - what
      the rollout does differently for it (no activity stream for an RDS instance, a single-AZ reboot's downtime),
      which do not stop it.
    - C(family) is the parameter group family of the engine version (PostgreSQL 13 to 17 are supported; other versions
      are a problem); C(support) says it with the pgAudit release of that version and whether activity streams exist.
  returned: always
  type: dict
  sample:
    orders-prod:
      kind: cluster
      cluster_identifier: orders-prod
      engine: aurora-postgresql
      engine_version: "15.4"
      family: aurora-postgresql15
      support: aurora-postgresql15, pgAudit 1.7, DAS
      status: available
      instance_classes: [db.r6g.large]
      problems: []
      notes: []
      drift: ["parameter group default.aurora-postgresql15: shared_preload_libraries '' lacks pgaudit"]
      converged: false
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
rollout_hosts:
  description:
    - The hosts that passed and have something to change, in the order of O(targets) - the hosts of the waves.
  returned: always
  type: list
  elements: str
converged_hosts:
  description: The hosts that passed and have nothing to change (an empty O(targets[].drift)), sorted.
  returned: always
  type: list
  elements: str
failing_hosts:
  description: The hosts with at least one problem, sorted.
  returned: always
  type: list
  elements: str
table:
  description: One line per host, problem and note (host, kind, cluster or instance, engine, classes, verdict),
    with a header, for printing.
  returned: always
  type: list
  elements: str
plan:
  description: The waves of the hosts that passed, and, per wave, each shared parameter group changed in it and the
    clusters it reaches.
  returned: always
  type: list
  elements: str
  sample:
    - "wave 1: orders-prod"
    - "  changes shared-pg15, shared: it reaches billing-prod (wave 2, pending a reboot until then)"
    - "wave 2: billing-prod"
api_calls:
  description: AWS API calls made, per operation (all reads).
  returned: always
  type: dict
  sample: {"describe_db_clusters": 1, "describe_db_instances": 1, "describe_key": 1}
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import ENGINE
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import INSTANCE_ENGINE
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import READY_STATUSES
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import cluster_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import database_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import instance_notes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import instance_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import instance_summary
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import key_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import self_managed_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import self_managed_summary
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import stream_start_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import stream_stop_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import summary
from ansible_collections.dbaudit.postgresql.plugins.module_utils.preflight import table
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import clusters_by_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_clusters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instances
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instances_by_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import instance_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import instances_by_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_kms_key
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_parameters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import converged_lines
from ansible_collections.dbaudit.postgresql.plugins.module_utils.run_inputs import input_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import group_to_change
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import group_would_change
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import plan_lines
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import rollout_plan
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import shared_group_plan
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import shared_group_problem
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import wave_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import is_default_group

TARGET_SPEC = dict(
    host=dict(type="str", required=True),
    kind=dict(type="str", default="cluster", choices=["cluster", "instance", "self_managed"]),
    cluster_identifier=dict(type="str", aliases=["identifier"]),
    das_enabled=dict(type="bool", default=True),
    das_apply_immediately=dict(type="bool", default=True),
    reboot_policy=dict(type="str", default="rolling", choices=["rolling", "next_maintenance_window", "never"]),
    kms_key_id=dict(type="str"),
    kms_key_created=dict(type="bool", default=False),
    database_check=dict(type="dict"),
    parameter_group_name=dict(type="str", default=""),
    preload_libraries=dict(type="list", elements="str", default=["pgaudit"]),
    pgaudit_parameters=dict(type="dict"),
    disable_preload=dict(type="bool", default=False),
    allow_shared_parameter_group_changes=dict(type="bool", default=False),
    inventory_problems=dict(type="list", elements="str", default=[]),
    inputs=dict(type="dict"),
    drift=dict(type="list", elements="str"),
)


def aws_problems(target, resource, members, disabling):
    """What stops the rollout (or, disabling, the way out) of one cluster or instance on the AWS side."""
    name = target["cluster_identifier"]
    if target["kind"] == "instance":
        return instance_problems(name, resource)
    if not disabling:
        problems = cluster_problems(name, resource, members, target["das_enabled"])
        return problems + stream_start_problems(resource, target["das_enabled"], target["das_apply_immediately"],
                                                target["reboot_policy"])
    if resource is None:
        return ["cluster %s not found in this account and region" % name]
    problems = []
    if resource.get("Status") not in READY_STATUSES:
        problems.append("cluster status is %s, not available" % resource.get("Status"))
    return problems + stream_stop_problems(resource, target["das_enabled"], target["das_apply_immediately"],
                                           target["reboot_policy"])


def current_group(target, resource):
    if resource is None:
        return None
    if target["kind"] == "instance":
        return instance_parameter_group(resource)
    return resource.get("DBClusterParameterGroup")


def written_group(target, resource, disabling):
    """The parameter group the rollout writes to (a cluster parameter group for a cluster, a DB parameter group for
    an instance); None for a self-managed server, a missing resource, or a way out that keeps the preload."""
    if target["kind"] == "self_managed" or resource is None or (disabling and not target["disable_preload"]):
        return None
    return group_to_change(current_group(target, resource), target["parameter_group_name"],
                           target["cluster_identifier"], disabling)


# Per kind of target: the parameter group scope, the engine of the resources that can share a group, and the
# bulk read of which resources use each group.
GROUP_SCOPES = {
    "cluster": ("cluster", ENGINE, clusters_by_parameter_group),
    "instance": ("instance", INSTANCE_ENGINE, instances_by_parameter_group),
}


def read_shared_groups(rds, targets, resources, disabling, calls, kind):
    """The resources on each group the rollout writes to, and whether it would change each shared one, for the
    targets of one kind (cluster parameter groups and DB parameter groups are apart: one name may be both)."""
    scope, engine, by_group = GROUP_SCOPES[kind]
    targets = [t for t in targets if t["kind"] == kind]
    groups = set(written_group(t, resources.get(t["cluster_identifier"]), disabling) for t in targets) - set([None])
    # A copy of a default.* group made for one cluster (<cluster>-dbaudit) is its own: only a custom group the
    # resource uses, or one named by parameter_group_name, can be shared, and only then is the account read.
    if not any(t["parameter_group_name"]
               or not is_default_group(current_group(t, resources[t["cluster_identifier"]]) or "default.")
               for t in targets if resources.get(t["cluster_identifier"]) is not None):
        return {}, {}
    in_use = by_group(rds, engine, calls=calls)
    would_change = {}
    for group in sorted(groups):
        writers = [t for t in targets if written_group(t, resources.get(t["cluster_identifier"]), disabling) == group]
        if len(set(in_use.get(group, [])) | set(t["cluster_identifier"] for t in writers)) < 2:
            continue
        parameters = describe_parameters(rds, scope, group) if in_use.get(group) else []
        operation = "describe_db_cluster_parameters" if scope == "cluster" else "describe_db_parameters"
        calls[operation] = calls.get(operation, 0) + 1
        first = writers[0]
        would_change[group] = group_would_change(parameters, first["preload_libraries"], first["pgaudit_parameters"],
                                                 disabling) if parameters else True
    return in_use, would_change


def host_result(target, resource, members, keys, disabling):
    """One host's row: what was found, its problems and notes."""
    kind = target["kind"]
    problems = []
    notes = []
    if kind == "self_managed":
        found = self_managed_summary(target["database_check"])
        if not disabling:
            problems += self_managed_problems(target["database_check"], target["preload_libraries"])
    else:
        problems += aws_problems(target, resource, members, disabling)
        if kind == "instance":
            found = instance_summary(resource)
            if not disabling:
                notes += instance_notes(resource, target["das_enabled"], target["reboot_policy"])
        else:
            found = summary(resource, members)
            if target["das_enabled"] and not disabling:
                problems += key_problems(target["kms_key_id"], keys.get(target["kms_key_id"]),
                                         target["kms_key_created"])
    problems = database_problems(target["database_check"]) + problems if kind == "self_managed" \
        else problems + database_problems(target["database_check"])
    return dict(kind=kind, cluster_identifier=target["cluster_identifier"], problems=problems, notes=notes, **found)


def main():
    module = DbauditAWSModule(
        argument_spec=dict(
            mode=dict(type="str", choices=["enable", "disable"], default="enable"),
            waves=dict(type="list", elements="raw", default=[1, "50%", "100%"]),
            targets=dict(type="list", elements="dict", required=True, options=TARGET_SPEC),
        ),
        supports_check_mode=True,
    )
    targets = module.params["targets"]
    for target in targets:
        if target["kind"] != "self_managed" and not target["cluster_identifier"]:
            module.fail_json(msg="targets: host %s (kind %s) needs cluster_identifier; nothing was read"
                             % (target["host"], target["kind"]))
        if target["kind"] == "self_managed":
            target["cluster_identifier"] = target["cluster_identifier"] or target["host"]
    disabling = module.params["mode"] == "disable"
    hosts = [t["host"] for t in targets]
    duplicates = sorted(set(h for h in hosts if hosts.count(h) > 1))
    if duplicates:
        module.fail_json(msg="targets name these hosts more than once: %s" % ", ".join(duplicates))
    bad_waves = wave_problems(module.params["waves"])
    if bad_waves:
        module.fail_json(msg="; ".join(bad_waves) + "; nothing was changed", problems=bad_waves)

    calls = {}
    # Self-managed servers are read over their connection only: no AWS call is made for them (none at all when
    # every host is self-managed).
    of_kind = dict((kind, [t for t in targets if t["kind"] == kind]) for kind in ("cluster", "instance"))
    rds = module.client("rds", retry_decorator=AWSRetry.jittered_backoff()) if of_kind["cluster"] or \
        of_kind["instance"] else None
    kms = None
    clusters, instances, standalone, keys = {}, {}, {}, {}
    shared = {"cluster": ({}, {}), "instance": ({}, {})}
    try:
        if of_kind["cluster"]:
            identifiers = [t["cluster_identifier"] for t in of_kind["cluster"]]
            clusters = describe_clusters(rds, identifiers, calls=calls)
            instances = describe_instances_by_cluster(rds, [c for c in identifiers if c in clusters], calls=calls)
        if of_kind["instance"]:
            standalone = describe_instances(rds, [t["cluster_identifier"] for t in of_kind["instance"]], calls=calls)
        for reference in sorted(set(t["kms_key_id"] for t in of_kind["cluster"]
                                    if t["das_enabled"] and t["kms_key_id"] and not disabling)):
            kms = kms or module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
            keys[reference] = describe_kms_key(kms, reference)
            calls["describe_key"] = calls.get("describe_key", 0) + 1
        shared["cluster"] = read_shared_groups(rds, targets, clusters, disabling, calls, "cluster")
        shared["instance"] = read_shared_groups(rds, targets, standalone, disabling, calls, "instance")
    except AnsibleRDSError as e:
        module.fail_json_aws_error(e)

    def resource_of(target):
        if target["kind"] == "cluster":
            return clusters.get(target["cluster_identifier"])
        return standalone.get(target["cluster_identifier"]) if target["kind"] == "instance" else None

    results = {}
    for target in targets:
        members = instances.get(target["cluster_identifier"], []) if target["kind"] == "cluster" else []
        results[target["host"]] = host_result(target, resource_of(target), members, keys, disabling)
        results[target["host"]]["problems"] += input_problems(target["inputs"], target["database_check"], disabling)
        results[target["host"]]["problems"] += target["inventory_problems"]

    # The plan is over the hosts that pass; a shared group refusal makes more hosts fail, never fewer. Cluster
    # parameter groups and DB parameter groups are planned apart (a name may be both).
    def group_targets(kind):
        return [dict(host=t["host"], cluster_identifier=t["cluster_identifier"],
                     group=written_group(t, resource_of(t), disabling),
                     allow_shared=t["allow_shared_parameter_group_changes"]) for t in targets if t["kind"] == kind]

    def shared_plan(passing, waves):
        plan = {}
        for kind, (in_use, would_change) in shared.items():
            for host, entry in shared_group_plan(group_targets(kind), in_use, would_change, passing, waves).items():
                plan[host] = dict(entry, scope="cluster" if kind == "cluster" else "instance")
        return plan

    drift = dict((t["host"], t["drift"]) for t in targets)

    def plan_rollout(passing):
        return rollout_plan(passing, drift, module.params["waves"], shared_plan)

    passing = [host for host in hosts if not results[host]["problems"]]
    _rollout, _waves, first_plan = plan_rollout(passing)
    for host, entry in first_plan.items():
        problem = shared_group_problem(entry)
        if problem:
            results[host]["problems"].append(problem)
    passing = [host for host in hosts if not results[host]["problems"]]
    rollout, waves, plan = plan_rollout(passing)
    for host, result in results.items():
        result["wave"] = waves.get(host)
        result["drift"] = drift[host]
        result["converged"] = host in passing and host not in rollout
        # A refused host keeps the entry that says why; the others get the plan of the hosts that go on.
        result["parameter_group"] = plan.get(host) if host in passing else first_plan.get(host)

    module.exit_json(
        changed=False,
        hosts=results,
        failing_hosts=sorted(host for host, result in results.items() if result["problems"]),
        rollout_hosts=rollout,
        converged_hosts=sorted(host for host, result in results.items() if result["converged"]),
        table=table([dict(result, host=host) for host, result in results.items()]),
        plan=plan_lines(plan, waves, disabling) + converged_lines(
            [host for host in hosts if results[host]["converged"]]),
        api_calls=calls,
    )


if __name__ == "__main__":
    main()
