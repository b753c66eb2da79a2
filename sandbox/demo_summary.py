"""What the demo fleet looks like in the AWS emulator after enable_audit: one line per cluster."""

from __future__ import annotations

import sys

import boto3

from . import aws_reads, state


def _client(env: dict, service: str):
    aws = env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


def preload_libraries(rds, group: str) -> str:
    pages = rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=group)
    for page in pages:
        for parameter in page["Parameters"]:
            if parameter["ParameterName"] == "shared_preload_libraries":
                return parameter.get("ParameterValue", "")
    return ""


def main() -> int:
    env = state.read_json(state.env_file(state.DEFAULT_NAME))
    rds, kinesis = _client(env, "rds"), _client(env, "kinesis")
    streams = set(aws_reads.kinesis_stream_names(kinesis))
    rows = [("cluster", "parameter group", "shared_preload_libraries", "members in-sync", "log export",
             "activity stream")]
    clusters = [c for page in rds.get_paginator("describe_db_clusters").paginate() for c in page["DBClusters"]]
    for cluster in sorted(clusters, key=lambda c: c["DBClusterIdentifier"]):
        if not cluster["DBClusterIdentifier"].startswith("demo-cluster-"):
            continue
        group = cluster["DBClusterParameterGroup"]
        members = cluster.get("DBClusterMembers", [])
        in_sync = sum(1 for m in members if m.get("DBClusterParameterGroupStatus") == "in-sync")
        stream = cluster.get("ActivityStreamKinesisStreamName", "")
        das = f"{cluster.get('ActivityStreamStatus', 'stopped')} {cluster.get('ActivityStreamMode', '')}".strip()
        if stream:
            das += f" -> {stream}" + ("" if stream in streams else " (stream missing!)")
        rows.append((cluster["DBClusterIdentifier"], group, preload_libraries(rds, group), f"{in_sync}/{len(members)}",
                     ",".join(cluster.get("EnabledCloudwatchLogsExports", [])) or "-", das))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
