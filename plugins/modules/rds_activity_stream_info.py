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
module: rds_activity_stream_info
short_description: Read the Database Activity Stream state of Aurora PostgreSQL clusters
version_added: 0.1.0
description:
  - Returns the activity stream of one Aurora PostgreSQL cluster, or of every one in the region with one
    paginated describe (cheaper than one task per cluster on a fleet).
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  cluster_identifier:
    description: Identifier or ARN of one cluster. Omitted, every Aurora PostgreSQL cluster is returned.
    type: str
extends_documentation_fragment:
  - dbaudit.postgresql.attributes.info_module
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Which clusters stream their activity
  dbaudit.postgresql.rds_activity_stream_info:
  register: das

- name: Clusters without a started stream
  ansible.builtin.debug:
    msg: "{{ das.activity_streams | rejectattr('status', 'equalto', 'started') | map(attribute='cluster_identifier') }}"
"""

RETURN = r"""
activity_streams:
  description: One entry per cluster, sorted by identifier. Empty when the named cluster does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    cluster_identifier:
      description: Identifier of the cluster.
      type: str
      returned: always
      sample: prod-db
    cluster_arn:
      description: ARN of the cluster.
      type: str
      returned: always
      sample: arn:aws:rds:eu-west-1:123456789012:cluster:prod-db
    cluster_resource_id:
      description: The cluster's resource id, which names its activity stream and the cluster in the stream's records.
      type: str
      returned: always
      sample: cluster-ABCDEFGHIJKLMNOPQRSTUVWXY
    cluster_status:
      description: The cluster's status, for example C(available) or C(configuring-activity-stream).
      type: str
      returned: always
      sample: available
    status:
      description: C(stopped), C(starting), C(started) or C(stopping).
      type: str
      returned: always
      sample: started
    mode:
      description: C(async) or C(sync); null when stopped.
      type: str
      returned: always
      sample: async
    kms_key_id:
      description: The KMS key as RDS reports it; null when stopped.
      type: str
      returned: always
      sample: 1234abcd-12ab-34cd-56ef-1234567890ab
    kinesis_stream_name:
      description: The Kinesis data stream; null when stopped.
      type: str
      returned: always
      sample: aws-rds-das-cluster-ABCDEFGHIJKLMNOPQRSTUVWXY
"""

from typing import Dict
from typing import List

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import aws_call
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_cluster
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import identifier_from_arn
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import SUPPORTED_ENGINE
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import described_stream


def stream_entries(clusters: List[Dict]) -> List[Dict]:
    """The activity stream of each Aurora PostgreSQL cluster, sorted by identifier."""
    entries = []
    for cluster in clusters:
        if cluster.get("Engine") != SUPPORTED_ENGINE:
            continue
        entry = {"cluster_identifier": cluster["DBClusterIdentifier"], "cluster_arn": cluster.get("DBClusterArn"),
                 "cluster_resource_id": cluster.get("DbClusterResourceId"), "cluster_status": cluster.get("Status")}
        entry.update(described_stream(cluster))
        entries.append(entry)
    return sorted(entries, key=lambda e: e["cluster_identifier"])


@aws_call("describe the Aurora PostgreSQL DB clusters")
def describe_aurora_postgresql_clusters(client) -> List[Dict]:
    paginator = client.get_paginator("describe_db_clusters")
    clusters = []  # type: List[Dict]
    for page in paginator.paginate(Filters=[{"Name": "engine", "Values": [SUPPORTED_ENGINE]}]):
        clusters.extend(page.get("DBClusters") or [])
    return clusters


def do(module) -> None:
    client = module.client("rds")
    if module.params["cluster_identifier"]:
        cluster = describe_cluster(client, identifier_from_arn(module.params["cluster_identifier"]))
        clusters = [cluster] if cluster else []
    else:
        clusters = describe_aurora_postgresql_clusters(client)
    module.exit_json(changed=False, activity_streams=stream_entries(clusters))


def main() -> None:
    module = DbauditAWSModule(argument_spec=dict(cluster_identifier=dict(type="str")), supports_check_mode=True)
    module.run(do)


if __name__ == "__main__":
    main()
