"""What the RDS extensions remember about clusters, instances and parameter groups, kept on moto's objects.

State hangs off the model objects (attribute ``_dbaudit``), so it disappears with them when a
resource is deleted or moto is reset. Parameter groups keep only the user-set values in moto's
own ``parameters`` dict; engine defaults come from ``catalog`` when a describe asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.rds.models import DBCluster, DBClusterParameterGroup, DBInstance, DBParameterGroup, RDSBackend

from . import catalog
from .settings import SETTINGS
from .transitions import Timed, now

PENDING_REBOOT = "pending-reboot"
APPLYING = "applying"
IN_SYNC = "in-sync"


@dataclass
class ApplyStatus:
    """How far an instance has taken in the values of one of its parameter groups."""

    pending_since: float | None = None
    applying: Timed | None = None

    def needs_reboot(self, at: float | None = None) -> None:
        self.pending_since = now() if at is None else at

    def apply_dynamic(self) -> None:
        self.applying = Timed.after(APPLYING, IN_SYNC, SETTINGS.delay("parameter_apply"))


@dataclass
class MemberState:
    """Extension state of one DB instance."""

    instance_group: ApplyStatus = field(default_factory=ApplyStatus)
    cluster_group: ApplyStatus = field(default_factory=ApplyStatus)
    reboot: Timed | None = None
    reboot_started: float | None = None

    def rebooting(self) -> bool:
        return self.reboot is not None and self.reboot.in_transition()

    def status_of(self, group: ApplyStatus) -> str:
        """``pending-reboot`` until a reboot that began after the change has finished."""
        if group.pending_since is not None:
            covered = (self.reboot_started is not None and self.reboot_started >= group.pending_since
                       and not self.rebooting())
            if not covered:
                return PENDING_REBOOT
            group.pending_since = None
        if group.applying is not None and group.applying.in_transition():
            return APPLYING
        return IN_SYNC


@dataclass
class ClusterState:
    """Extension state of one DB cluster: its activity stream and any whole-cluster reboot."""

    stream: Timed = field(default_factory=lambda: Timed.settled("stopped"))
    stream_mode: str | None = None
    stream_kms_key_id: str | None = None
    stream_name: str | None = None
    pending: str | None = None  # "start" or "stop" held for the maintenance window (ApplyImmediately=false)
    reboot: Timed | None = None


def member_state(instance: DBInstance) -> MemberState:
    state = instance.__dict__.get("_dbaudit")
    if state is None:
        state = instance.__dict__["_dbaudit"] = MemberState()
    return state


def cluster_state(cluster: DBCluster) -> ClusterState:
    state = cluster.__dict__.get("_dbaudit")
    if state is None:
        state = cluster.__dict__["_dbaudit"] = ClusterState()
    return state


def group_family(group: DBParameterGroup | DBClusterParameterGroup) -> str | None:
    family = getattr(group, "family", None) or getattr(group, "db_parameter_group_family", None)
    return str(family).lower() if family else None


def is_default_group(name: str) -> bool:
    return name.lower().startswith("default.")


def cluster_family(cluster: DBCluster) -> str | None:
    return catalog.family_for(cluster.engine, cluster.engine_version)


def instance_family(instance: DBInstance) -> str | None:
    return catalog.family_for(instance.engine, instance.engine_version)


def instance_group_name(instance: DBInstance) -> str:
    """The DB parameter group an instance uses, its engine's default when none was named."""
    name = instance.db_parameter_group_name
    if not name or instance.is_default_parameter_group(name):
        return instance.db_parameter_groups()[0].name
    return str(name).lower()


def ensure_default_groups(backend: RDSBackend, family: str | None) -> None:
    """Create ``default.<family>`` groups as AWS always has them, for families the catalog knows."""
    if not family:
        return
    family = family.lower()
    name = f"default.{family}"
    if catalog.knows(family, catalog.INSTANCE) and name not in backend.db_parameter_groups:
        backend.db_parameter_groups[name] = DBParameterGroup(
            backend=backend, db_parameter_group_name=name, db_parameter_group_family=family,
            description=f"Default parameter group for {family}", tags=[])
    if catalog.knows(family, catalog.CLUSTER) and name not in backend.db_cluster_parameter_groups:
        backend.db_cluster_parameter_groups[name] = DBClusterParameterGroup(
            backend=backend, db_cluster_parameter_group_name=name, db_parameter_group_family=family,
            description=f"Default cluster parameter group for {family}", tags=[])


def ensure_all_default_groups(backend: RDSBackend) -> None:
    for family in catalog.families():
        ensure_default_groups(backend, family)


def instances_using_group(backend: RDSBackend, name: str) -> list[DBInstance]:
    return [instance for instance in backend.databases.values() if instance_group_name(instance) == name.lower()]


def clusters_using_group(backend: RDSBackend, name: str) -> list[DBCluster]:
    return [cluster for cluster in backend.clusters.values() if str(cluster.parameter_group).lower() == name.lower()]


def user_values(group: DBParameterGroup | DBClusterParameterGroup) -> dict[str, dict[str, Any]]:
    """name -> {"ParameterName", "ParameterValue", "ApplyMethod"} of the values set on the group."""
    return group.parameters
