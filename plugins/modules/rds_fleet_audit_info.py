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
short_description: Read the audit state of many Aurora PostgreSQL clusters at once
version_added: 0.1.0
description:
  - Read-only. The AWS side of what C(audit_report.yml) reports, for every cluster of a fleet in one task
    (run it once, not per host) - the cluster parameter group (custom or default, whether
    C(shared_preload_libraries) has C(pgaudit), the C(pgaudit.*) values set), the instances pending a reboot,
    the C(postgresql) log export and its log group's retention, the activity stream, and the alerting attached
    (subscription filters on the log group, Lambda event source mappings on the activity stream).
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
  parallel:
    description:
      - How many parameter groups, or log groups, are read at a time. Throttled calls are retried (the botocore
        retry mode and attempts of the environment apply).
    type: int
    default: 8
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
- name: Read the fleet
  dbaudit.postgresql.rds_fleet_audit_info:
    cluster_identifiers: "{{ ansible_play_hosts_all }}"
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
      parameter_group:
        name: orders-prod-dbaudit
        default: false
        shared_preload_libraries: [pg_stat_statements, pgaudit]
        pgaudit_preloaded: true
        pgaudit_parameters: {"pgaudit.role": "rds_pgaudit"}
      pending_reboot: []
      log_export: true
      log_group: {"name": "/aws/rds/cluster/orders-prod/postgresql", "exists": true, "retention_days": 365}
      activity_stream: {"status": "started", "mode": "async", "kms_key_id": "...", "kinesis_stream_name": "..."}
      alerting: {"subscription_filters": [], "event_source_mappings": []}
api_calls:
  description: AWS API calls made, per operation (all reads).
  returned: always
  type: dict
  sample: {"describe_db_clusters": 1, "describe_db_cluster_parameters": 2, "describe_log_groups": 1}
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.fleet_audit_reads import read_fleet
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import AnsibleRDSError


def main():
    module = DbauditAWSModule(
        argument_spec=dict(cluster_identifiers=dict(type="list", elements="str", required=True),
                           parallel=dict(type="int", default=8)),
        supports_check_mode=True,
    )
    if module.params["parallel"] < 1:
        module.fail_json(msg="parallel must be at least 1, got %d" % module.params["parallel"])
    retry = AWSRetry.jittered_backoff()
    clients = [module.client(service, retry_decorator=retry) for service in ("rds", "logs", "lambda")]
    try:
        found = read_fleet(clients[0], clients[1], clients[2], module.params["cluster_identifiers"],
                           parallel=module.params["parallel"])
    except AnsibleRDSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **found)


if __name__ == "__main__":
    main()
