"""Ship the sandbox server log to CloudWatch Logs the way RDS does for exported logs.

Each emulated cluster stands for one database on the sandbox server (see ``sandbox.fleet``):
an entry logged in database ``demo_cluster_01`` goes to ``/aws/rds/cluster/demo-cluster-01/postgresql``,
stream ``<writer instance id>``, once that cluster's ``postgresql`` log export is enabled.
RDS creates the log group when it first exports (without a retention: hence the collection
creates it first with one); so does this shipper.
"""

from __future__ import annotations

from collections import defaultdict

from .server_log import Entry
import contextlib

MAX_BATCH = 1000


def log_group_name(cluster_id: str) -> str:
    return f"/aws/rds/cluster/{cluster_id}/postgresql"


def exporting_clusters(rds) -> dict[str, dict]:
    """Clusters with the postgresql log export on, by the database that stands for them."""
    found = {}
    for page in rds.get_paginator("describe_db_clusters").paginate():
        for cluster in page["DBClusters"]:
            if "postgresql" not in cluster.get("EnabledCloudwatchLogsExports", []):
                continue
            writer = next((m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])
                           if m.get("IsClusterWriter")), cluster["DBClusterIdentifier"])
            database = cluster["DBClusterIdentifier"].replace("-", "_")
            found[database] = {"cluster_id": cluster["DBClusterIdentifier"], "stream": writer}
    return found


def _ensure_destination(logs, group: str, stream: str, known: set) -> None:
    if (group, stream) in known:
        return
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    known.add((group, stream))


def ship(entries: list[Entry], rds, logs, known: set) -> int:
    """Put the entries of exporting clusters into their log groups; return how many were shipped."""
    if not entries:
        return 0
    targets = exporting_clusters(rds)
    batches: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for entry in entries:
        target = targets.get(entry.database)
        if target:
            key = (log_group_name(target["cluster_id"]), target["stream"])
            batches[key].append({"timestamp": entry.timestamp_ms, "message": entry.message})
    shipped = 0
    for (group, stream), events in batches.items():
        _ensure_destination(logs, group, stream, known)
        events.sort(key=lambda event: event["timestamp"])
        for start in range(0, len(events), MAX_BATCH):
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events[start:start + MAX_BATCH])
        shipped += len(events)
    return shipped
