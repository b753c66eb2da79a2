"""Parameter apply status, reboots and group attachment of RDS clusters and instances, as AWS shows them.

- ``DBInstances[].DBParameterGroups[].ParameterApplyStatus`` and
  ``DBClusters[].DBClusterMembers[].DBClusterParameterGroupStatus`` are ``pending-reboot`` after a
  value change that needs a reboot (``rds_parameter_groups``) or after another group is attached,
  ``applying`` for a moment after an immediate dynamic change, ``in-sync`` otherwise.
- ``reboot_db_instance`` makes the instance ``rebooting`` for the ``reboot`` delay, then
  ``available`` and ``in-sync``; ``reboot_db_cluster`` (missing in moto) reboots every member.
- ``create_db_cluster`` for a PostgreSQL engine gets ``default.<family>`` (moto gives
  ``default.aurora8.0``); naming a missing group is ``DBClusterParameterGroupNotFound`` and a group
  of another family ``InvalidParameterCombination``, as on AWS.
- Every instance gets its own ``DbiResourceId`` (moto gives them all the same one).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import DBClusterNotFoundError, InvalidDBInstanceStateError, RDSClientError
from moto.rds.models import DBCluster, DBInstance, RDSBackend
from moto.rds.responses import RDSResponse

from . import catalog, rds_parameter_groups, rds_state
from .settings import SETTINGS
from .transitions import Timed, now


def _random_suffix(length: int = 26) -> str:
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=length))  # noqa: S311


def get_cluster(backend: RDSBackend, identifier: str | None) -> DBCluster:
    if identifier and identifier.startswith("arn:"):
        identifier = identifier.split(":")[-1]
    if not identifier or identifier not in backend.clusters:
        raise DBClusterNotFoundError(str(identifier))
    return backend.clusters[identifier]


def _check_family(group_family: str | None, wanted: str | None, group: str, what: str) -> None:
    if group_family and wanted and group_family != wanted:
        raise RDSClientError("InvalidParameterCombination",
                             f"The parameter group {group} with DBParameterGroupFamily {group_family} can't be used "
                             f"for this {what}. Use a parameter group with DBParameterGroupFamily {wanted}.")


def reboot_instance(instance: DBInstance) -> None:
    if instance.status != "available":
        raise InvalidDBInstanceStateError(instance.db_instance_identifier, "stop")
    state = rds_state.member_state(instance)
    state.reboot_started = now()
    state.reboot = Timed.after("rebooting", "available", SETTINGS.delay("reboot"))


def _install_statuses() -> None:
    def instance_status(self: DBInstance) -> str:
        if rds_state.member_state(self).rebooting():
            return "rebooting"
        return self.__dict__.get("_dbaudit_status", "available")

    def set_instance_status(self: DBInstance, value: str) -> None:
        self.__dict__["_dbaudit_status"] = value

    DBInstance.status = property(instance_status, set_instance_status)  # type: ignore[assignment]

    def parameter_group_status_list(self: DBInstance) -> list[dict[str, str]]:
        state = rds_state.member_state(self)
        return [{"DBParameterGroupName": rds_state.instance_group_name(self),
                 "ParameterApplyStatus": state.status_of(state.instance_group)}]

    DBInstance.db_parameter_group_status_list = property(parameter_group_status_list)  # type: ignore[assignment]

    def cluster_members(self: DBCluster) -> list[dict[str, Any]]:
        members = []
        for member in self.members:
            state = rds_state.member_state(member)
            members.append({"DBInstanceIdentifier": member.db_instance_identifier,
                            "IsClusterWriter": member.is_cluster_writer,
                            "DBClusterParameterGroupStatus": state.status_of(state.cluster_group),
                            "PromotionTier": member.promotion_tier})
        return members

    DBCluster.db_cluster_members = property(cluster_members)  # type: ignore[assignment]

    moto_cluster_status = DBCluster.status

    def cluster_status(self: DBCluster) -> str:
        state = rds_state.cluster_state(self)
        if state.stream.in_transition():
            return "configuring-activity-stream"
        if state.reboot is not None and state.reboot.in_transition():
            return "rebooting"
        return moto_cluster_status.fget(self)  # type: ignore[union-attr]

    DBCluster.status = property(cluster_status, moto_cluster_status.fset)  # type: ignore[assignment]


def _install_backend() -> None:
    create_cluster: Callable[..., DBCluster] = RDSBackend.create_db_cluster

    def create_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> DBCluster:
        engine = kwargs.get("engine") or ""
        version = kwargs.get("engine_version") or (DBCluster.default_engine_version(engine)
                                                   if engine in ("aurora-postgresql", "postgres") else "")
        family = catalog.family_for(engine, version)
        name = kwargs.get("db_cluster_parameter_group_name")
        if name:
            if name not in self.db_cluster_parameter_groups:
                raise RDSClientError("DBClusterParameterGroupNotFound", f"DBClusterParameterGroup not found: {name}")
            group = self.db_cluster_parameter_groups[name]
            _check_family(rds_state.group_family(group), family, group.name, "DB cluster")
        elif family:
            rds_state.ensure_default_groups(self, family)
            if f"default.{family}" in self.db_cluster_parameter_groups:
                kwargs["db_cluster_parameter_group_name"] = f"default.{family}"
        return create_cluster(self, kwargs)

    RDSBackend.create_db_cluster = create_db_cluster  # type: ignore[method-assign]

    create_instance: Callable[..., DBInstance] = RDSBackend.create_db_instance

    def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        instance = create_instance(self, db_kwargs)
        instance.dbi_resource_id = f"db-{_random_suffix()}"
        rds_state.ensure_default_groups(self, rds_state.instance_family(instance))
        name = db_kwargs.get("db_parameter_group_name")
        if name and name in self.db_parameter_groups:
            try:
                _check_family(rds_state.group_family(self.db_parameter_groups[name]),
                              rds_state.instance_family(instance), name, "DB instance")
            except RDSClientError:
                self.databases.pop(instance.db_instance_identifier, None)
                raise
        return instance

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]

    def reboot_db_instance(self: RDSBackend, db_instance_identifier: str) -> DBInstance:
        instance = self.describe_db_instances(db_instance_identifier)[0]
        reboot_instance(instance)
        return instance

    RDSBackend.reboot_db_instance = reboot_db_instance  # type: ignore[method-assign]

    modify_cluster: Callable[..., DBCluster] = RDSBackend.modify_db_cluster

    def modify_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> DBCluster:
        cluster = get_cluster(self, kwargs.get("db_cluster_identifier"))
        before = str(cluster.parameter_group).lower()
        name = kwargs.get("db_cluster_parameter_group_name")
        if name:
            if name not in self.db_cluster_parameter_groups:
                raise RDSClientError("DBClusterParameterGroupNotFound", f"DBClusterParameterGroup not found: {name}")
            group = self.db_cluster_parameter_groups[name]
            _check_family(rds_state.group_family(group), rds_state.cluster_family(cluster), group.name, "DB cluster")
            kwargs["db_cluster_parameter_group_name"] = group.name
        result = modify_cluster(self, kwargs)
        if name and str(cluster.parameter_group).lower() != before:
            for member in cluster.members:
                rds_state.member_state(member).cluster_group.needs_reboot()
        return result

    RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]

    modify_instance: Callable[..., DBInstance] = RDSBackend.modify_db_instance

    def modify_db_instance(self: RDSBackend, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> DBInstance:
        instance = self.describe_db_instances(db_instance_identifier)[0]
        before = rds_state.instance_group_name(instance)
        name = db_kwargs.get("db_parameter_group_name")
        if name:
            group = rds_parameter_groups.get_group(self, name, cluster=False)
            _check_family(rds_state.group_family(group), rds_state.instance_family(instance), group.name,
                          "DB instance")
        result = modify_instance(self, db_instance_identifier, db_kwargs)
        if name and rds_state.instance_group_name(result) != before:
            rds_state.member_state(result).instance_group.needs_reboot()
        return result

    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]


def _install_responses() -> None:
    def reboot_db_cluster(self: RDSResponse) -> ActionResult:
        cluster = get_cluster(self.backend, self.params.get("DBClusterIdentifier"))
        if cluster.status != "available":
            raise RDSClientError("InvalidDBClusterStateFault",
                                 f"DbCluster {cluster.db_cluster_identifier} is not in a valid state for reboot.")
        members = cluster.members
        for member in members:
            if member.status != "available":
                raise InvalidDBInstanceStateError(member.db_instance_identifier, "stop")
        for member in members:
            reboot_instance(member)
        rds_state.cluster_state(cluster).reboot = Timed.after("rebooting", "available", SETTINGS.delay("reboot"))
        return ActionResult({"DBCluster": cluster})

    RDSResponse.reboot_db_cluster = reboot_db_cluster  # type: ignore[attr-defined]


def install() -> None:
    _install_statuses()
    _install_backend()
    _install_responses()
