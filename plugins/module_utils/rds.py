# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""RDS and Aurora PostgreSQL: the API calls the collection's RDS modules make, a polling waiter,
and pure helpers over clusters and instances (who is pending a reboot, in which order to reboot).

Every call is retried with jittered backoff on throttling and funnelled through one error path,
``aws_call`` (the collection's ``AWSErrors``), so a failure says which call failed on what:
``Failed to modify DB cluster parameter group audit-pg15: InvalidParameterValue ...``. Pure parameter logic is
in ``rds_parameters``, activity stream checks in ``rds_activity_stream``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import Any
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import modify_requests

_RAISE = object()
MAX_RECORDS = 100


class AnsibleRDSError(AnsibleAWSError):
    """A failed RDS, KMS or wait step; ``message`` names the call and the resource."""


def error_code(exception: Exception) -> Optional[str]:
    response = getattr(exception, "response", None) or {}
    return response.get("Error", {}).get("Code")


def error_message(exception: Exception) -> str:
    response = getattr(exception, "response", None) or {}
    return response.get("Error", {}).get("Message") or str(exception)


RDSErrors = AWSErrors.variant(exception=AnsibleRDSError)


def aws_call(description: str, missing_codes: tuple = (), missing: Any = _RAISE):
    """Decorate one API call: jittered-backoff retries, then every error as an AnsibleRDSError whose
    message is ``Failed to <description>`` with the call's arguments filled in (``{name}``).
    Errors with a code in ``missing_codes`` return ``missing`` instead (a describe of nothing)."""

    def wrapper(func):
        retried = AWSRetry.jittered_backoff()(func)
        if missing is _RAISE:
            return RDSErrors.common_error_handler(description)(retried)
        return RDSErrors.variant(missing_codes).list_error_handler(description, missing)(retried)

    return wrapper


# ---------------------------------------------------------------------------------------------
# Parameter groups: one table so cluster and instance groups share the code
# ---------------------------------------------------------------------------------------------

SCOPES = {
    "cluster": {
        "label": "DB cluster parameter group",
        "name": "DBClusterParameterGroupName",
        "groups": "DBClusterParameterGroups",
        "arn": "DBClusterParameterGroupArn",
        "describe_groups": "describe_db_cluster_parameter_groups",
        "describe_parameters": "describe_db_cluster_parameters",
        "engine_defaults": "describe_engine_default_cluster_parameters",
        "create": "create_db_cluster_parameter_group",
        "created": "DBClusterParameterGroup",
        "copy": "copy_db_cluster_parameter_group",
        "copy_source": "SourceDBClusterParameterGroupIdentifier",
        "copy_target": "TargetDBClusterParameterGroupIdentifier",
        "copy_description": "TargetDBClusterParameterGroupDescription",
        "copied": "DBClusterParameterGroup",
        "modify": "modify_db_cluster_parameter_group",
        "delete": "delete_db_cluster_parameter_group",
    },
    "instance": {
        "label": "DB parameter group",
        "name": "DBParameterGroupName",
        "groups": "DBParameterGroups",
        "arn": "DBParameterGroupArn",
        "describe_groups": "describe_db_parameter_groups",
        "describe_parameters": "describe_db_parameters",
        "engine_defaults": "describe_engine_default_parameters",
        "create": "create_db_parameter_group",
        "created": "DBParameterGroup",
        "copy": "copy_db_parameter_group",
        "copy_source": "SourceDBParameterGroupIdentifier",
        "copy_target": "TargetDBParameterGroupIdentifier",
        "copy_description": "TargetDBParameterGroupDescription",
        "copied": "DBParameterGroup",
        "modify": "modify_db_parameter_group",
        "delete": "delete_db_parameter_group",
    },
}
GROUP_NOT_FOUND = ("DBParameterGroupNotFound", "DBParameterGroupNotFoundFault", "DBClusterParameterGroupNotFound",
                   "DBClusterParameterGroupNotFoundFault")


def scope_label(scope: str) -> str:
    return SCOPES[scope]["label"]


@aws_call("describe {scope} parameter group {name}", GROUP_NOT_FOUND, None)
def describe_parameter_group(client, scope: str, name: str) -> Optional[Dict]:
    """The group (``DBParameterGroupFamily``, ``Description``, ARN...), None when there is none."""
    api = SCOPES[scope]
    groups = getattr(client, api["describe_groups"])(**{api["name"]: name})[api["groups"]]
    for group in groups:
        if group.get(api["name"]) == name:
            return group
    return None


def group_arn(scope: str, group: Dict) -> Optional[str]:
    return group.get(SCOPES[scope]["arn"])


@aws_call("describe the parameters of {scope} parameter group {name}")
def describe_parameters(client, scope: str, name: str) -> List[Dict]:
    """Every parameter of the group (all pages)."""
    api = SCOPES[scope]
    paginator = client.get_paginator(api["describe_parameters"])
    parameters = []  # type: List[Dict]
    for page in paginator.paginate(**{api["name"]: name, "MaxRecords": MAX_RECORDS}):
        parameters.extend(page.get("Parameters") or [])
    return parameters


@aws_call("describe the engine default {scope} parameters of family {family}")
def describe_engine_defaults(client, scope: str, family: str, calls: Optional[Dict[str, int]] = None) -> List[Dict]:
    """The family's engine default parameters (all pages); ``calls`` counts the pages."""
    api = SCOPES[scope]
    paginator = client.get_paginator(api["engine_defaults"])
    parameters = []  # type: List[Dict]
    for page in paginator.paginate(DBParameterGroupFamily=family, MaxRecords=MAX_RECORDS):
        _count(calls, api["engine_defaults"])
        parameters.extend((page.get("EngineDefaults") or {}).get("Parameters") or [])
    return parameters


@aws_call("create {scope} parameter group {name}")
def create_parameter_group(client, scope: str, name: str, family: str, description: str,
                           tags: Optional[Dict[str, str]]) -> Dict:
    api = SCOPES[scope]
    request = {api["name"]: name, "DBParameterGroupFamily": family, "Description": description}
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return getattr(client, api["create"])(**request)[api["created"]]


@aws_call("copy {scope} parameter group {source} to {name}")
def copy_parameter_group(client, scope: str, source: str, name: str, description: str,
                         tags: Optional[Dict[str, str]]) -> Dict:
    api = SCOPES[scope]
    request = {api["copy_source"]: source, api["copy_target"]: name, api["copy_description"]: description}
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return getattr(client, api["copy"])(**request)[api["copied"]]


@aws_call("modify {scope} parameter group {name}")
def _modify_batch(client, scope: str, name: str, parameters: List[Dict]) -> None:
    api = SCOPES[scope]
    getattr(client, api["modify"])(**{api["name"]: name, "Parameters": parameters})


def modify_parameters(client, scope: str, name: str, changes: List[Dict]) -> None:
    """Apply planned changes (see ``rds_parameters.plan_changes``), at most 20 a call."""
    for batch in modify_requests(changes):
        _modify_batch(client, scope, name, batch)


@aws_call("delete {scope} parameter group {name}", GROUP_NOT_FOUND, False)
def delete_parameter_group(client, scope: str, name: str) -> bool:
    api = SCOPES[scope]
    getattr(client, api["delete"])(**{api["name"]: name})
    return True


@aws_call("list the tags of {arn}")
def list_tags(client, arn: str) -> Dict[str, str]:
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceName=arn).get("TagList") or [])


