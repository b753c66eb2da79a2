"""RDS parameter groups as AWS has them: engine defaults, validation, reset, copy and in-use checks.

moto stores only the values a user set and describes only those. Here a group of a family the
catalog knows describes every parameter of its family (engine default, then user values on
top, ``Source`` telling which), paginated; modifications are validated as AWS does before any
is applied, and a value change on a group in use marks its instances ``pending-reboot``
(static, or applied ``pending-reboot``) or ``applying`` (dynamic, ``immediate``).
``default.<family>`` groups exist from the start, as on AWS.

Not-found codes follow the botocore model: every parameter group call answers
``DBParameterGroupNotFound`` (404), cluster groups included; ``DBClusterParameterGroupNotFound``
is for create/modify of a cluster naming a missing group (``rds_apply_status``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBClusterParameterGroup, DBParameterGroup, RDSBackend
from moto.rds.responses import RDSResponse

from . import catalog, pagination, parameter_rules, rds_state

Group = DBParameterGroup | DBClusterParameterGroup


def _level(cluster: bool) -> str:
    return catalog.CLUSTER if cluster else catalog.INSTANCE


def not_found(name: str, cluster: bool) -> RDSClientError:
    kind = "DBClusterParameterGroup" if cluster else "DBParameterGroup"
    return RDSClientError("DBParameterGroupNotFound", f"{kind} not found: {name}")


def get_group(backend: RDSBackend, name: str | None, cluster: bool) -> Group:
    groups = backend.db_cluster_parameter_groups if cluster else backend.db_parameter_groups
    if not name:
        kind = "DBClusterParameterGroupName" if cluster else "DBParameterGroupName"
        raise RDSClientError("InvalidParameterValue", f"The parameter {kind} must be provided and must not be blank.")
    if name.startswith("arn:"):
        name = name.split(":")[-1]
    if name not in groups:
        raise not_found(name, cluster)
    return groups[name]


def _plain(parameter: Any) -> dict[str, Any]:
    return parameter.original_dict() if hasattr(parameter, "original_dict") else dict(parameter)


def effective_parameters(group: Group, cluster: bool) -> list[dict[str, Any]]:
    """What describe shows: the family's engine defaults with the group's user values on top."""
    family, level = rds_state.group_family(group), _level(cluster)
    user = rds_state.user_values(group)
    if not catalog.knows(family, level):
        return [{"ParameterName": name, "Source": "user", **values} for name, values in user.items()]
    parameters = []
    for record in catalog.engine_defaults(str(family), level):
        set_by_user = user.get(record["ParameterName"])
        if set_by_user and set_by_user.get("ParameterValue") is not None:
            record.update(ParameterValue=set_by_user["ParameterValue"], Source="user",
                          ApplyMethod=set_by_user.get("ApplyMethod", record.get("ApplyMethod")))
        parameters.append(record)
    return parameters


def _current_value(group: Group, cluster: bool, name: str) -> str | None:
    set_by_user = rds_state.user_values(group).get(name)
    if set_by_user and set_by_user.get("ParameterValue") is not None:
        return set_by_user["ParameterValue"]
    record = catalog.parameter(str(rds_state.group_family(group)), _level(cluster), name)
    return record.get("ParameterValue") if record else None


def apply_effects(backend: RDSBackend, group: Group, cluster: bool, changes: list[tuple[dict[str, Any], str]]) -> None:
    """Mark the instances using ``group`` as AWS does after its values changed.

    ``changes`` holds (catalog record, apply method) of each parameter whose value changed.
    """
    if not changes:
        return
    needs_reboot = any(parameter_rules.is_static(record) or method == "pending-reboot" for record, method in changes)
    immediate = any(not parameter_rules.is_static(record) and method == "immediate" for record, method in changes)
    if cluster:
        owners = rds_state.clusters_using_group(backend, group.name)
        instances = [member for owner in owners for member in owner.members]
    else:
        instances = rds_state.instances_using_group(backend, group.name)
    for instance in instances:
        state = rds_state.member_state(instance)
        status = state.cluster_group if cluster else state.instance_group
        if needs_reboot:
            status.needs_reboot()
        if immediate:
            status.apply_dynamic()


def modify_group(backend: RDSBackend, name: str | None, parameters: list[Any], cluster: bool) -> str:
    group = get_group(backend, name, cluster)
    if rds_state.is_default_group(group.name):
        raise RDSClientError("InvalidParameterValue", "Cannot modify a default parameter group.")
    requested = [_plain(parameter) for parameter in parameters]
    parameter_rules.check_batch(requested)
    family, level = rds_state.group_family(group), _level(cluster)
    user = rds_state.user_values(group)
    if not catalog.knows(family, level):
        for parameter in requested:
            user[parameter["ParameterName"]].update(parameter)
        return group.name
    records = []
    for parameter in requested:
        record = catalog.parameter(str(family), level, parameter.get("ParameterName", ""))
        parameter_rules.check_modification(record, parameter.get("ParameterName", ""),
                                           parameter.get("ParameterValue"), parameter.get("ApplyMethod"))
        records.append(record)
    changes = []
    for parameter, record in zip(requested, records, strict=True):
        name_ = parameter["ParameterName"]
        before = _current_value(group, cluster, name_)
        user[name_] = {"ParameterName": name_, "ParameterValue": parameter["ParameterValue"],
                       "ApplyMethod": parameter["ApplyMethod"]}
        if before != parameter["ParameterValue"]:
            changes.append((record, parameter["ApplyMethod"]))
    apply_effects(backend, group, cluster, changes)
    return group.name


def reset_group(backend: RDSBackend, name: str | None, reset_all: bool, parameters: list[Any], cluster: bool) -> str:
    group = get_group(backend, name, cluster)
    if rds_state.is_default_group(group.name):
        raise RDSClientError("InvalidParameterValue", "Cannot modify a default parameter group.")
    requested = [_plain(parameter) for parameter in parameters]
    if reset_all and requested:
        raise parameter_rules.invalid_combination("Specify either ResetAllParameters or Parameters, not both.")
    if not reset_all and not requested:
        raise parameter_rules.invalid_combination("Specify ResetAllParameters or a list of Parameters to reset.")
    family, level = rds_state.group_family(group), _level(cluster)
    known = catalog.knows(family, level)
    user = rds_state.user_values(group)
    if reset_all:
        requested = [{"ParameterName": name_} for name_ in list(user)]
    elif len(requested) > parameter_rules.MAX_PARAMETERS_PER_CALL:
        parameter_rules.check_batch(requested)
    resets = []
    for parameter in requested:
        name_ = parameter.get("ParameterName", "")
        record = catalog.parameter(str(family), level, name_) if known else {"ParameterName": name_}
        if known and not reset_all:
            parameter_rules.check_reset(record, name_)
            if parameter.get("ApplyMethod") == "immediate" and parameter_rules.is_static(record or {}):
                raise parameter_rules.invalid_combination("cannot use immediate apply method for static parameter")
        method = parameter.get("ApplyMethod") or ("pending-reboot" if parameter_rules.is_static(record or {})
                                                  else "immediate")
        resets.append((name_, record or {"ParameterName": name_}, method))
    changes = []
    for name_, record, method in resets:
        before = _current_value(group, cluster, name_)
        user.pop(name_, None)
        if known and before != _current_value(group, cluster, name_):
            changes.append((record, method))
    apply_effects(backend, group, cluster, changes)
    return group.name


def delete_group(backend: RDSBackend, name: str | None, cluster: bool) -> None:
    group = get_group(backend, name, cluster)
    kind = "DBClusterParameterGroup" if cluster else "DBParameterGroup"
    if rds_state.is_default_group(group.name):
        raise RDSClientError("InvalidDBParameterGroupState", f"Default {kind} cannot be deleted: {group.name}")
    if cluster and rds_state.clusters_using_group(backend, group.name):
        raise RDSClientError("InvalidDBParameterGroupState", f"One or more DB clusters are still members of this "
                             f"parameter group {group.name}, so the group cannot be deleted")
    if not cluster and rds_state.instances_using_group(backend, group.name):
        raise RDSClientError("InvalidDBParameterGroupState", f"One or more database instances are still members of "
                             f"this parameter group {group.name}, so the group cannot be deleted")
    groups = backend.db_cluster_parameter_groups if cluster else backend.db_parameter_groups
    groups.pop(group.name)


def describe_parameters(response: RDSResponse, cluster: bool) -> ActionResult:
    params = response.params
    name = params.get("DBClusterParameterGroupName" if cluster else "DBParameterGroupName")
    group = get_group(response.backend, name, cluster)
    parameters = effective_parameters(group, cluster)
    source = params.get("Source")
    if source:
        parameters = [parameter for parameter in parameters if parameter.get("Source") == source]
    chunk, marker = pagination.page(parameters, params.get("MaxRecords"), params.get("Marker"))
    return ActionResult({"Parameters": chunk, "Marker": marker})


def describe_engine_defaults(response: RDSResponse, cluster: bool) -> ActionResult:
    params = response.params
    family = params.get("DBParameterGroupFamily")
    if not family:
        raise RDSClientError("InvalidParameterValue",
                             "The parameter DBParameterGroupFamily must be provided and must not be blank.")
    parameters = catalog.engine_defaults(family, _level(cluster))
    chunk, marker = pagination.page(parameters, params.get("MaxRecords"), params.get("Marker"))
    return ActionResult({"EngineDefaults": {"DBParameterGroupFamily": family, "Marker": marker, "Parameters": chunk}})


def _copy(original: Callable[[RDSResponse], ActionResult], cluster: bool) -> Callable[[RDSResponse], ActionResult]:
    """moto copies user values and family correctly; it only needs the source to exist or be a default."""

    def copy_group(self: RDSResponse) -> ActionResult:
        source = self.params.get("SourceDBClusterParameterGroupIdentifier" if cluster
                                 else "SourceDBParameterGroupIdentifier")
        get_group(self.backend, source, cluster)
        return original(self)

    return copy_group


def _describe_groups(original: Callable[[RDSResponse], ActionResult]) -> Callable[[RDSResponse], ActionResult]:
    def describe_db_parameter_groups(self: RDSResponse) -> ActionResult:
        name = self.params.get("DBParameterGroupName")
        if name:
            get_group(self.backend, name, cluster=False)
        return original(self)

    return describe_db_parameter_groups


def install() -> None:
    backend_init = RDSBackend.__init__

    def init(self: RDSBackend, region_name: str, account_id: str) -> None:
        backend_init(self, region_name, account_id)
        rds_state.ensure_all_default_groups(self)

    RDSBackend.__init__ = init  # type: ignore[method-assign]

    def describe_db_parameters(self: RDSResponse) -> ActionResult:
        return describe_parameters(self, cluster=False)

    def describe_db_cluster_parameters(self: RDSResponse) -> ActionResult:
        return describe_parameters(self, cluster=True)

    def describe_engine_default_parameters(self: RDSResponse) -> ActionResult:
        return describe_engine_defaults(self, cluster=False)

    def describe_engine_default_cluster_parameters(self: RDSResponse) -> ActionResult:
        return describe_engine_defaults(self, cluster=True)

    def modify_db_parameter_group(self: RDSResponse) -> ActionResult:
        name = modify_group(self.backend, self.params.get("DBParameterGroupName"),
                            self.params.get("Parameters") or [], cluster=False)
        return ActionResult({"DBParameterGroupName": name})

    def modify_db_cluster_parameter_group(self: RDSResponse) -> ActionResult:
        name = modify_group(self.backend, self.params.get("DBClusterParameterGroupName"),
                            self.params.get("Parameters") or [], cluster=True)
        return ActionResult({"DBClusterParameterGroupName": name})

    def reset_db_parameter_group(self: RDSResponse) -> ActionResult:
        name = reset_group(self.backend, self.params.get("DBParameterGroupName"),
                           bool(self.params.get("ResetAllParameters")), self.params.get("Parameters") or [],
                           cluster=False)
        return ActionResult({"DBParameterGroupName": name})

    def reset_db_cluster_parameter_group(self: RDSResponse) -> ActionResult:
        name = reset_group(self.backend, self.params.get("DBClusterParameterGroupName"),
                           bool(self.params.get("ResetAllParameters")), self.params.get("Parameters") or [],
                           cluster=True)
        return ActionResult({"DBClusterParameterGroupName": name})

    def delete_db_parameter_group(self: RDSResponse) -> ActionResult:
        delete_group(self.backend, self.params.get("DBParameterGroupName"), cluster=False)
        return EmptyResult()

    def delete_db_cluster_parameter_group(self: RDSResponse) -> ActionResult:
        delete_group(self.backend, self.params.get("DBClusterParameterGroupName"), cluster=True)
        return EmptyResult()

    for handler in (describe_db_parameters, describe_db_cluster_parameters, describe_engine_default_parameters,
                    describe_engine_default_cluster_parameters, modify_db_parameter_group,
                    modify_db_cluster_parameter_group, reset_db_parameter_group, reset_db_cluster_parameter_group,
                    delete_db_parameter_group, delete_db_cluster_parameter_group):
        setattr(RDSResponse, handler.__name__, handler)
    RDSResponse.copy_db_parameter_group = _copy(RDSResponse.copy_db_parameter_group, cluster=False)
    RDSResponse.copy_db_cluster_parameter_group = _copy(RDSResponse.copy_db_cluster_parameter_group, cluster=True)
    RDSResponse.describe_db_parameter_groups = _describe_groups(RDSResponse.describe_db_parameter_groups)
