"""Database Activity Streams on Aurora clusters: start, stop, the ``ActivityStream*`` fields and the stream.

``start_activity_stream`` checks what AWS checks (engine, Serverless, burstable instance classes,
a usable customer managed KMS key, the stream not already running), creates the Kinesis stream
``aws-rds-das-<DbClusterResourceId>`` in moto's Kinesis backend and shows ``starting`` (cluster
status ``configuring-activity-stream``) for the ``activity_stream`` delay, then ``started``.
``stop_activity_stream`` deletes the stream and shows ``stopping`` then ``stopped``; stopping a
stopped stream is AWS's ``InvalidParameterCombination`` "... expected to be started, but is
stopped". ``ActivityStreamKmsKeyId`` is the bare key id whatever form of key was given.
``ApplyImmediately=false`` starts or stops now too, unless the control API holds such changes for the maintenance
window (``{"maintenance_window": "hold"}``): a held start shows ``ActivityStreamStatus`` ``starting`` with its mode
and key but no Kinesis stream (none exists yet) while the cluster stays ``available``; a held stop shows ``stopping``
while the stream still runs. ``{"run_maintenance_window": true}`` (or a list of cluster identifiers) plays the
window: held starts and stops then proceed as immediate ones do (see README: how AWS shows a held change is a guess).
``modify_activity_stream`` is for RDS for Oracle / SQL Server instances and is refused here.
``describe_db_clusters`` also takes AWS's ``db-cluster-resource-id`` filter, with which a consumer of a stream
finds the cluster behind ``aws-rds-das-<id>`` (moto knows only ``db-cluster-id`` and ``engine``).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.kinesis.models import kinesis_backends
from moto.kms.models import Key, kms_backends
from moto.rds.exceptions import DBClusterNotFoundError, DBInstanceNotFoundError, RDSClientError
from moto.rds.models import DBCluster, RDSBackend, rds_backends
from moto.rds.utils import FilterDef
from moto.rds.responses import RDSResponse

from . import rds_state
from .settings import SETTINGS
from .transitions import Timed

SUPPORTED_ENGINES = ("aurora-postgresql", "aurora-mysql")
MODES = ("async", "sync")
STREAM_PREFIX = "aws-rds-das-"


def stream_name(cluster: DBCluster) -> str:
    return f"{STREAM_PREFIX}{cluster.db_cluster_resource_id}"


def _cluster_state_error(message: str) -> RDSClientError:
    return RDSClientError("InvalidDBClusterStateFault", message)


def find_cluster(backend: RDSBackend, resource_arn: str | None) -> DBCluster:
    """The cluster a ResourceArn names; instance ARNs get the error AWS gives for Aurora PostgreSQL."""
    parts = (resource_arn or "").split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "rds":
        raise RDSClientError("InvalidParameterValue", f"Invalid resource ARN: {resource_arn}")
    kind, identifier = parts[5], ":".join(parts[6:])
    if kind == "db":
        if identifier not in backend.databases:
            raise DBInstanceNotFoundError(identifier)
        engine = backend.databases[identifier].engine
        raise RDSClientError("InvalidDBInstanceState",
                             f"Database activity streams are not supported for DB instance {identifier} with engine "
                             f"{engine}. For Aurora, start the activity stream on the DB cluster.")
    if kind != "cluster":
        raise RDSClientError("ResourceNotFoundFault", f"The specified resource ARN {resource_arn} was not found.")
    if identifier not in backend.clusters:
        raise DBClusterNotFoundError(identifier)
    return backend.clusters[identifier]


def check_cluster_supported(cluster: DBCluster) -> None:
    identifier = cluster.db_cluster_identifier
    if cluster.engine not in SUPPORTED_ENGINES:
        raise _cluster_state_error(f"Database activity streams aren't supported for DB cluster {identifier} with "
                                   f"engine {cluster.engine}. They are supported on Aurora PostgreSQL and Aurora "
                                   "MySQL.")
    serverless = cluster.engine_mode == "serverless" or any(
        member.db_instance_class == "db.serverless" for member in cluster.members)
    if serverless:
        raise _cluster_state_error(f"Database activity streams aren't supported for Aurora Serverless DB cluster "
                                   f"{identifier}.")
    burstable = sorted({member.db_instance_class for member in cluster.members
                        if str(member.db_instance_class).startswith("db.t")})
    if burstable:
        raise _cluster_state_error(f"Database activity streams aren't supported for DB cluster {identifier} because "
                                   f"it has instances of the burstable instance class {', '.join(burstable)}.")


def resolve_kms_key(backend: RDSBackend, key_ref: str | None) -> Key:
    """The customer managed symmetric KMS key ``key_ref`` names (id, ARN, alias or alias ARN)."""
    if not key_ref:
        raise RDSClientError("InvalidParameterValue", "The parameter KmsKeyId must be provided and must not be blank.")
    region, account = backend.region_name, backend.account_id
    if key_ref.startswith("arn:"):
        parts = key_ref.split(":")
        region, account = parts[3], parts[4]
        if region != backend.region_name:
            raise RDSClientError("KMSKeyNotAccessibleFault",
                                 f"KMS key {key_ref} is not in region {backend.region_name}.")
    kms = kms_backends[account][region]
    try:
        key = kms.describe_key(key_ref)
    except Exception as error:  # moto raises KeyError, AttributeError or its own NotFound for unknown keys
        raise RDSClientError("KMSKeyNotAccessibleFault",
                             f"Specified KMS key [{key_ref}] does not exist, is not enabled or you do not have "
                             "permissions to access it.") from error
    aws_managed = key.key_manager == "AWS" or any(alias.startswith("alias/aws/") for alias in key.aliases)
    if aws_managed:
        raise RDSClientError("KMSKeyNotAccessibleFault",
                             f"The AWS managed KMS key [{key_ref}] can't be used for database activity streams. "
                             "Use a customer managed key.")
    usable = key.key_state == "Enabled" and key.key_spec == "SYMMETRIC_DEFAULT" and key.key_usage in (
        None, "ENCRYPT_DECRYPT")
    if not usable:
        raise RDSClientError("KMSKeyNotAccessibleFault",
                             f"Specified KMS key [{key_ref}] does not exist, is not enabled or you do not have "
                             "permissions to access it.")
    return key


def start(backend: RDSBackend, params: Any) -> dict[str, Any]:
    cluster = find_cluster(backend, params.get("ResourceArn"))
    check_cluster_supported(cluster)
    mode = params.get("Mode")
    if mode not in MODES:
        raise RDSClientError("InvalidParameterValue", f"Invalid value {mode} for Mode: must be async or sync.")
    if mode == "sync" and cluster.engine != "aurora-postgresql":
        raise RDSClientError("InvalidParameterCombination", "The sync mode is supported only by Aurora PostgreSQL.")
    state = rds_state.cluster_state(cluster)
    current = state.stream.current()
    if current != "stopped":
        raise _cluster_state_error(f"The activity stream of DB cluster {cluster.db_cluster_identifier} is {current}.")
    if cluster.status not in ("available", "creating"):
        raise _cluster_state_error(f"DB cluster {cluster.db_cluster_identifier} is not in the available state.")
    key = resolve_kms_key(backend, params.get("KmsKeyId"))

    name = stream_name(cluster)
    state.stream_mode, state.stream_kms_key_id = mode, key.id
    if _held(params):
        state.stream, state.pending = Timed.settled("starting"), "start"
    else:
        _begin_start(backend, cluster)
    return {"KmsKeyId": params.get("KmsKeyId"), "KinesisStreamName": name, "Status": "starting", "Mode": mode,
            "ApplyImmediately": bool(params.get("ApplyImmediately"))}


def _held(params: Any) -> bool:
    apply_immediately = str(params.get("ApplyImmediately", "false")).lower() == "true"
    return not apply_immediately and SETTINGS.holds_for_window()


def _begin_start(backend: RDSBackend, cluster: DBCluster) -> None:
    state = rds_state.cluster_state(cluster)
    name = stream_name(cluster)
    kinesis = kinesis_backends[backend.account_id][backend.region_name]
    if name not in kinesis.streams:
        kinesis.create_stream(name, shard_count=1)
    state.stream, state.stream_name, state.pending = (
        Timed.after("starting", "started", SETTINGS.delay("activity_stream")), name, None)


def _begin_stop(backend: RDSBackend, cluster: DBCluster) -> None:
    state = rds_state.cluster_state(cluster)
    kinesis = kinesis_backends[backend.account_id][backend.region_name]
    kinesis.streams.pop(str(state.stream_name), None)
    state.stream, state.pending = Timed.after("stopping", "stopped", SETTINGS.delay("activity_stream")), None


def run_maintenance_window(cluster_ids: list[str] | None = None) -> list[str]:
    """Play the maintenance window of the named clusters (all when None): held starts and stops proceed.
    Returns the identifiers of the clusters that had one."""
    applied = []
    for regions in list(rds_backends.values()):
        for backend in list(regions.values()):
            for cluster in list(backend.clusters.values()):
                if cluster_ids is not None and cluster.db_cluster_identifier not in cluster_ids:
                    continue
                pending = rds_state.cluster_state(cluster).pending
                if pending == "start":
                    _begin_start(backend, cluster)
                elif pending == "stop":
                    _begin_stop(backend, cluster)
                else:
                    continue
                applied.append(cluster.db_cluster_identifier)
    return sorted(applied)


def stop(backend: RDSBackend, params: Any) -> dict[str, Any]:
    cluster = find_cluster(backend, params.get("ResourceArn"))
    state = rds_state.cluster_state(cluster)
    current = state.stream.current()
    if current == "stopped":
        raise RDSClientError("InvalidParameterCombination", f"The activity stream of DB cluster "
                             f"{cluster.db_cluster_identifier} is expected to be started, but is stopped")
    if current != "started":
        raise _cluster_state_error(f"The activity stream of DB cluster {cluster.db_cluster_identifier} is {current}.")
    if _held(params):
        state.stream, state.pending = Timed.settled("stopping"), "stop"
    else:
        _begin_stop(backend, cluster)
    return {"KmsKeyId": state.stream_kms_key_id, "KinesisStreamName": state.stream_name, "Status": "stopping"}


def _install_cluster_fields() -> None:
    def visible(cluster: DBCluster) -> rds_state.ClusterState | None:
        state = rds_state.cluster_state(cluster)
        return None if state.stream.current() == "stopped" else state

    def status(self: DBCluster) -> str:
        return rds_state.cluster_state(self).stream.current()

    def mode(self: DBCluster) -> str | None:
        return state.stream_mode if (state := visible(self)) else None

    def kms_key_id(self: DBCluster) -> str | None:
        return state.stream_kms_key_id if (state := visible(self)) else None

    def kinesis_stream_name(self: DBCluster) -> str | None:
        return state.stream_name if (state := visible(self)) else None

    DBCluster.activity_stream_status = property(status)  # type: ignore[attr-defined]
    DBCluster.activity_stream_mode = property(mode)  # type: ignore[attr-defined]
    DBCluster.activity_stream_kms_key_id = property(kms_key_id)  # type: ignore[attr-defined]
    DBCluster.activity_stream_kinesis_stream_name = property(kinesis_stream_name)  # type: ignore[attr-defined]


def install() -> None:
    _install_cluster_fields()
    DBCluster.SUPPORTED_FILTERS["db-cluster-resource-id"] = FilterDef(["db_cluster_resource_id"],
                                                                      "DB Cluster Resource Ids")

    def start_activity_stream(self: RDSResponse) -> ActionResult:
        return ActionResult(start(self.backend, self.params))

    def stop_activity_stream(self: RDSResponse) -> ActionResult:
        return ActionResult(stop(self.backend, self.params))

    def modify_activity_stream(self: RDSResponse) -> ActionResult:
        raise RDSClientError("InvalidParameterCombination",
                             "ModifyActivityStream is supported only for RDS for Oracle and RDS for SQL Server DB "
                             "instances.")

    RDSResponse.start_activity_stream = start_activity_stream  # type: ignore[attr-defined]
    RDSResponse.stop_activity_stream = stop_activity_stream  # type: ignore[attr-defined]
    RDSResponse.modify_activity_stream = modify_activity_stream  # type: ignore[attr-defined]