@aws_call("tag {arn}")
def add_tags(client, arn: str, tags: Dict[str, str]) -> None:
    client.add_tags_to_resource(ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@aws_call("untag {arn}")
def remove_tags(client, arn: str, keys: List[str]) -> None:
    client.remove_tags_from_resource(ResourceName=arn, TagKeys=keys)


# ---------------------------------------------------------------------------------------------
# Clusters and instances
# ---------------------------------------------------------------------------------------------


def identifier_from_arn(identifier_or_arn: str) -> str:
    """``arn:aws:rds:eu-west-1:123456789012:cluster:prod-db`` -> ``prod-db``; an identifier as is."""
    parts = (identifier_or_arn or "").split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "rds":
        return parts[6]
    return identifier_or_arn


@aws_call("describe DB cluster {identifier}", ("DBClusterNotFoundFault", "DBClusterNotFound"), None)
def describe_cluster(client, identifier: str) -> Optional[Dict]:
    clusters = client.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"]
    return clusters[0] if clusters else None


@aws_call("describe DB instance {identifier}", ("DBInstanceNotFound", "DBInstanceNotFoundFault"), None)
def describe_instance(client, identifier: str) -> Optional[Dict]:
    instances = client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    return instances[0] if instances else None


@aws_call("describe the DB instances of cluster {cluster_identifier}")
def describe_cluster_instances(client, cluster_identifier: str) -> List[Dict]:
    paginator = client.get_paginator("describe_db_instances")
    instances = []  # type: List[Dict]
    for page in paginator.paginate(Filters=[{"Name": "db-cluster-id", "Values": [cluster_identifier]}]):
        instances.extend(page.get("DBInstances") or [])
    return instances


# describe_db_clusters / describe_db_instances take at most this many values in one filter.
FILTER_VALUES_MAX = 100


def _chunks(values: List[str], size: int) -> List[List[str]]:
    return [values[start:start + size] for start in range(0, len(values), size)]


@aws_call("describe the DB clusters {identifiers}")
def describe_clusters(client, identifiers: List[str], calls: Optional[Dict[str, int]] = None) -> Dict[str, Dict]:
    """Many clusters in bulk: one paginated describe per hundred identifiers, by identifier.
    ``calls`` counts the API calls made (the pages), per operation."""
    found = {}  # type: Dict[str, Dict]
    paginator = client.get_paginator("describe_db_clusters")
    for chunk in _chunks(sorted(set(identifiers)), FILTER_VALUES_MAX):
        for page in paginator.paginate(Filters=[{"Name": "db-cluster-id", "Values": chunk}]):
            _count(calls, "describe_db_clusters")
            for cluster in page.get("DBClusters") or []:
                found[cluster["DBClusterIdentifier"]] = cluster
    return found


@aws_call("describe the DB clusters of the account and region")
def clusters_by_parameter_group(client, engine: str, calls: Optional[Dict[str, int]] = None) -> Dict[str, List[str]]:
    """Every cluster of ``engine`` in the account and region, by the cluster parameter group it uses (one
    paginated describe). A group is of one family, so the clusters that can share one are of one engine."""
    found = {}  # type: Dict[str, List[str]]
    paginator = client.get_paginator("describe_db_clusters")
    for page in paginator.paginate(Filters=[{"Name": "engine", "Values": [engine]}], MaxRecords=100):
        _count(calls, "describe_db_clusters")
        for cluster in page.get("DBClusters") or []:
            if cluster.get("Engine") == engine and cluster.get("DBClusterParameterGroup"):
                found.setdefault(cluster["DBClusterParameterGroup"], []).append(cluster["DBClusterIdentifier"])
    return found


@aws_call("describe the DB instances of clusters {cluster_identifiers}")
def describe_instances_by_cluster(client, cluster_identifiers: List[str],
                                  calls: Optional[Dict[str, int]] = None) -> Dict[str, List[Dict]]:
    """The instances of many clusters in bulk (one paginated describe per hundred clusters), by cluster."""
    found = {name: [] for name in cluster_identifiers}  # type: Dict[str, List[Dict]]
    paginator = client.get_paginator("describe_db_instances")
    for chunk in _chunks(sorted(set(cluster_identifiers)), FILTER_VALUES_MAX):
        for page in paginator.paginate(Filters=[{"Name": "db-cluster-id", "Values": chunk}]):
            _count(calls, "describe_db_instances")
            for instance in page.get("DBInstances") or []:
                found.setdefault(instance.get("DBClusterIdentifier"), []).append(instance)
    return found


@aws_call("describe the DB instances {identifiers}")
def describe_instances(client, identifiers: List[str], calls: Optional[Dict[str, int]] = None) -> Dict[str, Dict]:
    """Many DB instances in bulk (one paginated describe per hundred identifiers), by identifier."""
    found = {}  # type: Dict[str, Dict]
    paginator = client.get_paginator("describe_db_instances")
    for chunk in _chunks(sorted(set(identifiers)), FILTER_VALUES_MAX):
        for page in paginator.paginate(Filters=[{"Name": "db-instance-id", "Values": chunk}]):
            _count(calls, "describe_db_instances")
            for instance in page.get("DBInstances") or []:
                found[instance["DBInstanceIdentifier"]] = instance
    return found


def instance_parameter_group(instance: Dict) -> Optional[str]:
    """The DB parameter group of an instance (RDS gives an instance one; the list shape is historical)."""
    groups = instance.get("DBParameterGroups") or []
    return groups[0].get("DBParameterGroupName") if groups else None


@aws_call("describe the DB instances of the account and region")
def instances_by_parameter_group(client, engine: str,
                                 calls: Optional[Dict[str, int]] = None) -> Dict[str, List[str]]:
    """Every standalone DB instance of ``engine`` in the account and region, by the DB parameter group it uses
    (one paginated describe); the clusters_by_parameter_group of RDS for PostgreSQL."""
    found = {}  # type: Dict[str, List[str]]
    paginator = client.get_paginator("describe_db_instances")
    for page in paginator.paginate(Filters=[{"Name": "engine", "Values": [engine]}], MaxRecords=100):
        _count(calls, "describe_db_instances")
        for instance in page.get("DBInstances") or []:
            group = instance_parameter_group(instance)
            if instance.get("Engine") == engine and not instance.get("DBClusterIdentifier") and group:
                found.setdefault(group, []).append(instance["DBInstanceIdentifier"])
    return found


def _count(calls: Optional[Dict[str, int]], operation: str) -> None:
    if calls is not None:
        calls[operation] = calls.get(operation, 0) + 1


@aws_call("modify DB cluster {identifier}")
def modify_cluster(client, identifier: str, changes: Dict) -> Dict:
    return client.modify_db_cluster(DBClusterIdentifier=identifier, **changes)["DBCluster"]


@aws_call("modify DB instance {identifier}")
def modify_instance(client, identifier: str, changes: Dict) -> Dict:
    return client.modify_db_instance(DBInstanceIdentifier=identifier, **changes)["DBInstance"]


@aws_call("reboot DB instance {identifier}")
def reboot_instance(client, identifier: str, force_failover: bool = False) -> Dict:
    request = {"DBInstanceIdentifier": identifier}  # type: Dict[str, Any]
    if force_failover:
        request["ForceFailover"] = True
    return client.reboot_db_instance(**request)["DBInstance"]


@aws_call("fail over DB cluster {identifier} to {target}")
def failover_cluster(client, identifier: str, target: str) -> Dict:
    return client.failover_db_cluster(DBClusterIdentifier=identifier, TargetDBInstanceIdentifier=target)["DBCluster"]


def cluster_members(cluster: Dict, instances: List[Dict]) -> List[Dict]:
    """One summary per instance of a cluster (or of a standalone instance: ``cluster`` None).

    ``pending_reboot`` is true when the instance's DB parameter group or the cluster parameter
    group waits for a reboot to apply (``ParameterApplyStatus`` / ``DBClusterParameterGroupStatus``).
    """
    members = {m["DBInstanceIdentifier"]: m for m in (cluster or {}).get("DBClusterMembers") or []}
    summaries = []
    for instance in instances:
        identifier = instance["DBInstanceIdentifier"]
        member = members.get(identifier, {})
        groups = instance.get("DBParameterGroups") or []
        apply_status = groups[0].get("ParameterApplyStatus") if groups else None
        cluster_status = member.get("DBClusterParameterGroupStatus")
        summaries.append({
            "db_instance_identifier": identifier,
            "writer": bool(member.get("IsClusterWriter")) if cluster else True,
            "status": instance.get("DBInstanceStatus"),
            "db_instance_class": instance.get("DBInstanceClass"),
            "db_parameter_group": groups[0].get("DBParameterGroupName") if groups else None,
            "parameter_apply_status": apply_status,
            "cluster_parameter_group_status": cluster_status,
            "pending_reboot": "pending-reboot" in (apply_status, cluster_status),
        })
    return sorted(summaries, key=lambda s: s["db_instance_identifier"])


def reboot_order(members: List[Dict]) -> List[Dict]:
    """Readers first (by identifier), the writer last, so the writer restarts once its readers serve."""
    return [m for m in members if not m["writer"]] + [m for m in members if m["writer"]]


def is_settled(member: Dict) -> bool:
    """Available, and every parameter group it uses in sync (nothing applying, nothing pending)."""
    return member["status"] == "available" and all(
        status in (None, "in-sync") for status in (member["parameter_apply_status"],
                                                   member["cluster_parameter_group_status"]))


def read_members(client, cluster_identifier: Optional[str], instance_identifier: Optional[str]) -> List[Dict]:
    """The member summaries of a cluster, or the one of a standalone instance (``[]`` when gone)."""
    if cluster_identifier:
        cluster = describe_cluster(client, cluster_identifier)
        if cluster is None:
            return []
        return cluster_members(cluster, describe_cluster_instances(client, cluster_identifier))
    instance = describe_instance(client, instance_identifier)
    return cluster_members(None, [instance]) if instance else []


# ---------------------------------------------------------------------------------------------
# Activity streams and KMS
# ---------------------------------------------------------------------------------------------


@aws_call("start the activity stream of {resource_arn}")
def start_activity_stream(client, resource_arn: str, mode: str, kms_key_id: str, apply_immediately: bool) -> Dict:
    return client.start_activity_stream(ResourceArn=resource_arn, Mode=mode, KmsKeyId=kms_key_id,
                                        ApplyImmediately=apply_immediately)


def stop_activity_stream(client, resource_arn: str, apply_immediately: bool) -> bool:
    """Stop the stream; False when it was already stopped (AWS answers InvalidParameterCombination)."""
    try:
        _stop_activity_stream(client, resource_arn, apply_immediately)
    except AnsibleRDSError as e:
        text = error_message(e.exception).lower()
        if error_code(e.exception) == "InvalidParameterCombination" and "stopped" in text:
            return False
        raise
    return True


@aws_call("stop the activity stream of {resource_arn}")
def _stop_activity_stream(client, resource_arn: str, apply_immediately: bool) -> Dict:
    return client.stop_activity_stream(ResourceArn=resource_arn, ApplyImmediately=apply_immediately)


@aws_call("describe KMS key {key}", ("NotFoundException",), None)
def describe_kms_key(kms_client, key: str) -> Optional[Dict]:
    """``KeyMetadata`` of a key given by id, key ARN, alias name or alias ARN; None when there is none."""
    return kms_client.describe_key(KeyId=key)["KeyMetadata"]


# ---------------------------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------------------------


def wait_for(fetch: Callable[[], Any], done: Callable[[Any], bool], what: str, timeout: float,
             show: Callable[[Any], str] = repr, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic, first_delay: float = 1.0, max_delay: float = 15.0) -> Any:
    """Poll ``fetch()`` until ``done(value)``; return that value. The pause grows from ``first_delay``
    to ``max_delay`` (quick on fast changes, gentle on slow ones). On timeout, raise an error
    naming ``what`` was awaited and the last state seen."""
    deadline = clock() + timeout
    delay = first_delay
    while True:
        value = fetch()
        if done(value):
            return value
        remaining = deadline - clock()
        if remaining <= 0:
            raise AnsibleRDSError(message=f"Timeout after {int(timeout)}s waiting for {what}; last seen: {show(value)}")
        sleep(min(delay, remaining))
        delay = min(max_delay, delay * 1.5)
