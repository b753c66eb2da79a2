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
module: rds_fleet_audit_info
short_description: Read the audit state of many Aurora PostgreSQL clusters and RDS for PostgreSQL instances at once
version_added: 0.1.0
description:
  - Read-only. The AWS side of what C(audit_report.yml) reports, for every cluster of a fleet in one task
    (run it once, not per host) - the cluster parameter group (custom or default, whether
    C(shared_preload_libraries) has C(pgaudit), the C(pgaudit.*) values set), the instances pending a reboot,
    the C(postgresql) log export and its log group's retention, the activity stream, and the alerting attached
    (subscription filters on the log group, Lambda event source mappings on the activity stream), and the
    rotation of each activity stream's KMS key.
  - RDS for PostgreSQL DB instances (O(instance_identifiers)) the same way, in RV(instances) - the DB parameter group,
    the instance when it is pending a reboot, the log export and the C(/aws/rds/instance/<id>/postgresql) log group
    with its subscription filters; no activity stream exists for them.
  - C(shared_preload_libraries) is the effective value - the group's own, or where the group sets none the engine
    default of the cluster's family (one read per family, only for such groups).
  - Per DAS alerting pipeline named in O(das_pipelines), what audit_report checks the pipeline reaches and how it
    is hardened - the decrypt function's inline policy, the bucket's versioning, the delivery stream's encryption.
  - Reads in bulk - one paginated describe of the clusters per hundred, each parameter group described once
    however many clusters share it (user-set parameters only), the C(/aws/rds/cluster/) log groups listed
    once, one subscription filter listing per existing log group, every event source mapping listed once.
    The parameter groups and the subscription filters are read O(parallel) at a time. RV(api_calls) counts
    the calls.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  cluster_identifiers:
    description: The clusters to read.
    type: list
    elements: str
    required: true
  instance_identifiers:
    description: The RDS for PostgreSQL DB instances to read (not Aurora cluster members).
    type: list
    elements: str
    default: []
  parallel:
    description:
      - How many parameter groups, or log groups, are read at a time. Throttled calls are retried (the botocore
        retry mode and attempts of the environment apply).
    type: int
    default: 8
  das_pipelines:
    description:
      - DAS alerting pipelines to read, as the C(dbaudit.postgresql.das_alerting) role names their pieces - function
        C(<name>-decrypt) (execution role and inline policy of the same name), delivery stream C(<name>-activity),
        bucket O(das_pipelines[].bucket) or C(<name>-activity-<account>-<region>).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The pipeline's name prefix (C(dbaudit_das_alerting_name)).
        type: str
        required: true
      bucket:
        description: The bucket (C(dbaudit_das_alerting_bucket)); empty for the role's default name.
        type: str
        default: ""
  alerting_functions:
    description:
      - Alerting functions whose record to read (C(<name>-decrypt) of das_alerting, C(<name>-alert) of
        pgaudit_alerting) - the fingerprint of the inputs each alerting role last applied, from one GetFunction each
        (RV(alerting_functions)).
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
- name: Read the fleet
  dbaudit.postgresql.rds_fleet_audit_info:
    cluster_identifiers: "{{ ansible_play_hosts_all }}"
    das_pipelines:
      - name: dbaudit-das
  run_once: true
  register: fleet
"""

RETURN = r"""
clusters:
  description: Per cluster identifier, its audit state; C(found) is false for a cluster that does not exist.
  returned: always
  type: dict
  sample:
    orders-prod:
      cluster_identifier: orders-prod
      found: true
      engine: aurora-postgresql
      engine_version: "15.4"
      status: available
      resource_id: cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ
      parameter_group:
        name: orders-prod-dbaudit
        default: false
        shared_preload_libraries: [pg_stat_statements, pgaudit]
        shared_preload_libraries_source: user
        pgaudit_preloaded: true
        pgaudit_parameters: {"pgaudit.role": "rds_pgaudit"}
      pending_reboot: []
      log_export: true
      log_group: {"name": "/aws/rds/cluster/orders-prod/postgresql", "exists": true, "retention_days": 365}
      activity_stream: {"status": "started", "mode": "async", "kms_key_id": "...", "kinesis_stream_name": "...",
                        "key_rotation": true}
      alerting: {"subscription_filters": [], "event_source_mappings": []}
