"""``CloudwatchLogsExportConfiguration`` on modify_db_cluster / modify_db_instance takes effect.

moto accepts it on clusters and ignores it (it reads a key that never arrives), and on instances
fails when a disabled type was not enabled. AWS turns ``EnableLogTypes`` / ``DisableLogTypes``
into ``EnabledCloudwatchLogsExports``, refuses log types the engine does not have, and keeps the
setting on the cluster for Aurora, where instances show the cluster's list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBCluster, DBInstance, DBInstanceClustered, RDSBackend

# Log types each PostgreSQL engine can export; other engines are not checked.
LOG_TYPES = {
    "aurora-postgresql": ("postgresql", "instance", "iam-db-auth-error"),
    "postgres": ("postgresql", "upgrade", "iam-db-auth-error"),
}


def _config(kwargs: dict[str, Any]) -> dict[str, list[str]] | None:
    config = kwargs.pop("cloudwatch_logs_export_configuration", None)
    if config is None:
        return None
    plain = config.original_dict() if hasattr(config, "original_dict") else dict(config)
    return {"enable": list(plain.get("EnableLogTypes") or []), "disable": list(plain.get("DisableLogTypes") or [])}


def exported_after(current: list[str], enable: list[str], disable: list[str]) -> list[str]:
    """The exported log types once ``enable`` and ``disable`` are applied, in a stable order."""
    result = [log_type for log_type in current if log_type not in disable]
    result.extend(log_type for log_type in enable if log_type not in result)
    return result


def check_log_types(engine: str, engine_version: str, log_types: list[str]) -> None:
    supported = LOG_TYPES.get(engine)
    unsupported = [log_type for log_type in log_types if supported is not None and log_type not in supported]
    if unsupported:
        quoted = ", ".join(f"'{log_type}'" for log_type in unsupported)
        raise RDSClientError("InvalidParameterCombination",
                             f"You cannot use the log types {quoted} with engine version {engine} {engine_version}. "
                             "For supported log types, see the documentation.")


def install() -> None:
    modify_cluster: Callable[..., DBCluster] = RDSBackend.modify_db_cluster

    def modify_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> DBCluster:
        config = _config(kwargs)
        cluster_id = kwargs.get("new_db_cluster_identifier") or kwargs.get("db_cluster_identifier")
        if config is not None and kwargs.get("db_cluster_identifier") in self.clusters:
            cluster = self.clusters[kwargs["db_cluster_identifier"]]
            check_log_types(cluster.engine, cluster.engine_version, config["enable"] + config["disable"])
        result = modify_cluster(self, kwargs)
        if config is not None:
            cluster = self.clusters[cluster_id]
            cluster.enabled_cloudwatch_logs_exports = exported_after(
                list(cluster.enabled_cloudwatch_logs_exports or []), config["enable"], config["disable"])
            result.enabled_cloudwatch_logs_exports = cluster.enabled_cloudwatch_logs_exports
        return result

    RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]

    modify_instance: Callable[..., DBInstance] = RDSBackend.modify_db_instance

    def modify_db_instance(self: RDSBackend, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> DBInstance:
        config = _config(db_kwargs)
        if config is not None:
            instance = self.describe_db_instances(db_instance_identifier)[0]
            if isinstance(instance, DBInstanceClustered):
                raise RDSClientError("InvalidParameterCombination",
                                     "The requested DB instance is a member of a DB cluster. Set "
                                     "CloudwatchLogsExportConfiguration for the DB cluster instead.")
            check_log_types(instance.engine, instance.engine_version, config["enable"] + config["disable"])
        result = modify_instance(self, db_instance_identifier, db_kwargs)
        if config is not None:
            result.enabled_cloudwatch_logs_exports = exported_after(
                list(result.enabled_cloudwatch_logs_exports or []), config["enable"], config["disable"])
        return result

    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]

    def clustered_exports(self: DBInstanceClustered) -> list[str]:
        return list(self.cluster.enabled_cloudwatch_logs_exports or [])

    def ignore_exports(self: DBInstanceClustered, value: list[str]) -> None:
        """Aurora instances export what their cluster exports; a value given at creation is not theirs."""

    DBInstanceClustered.enabled_cloudwatch_logs_exports = property(  # type: ignore[assignment]
        clustered_exports, ignore_exports)
