"""The sandbox's Database Activity Streams: pgAudit lines -> encrypted records in ``aws-rds-das-<id>``.

For every cluster whose activity stream is started (``describe_db_clusters``), the pgAudit lines
of the cluster's database (``demo-cluster-01`` -> ``demo_cluster_01``, as ``log_shipper`` maps
them) logged after the stream was first seen started become DAS events, encrypted under a data
key from the emulator's KMS ``GenerateDataKey`` with ``aws:rds:dbc-id=<resource id>``
(``sandbox.das_records``), one record per poll, and a heartbeat record when a cluster has been
quiet for ``HEARTBEAT_SECONDS`` (RDS sends them about every 2 s).
"""

from __future__ import annotations

import csv
import io
import time

from sandbox import das_records

from .server_log import Entry

HEARTBEAT_SECONDS = 2.0
MARK = "AUDIT: "


def audit_event(entry: Entry) -> dict | None:
    """The DAS event of one pgAudit entry, or None for other log lines."""
    at = entry.message.find(MARK)
    if at < 0:
        return None
    fields = next(csv.reader(io.StringIO(entry.message[at + len(MARK):])), [])
    if len(fields) < 9:
        return None
    host, _sep, port = entry.remote.partition("(")
    return das_records.activity_event(
        pid=entry.pid, dbUserName=entry.user, databaseName=entry.database, remoteHost=host or "[local]",
        remotePort=port.rstrip(")"), statementId=int(fields[1]), substatementId=int(fields[2]),
        **{"class": fields[3]}, command=fields[4], objectType=fields[5] or None, objectName=fields[6] or None,
        commandText=fields[7], paramList=[] if fields[8] == "<not logged>" else [fields[8]],
        sessionId=f"sandbox.{entry.pid:x}")


def started_clusters(rds) -> dict[str, dict]:
    found = {}
    for page in rds.get_paginator("describe_db_clusters").paginate():
        for cluster in page["DBClusters"]:
            if cluster.get("ActivityStreamStatus") != "started":
                continue
            writer = next((m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])
                           if m.get("IsClusterWriter")), cluster["DBClusterIdentifier"])
            found[cluster["DBClusterIdentifier"].replace("-", "_")] = {
                "cluster": cluster["DBClusterIdentifier"], "resource_id": cluster["DbClusterResourceId"],
                "kms_key": cluster["ActivityStreamKmsKeyId"], "instance": writer}
    return found


def put_record(kinesis, stream: str, data: bytes, partition_key: str) -> None:
    """Kinesis PutRecord, tolerating moto's stale event source mappings.

    moto stores the record, then invokes the functions of the stream's mappings itself; after a
    mapping and its function are deleted it still tries and answers ResourceNotFoundException
    "Function not found". The record is in the shard by then, so that answer is not a failure.
    """
    from botocore.exceptions import ClientError

    try:
        kinesis.put_record(StreamName=stream, Data=data, PartitionKey=partition_key)
    except ClientError as error:
        if not error.response["Error"].get("Message", "").startswith("Function not found"):
            raise


class DasEmitter:
    def __init__(self, rds, kms, kinesis, clock=time.time):
        self.rds, self.kms, self.kinesis, self.clock = rds, kms, kinesis, clock
        self.since_ms: dict[str, int] = {}   # resource id -> when the stream was first seen started
        self.keys: dict[str, das_records.DataKey] = {}
        self.last_sent: dict[str, float] = {}

    def emit(self, entries: list[Entry]) -> int:
        clusters = started_clusters(self.rds)
        for gone in set(self.since_ms) - {c["resource_id"] for c in clusters.values()}:
            self.since_ms.pop(gone, None)
            self.keys.pop(gone, None)
        now = self.clock()
        sent = 0
        for database, cluster in clusters.items():
            resource_id = cluster["resource_id"]
            since = self.since_ms.setdefault(resource_id, int(now * 1000))
            events = [event for entry in entries if entry.database == database and entry.timestamp_ms >= since
                      for event in [audit_event(entry)] if event]
            if not events and now - self.last_sent.get(resource_id, 0) < HEARTBEAT_SECONDS:
                continue
            events = events or [das_records.heartbeat_event()]
            key = self.keys.get(resource_id)
            if key is None:
                key = self.keys[resource_id] = das_records.new_data_key(self.kms, cluster["kms_key"], resource_id)
            data = das_records.das_record(events, key, cluster_id=resource_id, instance_id=cluster["instance"])
            put_record(self.kinesis, das_records.das_stream_name(resource_id), data, resource_id)
            self.last_sent[resource_id] = now
            sent += len(events)
        return sent