instances:
  description:
    - Per DB instance identifier of O(instance_identifiers), its audit state in the shape of RV(clusters) with
      C(kind) instance; C(pending_reboot) names the instance when its parameter group waits for a reboot.
  returned: always
  type: dict
  sample:
    reports:
      cluster_identifier: reports
      kind: instance
      found: true
      engine: postgres
      engine_version: "16.3"
      multi_az: false
      parameter_group: {"name": "reports-dbaudit", "shared_preload_libraries": ["pg_stat_statements", "pgaudit"]}
      pending_reboot: []
      log_export: true
      log_group: {"name": "/aws/rds/instance/reports/postgresql", "exists": true, "retention_days": 365}
      activity_stream: {"status": null, "available": false}
pipelines:
  description:
    - Per DAS alerting pipeline of O(das_pipelines), its decrypt function and that function's inline policy document
      (null when missing), the bucket's versioning (C(Enabled), C(Suspended), C(Disabled)) and the delivery stream's
      server-side encryption (C(status) ENABLED, DISABLED, ENABLING...).
  returned: always
  type: dict
  sample:
    dbaudit-das:
      function: dbaudit-das-decrypt
      function_policy: {"Version": "2012-10-17", "Statement": []}
      bucket: {"name": "dbaudit-das-activity-123456789012-eu-west-1", "exists": true, "versioning": "Enabled"}
      delivery_stream: {"name": "dbaudit-das-activity", "exists": true,
                        "encryption": {"status": "ENABLED", "key_type": "AWS_OWNED_CMK", "key_arn": null}}
alerting_functions:
  description:
    - Per function of O(alerting_functions), whether it exists and the fingerprint of the inputs its alerting role
      last applied (its C(dbaudit:inputs-sha256) tag; null when missing).
  returned: always
  type: dict
  sample:
    dbaudit-das-decrypt:
      exists: true
      fingerprint: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
api_calls:
  description: AWS API calls made, per operation (all reads).
  returned: always
  type: dict
  sample: {"describe_db_clusters": 1, "describe_db_cluster_parameters": 2, "describe_log_groups": 1}
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import recorded_fingerprint
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.fleet_audit_reads import read_fleet


def do(module) -> None:
    retry = AWSRetry.jittered_backoff()
    services = ["rds", "logs", "lambda", "kms"] + (["iam", "s3", "firehose", "sts"] if module.params["das_pipelines"]
                                                   else [])
    clients = dict((service, module.client(service, retry_decorator=retry)) for service in services)
    found = read_fleet(clients["rds"], clients["logs"], clients["lambda"], module.params["cluster_identifiers"],
                       parallel=module.params["parallel"], clients=clients,
                       das_pipelines=module.params["das_pipelines"],
                       instance_identifiers=module.params["instance_identifiers"])
    found["alerting_functions"] = dict((name, recorded_fingerprint(clients["lambda"], name, found["api_calls"]))
                                       for name in sorted(set(module.params["alerting_functions"])))
    module.exit_json(changed=False, **found)


def main() -> None:
    module = DbauditAWSModule(
        argument_spec=dict(cluster_identifiers=dict(type="list", elements="str", required=True),
                           instance_identifiers=dict(type="list", elements="str", default=[]),
                           parallel=dict(type="int", default=8),
                           das_pipelines=dict(type="list", elements="dict", default=[], options=dict(
                               name=dict(type="str", required=True), bucket=dict(type="str", default=""))),
                           alerting_functions=dict(type="list", elements="str", default=[])),
        supports_check_mode=True,
    )
    if module.params["parallel"] < 1:
        module.fail_json(msg="parallel must be at least 1, got %d" % module.params["parallel"])
    module.run(do)


if __name__ == "__main__":
    main()
