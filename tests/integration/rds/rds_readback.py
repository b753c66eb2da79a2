"""Reading RDS state back with boto3, to prove what a module did (or did not) change."""

from __future__ import annotations


def cluster_parameter(rds, group: str, name: str):
    paginator = rds.get_paginator("describe_db_cluster_parameters")
    for page in paginator.paginate(DBClusterParameterGroupName=group):
        for parameter in page["Parameters"]:
            if parameter["ParameterName"] == name:
                return parameter.get("ParameterValue")
    raise KeyError(name)


def members(rds, cluster_id: str) -> dict:
    """{instance id: (writer, DBInstanceStatus, ParameterApplyStatus, DBClusterParameterGroupStatus)}."""
    cluster = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    roles = {m["DBInstanceIdentifier"]: m for m in cluster["DBClusterMembers"]}
    out = {}
    described = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])
    for instance in described["DBInstances"]:
        member = roles[instance["DBInstanceIdentifier"]]
        out[instance["DBInstanceIdentifier"]] = (member["IsClusterWriter"], instance["DBInstanceStatus"],
                                                 instance["DBParameterGroups"][0]["ParameterApplyStatus"],
                                                 member.get("DBClusterParameterGroupStatus"))
    return out
