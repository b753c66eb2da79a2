# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS side of the audit state of many Aurora PostgreSQL clusters, read in bulk: one paginated describe
of the clusters, each cluster parameter group described once however many clusters share it (only the
parameters set by the user), the engine defaults of a family once when a group leaves
``shared_preload_libraries`` to them (the effective value, e.g. ``pg_stat_statements``), the log groups under
``/aws/rds/cluster/`` listed once, one subscription filter listing per existing log group, every Lambda event
source mapping listed once, each activity stream key's rotation once, and per DAS alerting pipeline the decrypt
function's inline policy, the bucket's versioning and the delivery stream's encryption (once each, however
many clusters it serves). RDS for PostgreSQL DB instances the same way (one paginated describe of the instances,
each DB parameter group once, the log groups under ``/aws/rds/instance/`` listed once); a self-managed server
has no AWS side: its facts come from its database read (``server_as_resource``). The per-group reads run several
at a time (boto3's clients are thread-safe). Every call is counted per operation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

try:  # noqa: SIM105 - the Ansible idiom for an optional import
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import is_pgaudit_name
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import preload_libraries
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import aws_call
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import error_code
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_clusters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_engine_defaults
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_instances
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import instance_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import SCOPES
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import described_stream

LOG_GROUP_PREFIX = "/aws/rds/cluster/"
INSTANCE_LOG_GROUP_PREFIX = "/aws/rds/instance/"
# A group a cluster names may not be found (deleted since, or an engine version the account cannot have): the read
# reports it (group_facts found false, drift for the report and the rollout) instead of failing the fleet's read.
GROUP_NOT_FOUND = ("DBParameterGroupNotFound",)


def count(calls: Dict[str, int], operation: str) -> None:
    calls[operation] = calls.get(operation, 0) + 1


def read_each(read, client, names: List[str], calls: Dict[str, int], parallel: int) -> Dict[str, Any]:
    """``read(client, name, calls)`` for every name, ``parallel`` at a time; the results by name. Each read
    counts into a dict of its own, added to ``calls`` at the end."""

    def one(name):
        own = {}  # type: Dict[str, int]
        return name, read(client, name, own), own

    results = {}
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(names)))) as pool:
        for name, result, own in pool.map(one, names):
            results[name] = result
            for operation, made in own.items():
                calls[operation] = calls.get(operation, 0) + made
    return results


def log_group_name(cluster_identifier: str, prefix: str = LOG_GROUP_PREFIX) -> str:
    return "%s%s/postgresql" % (prefix, cluster_identifier)


@aws_call("describe the parameters of {scope} parameter group {group}", missing_codes=GROUP_NOT_FOUND, missing=None)
def user_parameters(rds, group: str, calls: Dict[str, int],
                    scope: str = "cluster") -> Optional[Dict[str, Optional[str]]]:
    """The parameters set in a cluster parameter group (a DB parameter group for ``scope`` instance), Source user,
    by name; None when the group is not found."""
    api = SCOPES[scope]
    found = {}  # type: Dict[str, Optional[str]]
    paginator = rds.get_paginator(api["describe_parameters"])
    for page in paginator.paginate(**{api["name"]: group}, Source="user", MaxRecords=100):
        count(calls, api["describe_parameters"])
        for parameter in page.get("Parameters") or []:
            found[parameter["ParameterName"]] = parameter.get("ParameterValue")
    return found


def engine_default_values(rds, family: str, calls: Dict[str, int], scope: str = "cluster") -> Dict[str, Optional[str]]:
    """The engine defaults of a family for cluster parameter groups (DB parameter groups for ``scope`` instance),
    by name."""
    return dict((parameter["ParameterName"], parameter.get("ParameterValue"))
                for parameter in describe_engine_defaults(rds, scope, family, calls=calls))


def family_of(engine: Optional[str], engine_version: Optional[str]) -> Optional[str]:
    """The parameter group family of a PostgreSQL engine version (aurora-postgresql15, postgres16); None for
    another engine. describe_db_clusters does not name the family; AWS names it engine + major version."""
    if engine not in ("aurora-postgresql", "postgres") or not engine_version:
        return None
    return "%s%s" % (engine, str(engine_version).split(".", maxsplit=1)[0])


@aws_call("read the key rotation of KMS key {key_id}", missing_codes=("NotFoundException", "AccessDeniedException"),
          missing=None)
def key_rotation(kms, key_id: str, calls: Dict[str, int]) -> Optional[bool]:
    """Whether automatic rotation is on for a key; None when the key cannot be read."""
    count(calls, "get_key_rotation_status")
    return bool(kms.get_key_rotation_status(KeyId=key_id).get("KeyRotationEnabled"))


@aws_call("read the inline policy {name} of IAM role {name}", missing_codes=("NoSuchEntity",), missing=None)
def role_inline_policy(iam, name: str, calls: Dict[str, int]) -> Optional[Dict[str, Any]]:
    """The inline policy a function's execution role carries under the function's own name (alerting_common
    names role and policy after the function); None when the role or the policy does not exist."""
    count(calls, "get_role_policy")
    document = iam.get_role_policy(RoleName=name, PolicyName=name)["PolicyDocument"]
    if isinstance(document, str):  # boto3 decodes it; a raw URL-encoded string is decoded here
        document = json.loads(unquote(document))
    return document


@aws_call("read the versioning of S3 bucket {bucket}")
def bucket_versioning(s3, bucket: str, calls: Dict[str, int]) -> Dict[str, Any]:
    count(calls, "get_bucket_versioning")
    try:
        status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    except botocore.exceptions.ClientError as e:
        if error_code(e) in ("NoSuchBucket", "404", "NotFound"):
            return {"name": bucket, "exists": False, "versioning": None}
        raise
    return {"name": bucket, "exists": True, "versioning": status or "Disabled"}


@aws_call("describe Firehose delivery stream {name}")
def delivery_encryption(firehose, name: str, calls: Dict[str, int]) -> Dict[str, Any]:
    count(calls, "describe_delivery_stream")
    try:
        description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    except botocore.exceptions.ClientError as e:
        if error_code(e) == "ResourceNotFoundException":
            return {"name": name, "exists": False, "encryption": None}
        raise
    configuration = description.get("DeliveryStreamEncryptionConfiguration") or {}
    return {"name": name, "exists": True, "encryption": {"status": configuration.get("Status") or "DISABLED",
                                                         "key_type": configuration.get("KeyType"),
                                                         "key_arn": configuration.get("KeyARN")}}


@aws_call("read the caller identity")
def caller_account(sts, calls: Dict[str, int]) -> str:
    count(calls, "get_caller_identity")
    return sts.get_caller_identity()["Account"]


def pipeline_names(pipeline: Dict[str, Any], account: str, region: str) -> Dict[str, str]:
    """The names roles/das_alerting gives a pipeline's pieces (tasks/clusters.yml), from its name prefix."""
    name = pipeline["name"]
    return {"function": "%s-decrypt" % name, "delivery_stream": "%s-activity" % name,
            "bucket": pipeline.get("bucket") or "-".join((name, "activity", account, region))}


def read_pipelines(clients: Dict[str, Any], pipelines: List[Dict[str, Any]], calls: Dict[str, int],
                   parallel: int) -> Dict[str, Dict[str, Any]]:
    """Per DAS alerting pipeline (by name prefix): its decrypt function's policy document, bucket versioning
    and delivery stream encryption, each read once."""
    if not pipelines:
        return {}
    account = caller_account(clients["sts"], calls)
    region = clients["s3"].meta.region_name
    names = dict((p["name"], pipeline_names(p, account, region)) for p in pipelines)
    policies = read_each(role_inline_policy, clients["iam"], sorted(set(n["function"] for n in names.values())),
                         calls, parallel)
    buckets = read_each(bucket_versioning, clients["s3"], sorted(set(n["bucket"] for n in names.values())),
                        calls, parallel)
    streams = read_each(delivery_encryption, clients["firehose"],
                        sorted(set(n["delivery_stream"] for n in names.values())), calls, parallel)
    return dict((name, {"function": n["function"], "function_policy": policies[n["function"]],
                        "bucket": buckets[n["bucket"]], "delivery_stream": streams[n["delivery_stream"]]})
                for name, n in names.items())


@aws_call("describe the log groups under {prefix}")
def log_groups(logs, calls: Dict[str, int], prefix: str = LOG_GROUP_PREFIX) -> Dict[str, Dict[str, Any]]:
    found = {}  # type: Dict[str, Dict[str, Any]]
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
        count(calls, "describe_log_groups")
        for group in page.get("logGroups") or []:
            found[group["logGroupName"]] = group
    return found


@aws_call("describe the subscription filters of log group {group}")
def subscription_filters(logs, group: str, calls: Dict[str, int]) -> List[Dict[str, Any]]:
    found = []  # type: List[Dict[str, Any]]
    for page in logs.get_paginator("describe_subscription_filters").paginate(logGroupName=group):
        count(calls, "describe_subscription_filters")
        for item in page.get("subscriptionFilters") or []:
            found.append({"name": item.get("filterName"), "pattern": item.get("filterPattern"),
                          "destination_arn": item.get("destinationArn")})
    return found


@aws_call("list the Lambda event source mappings")
def event_source_mappings(lambda_client, calls: Dict[str, int]) -> Dict[str, List[Dict[str, Any]]]:
    """Every event source mapping of the account and region, by the name of the stream it reads."""
    found = {}  # type: Dict[str, List[Dict[str, Any]]]
    for page in lambda_client.get_paginator("list_event_source_mappings").paginate():
        count(calls, "list_event_source_mappings")
        for mapping in page.get("EventSourceMappings") or []:
            source = mapping.get("EventSourceArn") or ""
            found.setdefault(source.rsplit("/", 1)[-1], []).append(
                {"uuid": mapping.get("UUID"), "function_arn": mapping.get("FunctionArn"),
                 "state": mapping.get("State")})
    return found


def group_facts(name: Optional[str], parameters: Optional[Dict[str, Optional[str]]],
                engine_defaults: Optional[Dict[str, Optional[str]]] = None) -> Dict[str, Any]:
    """What the report shows of a group: ``shared_preload_libraries`` is the effective value, the group's own
    or, where the group sets none, the engine default of its family (``source`` says which; ``unknown`` when
    the defaults were not read). ``found`` is false for a group that could not be found (parameters None)."""
    found = parameters is not None
    parameters = parameters or {}
    if parameters.get("shared_preload_libraries") is not None:
        value, source = parameters["shared_preload_libraries"], "user"
    elif engine_defaults is not None:
        value, source = engine_defaults.get("shared_preload_libraries"), "engine-default"
    else:
        value, source = None, "unknown"
    libraries = preload_libraries(value)
    return {
        "name": name,
        "found": found,
        "default": bool(name and name.startswith("default.")),
        "shared_preload_libraries": libraries,
        "shared_preload_libraries_source": source,
        "pgaudit_preloaded": "pgaudit" in libraries,
        "pgaudit_parameters": dict(sorted((k, v) for k, v in parameters.items() if is_pgaudit_name(k))),
    }


def cluster_facts(identifier: str, cluster: Optional[Dict], groups: Dict[str, Dict[str, Any]],
                  known_log_groups: Dict[str, Dict[str, Any]], filters: Dict[str, List[Dict[str, Any]]],
                  mappings: Dict[str, List[Dict[str, Any]]],
                  rotation: Optional[Dict[str, Optional[bool]]] = None) -> Dict[str, Any]:
    if cluster is None:
        return {"cluster_identifier": identifier, "found": False}
    group_name = cluster.get("DBClusterParameterGroup")
    log_group = known_log_groups.get(log_group_name(identifier))
    stream = described_stream(cluster)
    stream["key_rotation"] = (rotation or {}).get(stream["kms_key_id"]) if stream["kms_key_id"] else None
    return {
        "cluster_identifier": identifier,
        "found": True,
        "engine": cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
        "resource_id": cluster.get("DbClusterResourceId"),
        "status": cluster.get("Status"),
        "parameter_group": groups.get(group_name) or group_facts(group_name, {}),
        "pending_reboot": sorted(m.get("DBInstanceIdentifier") for m in cluster.get("DBClusterMembers") or []
                                 if m.get("DBClusterParameterGroupStatus") == "pending-reboot"),
        "log_export": "postgresql" in (cluster.get("EnabledCloudwatchLogsExports") or []),
        "log_group": {"name": log_group_name(identifier), "exists": log_group is not None,
                      "retention_days": (log_group or {}).get("retentionInDays")},
        "activity_stream": stream,
        "alerting": {
            "subscription_filters": filters.get(log_group_name(identifier), []),
            "event_source_mappings": mappings.get(stream["kinesis_stream_name"] or "", []),
        },
    }


def instance_facts(identifier: str, instance: Optional[Dict], groups: Dict[str, Dict[str, Any]],
                   known_log_groups: Dict[str, Dict[str, Any]],
                   filters: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Any]:
    """An RDS for PostgreSQL DB instance in the shape of cluster_facts (``kind`` instance): its DB parameter
    group, itself when pending a reboot, its log export and log group; no activity stream exists for it."""
    if instance is None:
        return {"cluster_identifier": identifier, "kind": "instance", "found": False}
    group_name = instance_parameter_group(instance)
    log_group = log_group_name(identifier, INSTANCE_LOG_GROUP_PREFIX)
    known = known_log_groups.get(log_group)
    return {
        "cluster_identifier": identifier,
        "kind": "instance",
        "found": True,
        "engine": instance.get("Engine"),
        "engine_version": instance.get("EngineVersion"),
        "resource_id": instance.get("DbiResourceId"),
        "status": instance.get("DBInstanceStatus"),
        "multi_az": bool(instance.get("MultiAZ")),
        "parameter_group": groups.get(group_name) or group_facts(group_name, {}),
        "pending_reboot": [identifier] if any(g.get("ParameterApplyStatus") == "pending-reboot"
                                              for g in instance.get("DBParameterGroups") or []) else [],
        "log_export": "postgresql" in (instance.get("EnabledCloudwatchLogsExports") or []),
        "log_group": {"name": log_group, "exists": known is not None,
                      "retention_days": (known or {}).get("retentionInDays")},
        "activity_stream": {"status": None, "available": False},
        "alerting": {"subscription_filters": filters.get(log_group, []), "event_source_mappings": []},
    }


def server_as_resource(identifier: str, database_facts: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """A self-managed server in the shape of cluster_facts (``kind`` self_managed), from its database read alone:
    the server's own shared_preload_libraries in place of a parameter group, and whether a restart is pending."""
    facts = database_facts or {}
    readable = bool(facts) and not facts.get("failed")
    libraries = facts.get("shared_preload_libraries") or []
    version_num = facts.get("server_version_num")
    return {
        "cluster_identifier": identifier,
        "kind": "self_managed",
        "found": readable,
        "engine": "postgresql",
        "engine_version": "%d.%d" % (version_num // 10000, version_num % 10000) if version_num else None,
        "parameter_group": {"name": None, "default": False, "shared_preload_libraries": libraries,
                            "shared_preload_libraries_source": "server", "pgaudit_preloaded": "pgaudit" in libraries,
                            "pgaudit_parameters": {}},
        "pending_restart": bool(facts.get("pending_restart")),
        "pending_reboot": [],
        "log_export": False,
        "log_group": {},
        "activity_stream": {"status": None, "available": False},
        "alerting": {},
    }


def read_instances(rds, logs, identifiers: List[str], calls: Dict[str, int], parallel: int) -> Dict[str, Any]:
    """Per RDS for PostgreSQL DB instance, its audit state on the AWS side (see instance_facts)."""
    if not identifiers:
        return {}
    instances = describe_instances(rds, identifiers, calls=calls)
    names = sorted(set(instance_parameter_group(i) for i in instances.values()) - {None})
    parameters = read_each(functools.partial(user_parameters, scope="instance"), rds, names, calls, parallel)
    family_of_group = dict((instance_parameter_group(i), family_of(i.get("Engine"), i.get("EngineVersion")))
                           for i in instances.values())
    families = sorted(set(family_of_group[name] for name in names
                          if parameters[name] is not None and "shared_preload_libraries" not in parameters[name]
                          and family_of_group[name]))
    defaults = read_each(functools.partial(engine_default_values, scope="instance"), rds, families, calls, parallel)
    groups = dict((name, group_facts(name, parameters[name], defaults.get(family_of_group[name] or "")))
                  for name in names)
    known_log_groups = log_groups(logs, calls, INSTANCE_LOG_GROUP_PREFIX)
    existing = [log_group_name(i, INSTANCE_LOG_GROUP_PREFIX) for i in sorted(set(identifiers))
                if log_group_name(i, INSTANCE_LOG_GROUP_PREFIX) in known_log_groups]
    filters = read_each(subscription_filters, logs, existing, calls, parallel)
    return dict((identifier, instance_facts(identifier, instances.get(identifier), groups, known_log_groups, filters))
                for identifier in identifiers)


def read_fleet(rds, logs, lambda_client, identifiers: List[str], parallel: int = 8,
               clients: Optional[Dict[str, Any]] = None,
               das_pipelines: Optional[List[Dict[str, Any]]] = None,
               instance_identifiers: Optional[List[str]] = None) -> Dict[str, Any]:
    """Per cluster, its audit state on the AWS side; per DAS alerting pipeline (``das_pipelines``, each
    ``{name, bucket}``), what it reads and how it is hardened; and the calls made. ``clients`` holds the kms,
    iam, s3, firehose and sts clients (without them keys, pipelines and hardening are not read)."""
    calls = {}  # type: Dict[str, int]
    instances = read_instances(rds, logs, instance_identifiers or [], calls, parallel)
    if not identifiers:  # instances (or nothing) only: the cluster-wide listings are not read
        return {"clusters": {}, "instances": instances, "pipelines": {}, "api_calls": calls}
    clusters = describe_clusters(rds, identifiers, calls=calls)
    names = sorted(set(c.get("DBClusterParameterGroup") for c in clusters.values()) - {None})
    parameters = read_each(user_parameters, rds, names, calls, parallel)
    family_of_group = dict((c.get("DBClusterParameterGroup"), family_of(c.get("Engine"), c.get("EngineVersion")))
                           for c in clusters.values())
    families = sorted(set(family_of_group[name] for name in names
                          if parameters[name] is not None and "shared_preload_libraries" not in parameters[name]
                          and family_of_group[name]))
    defaults = read_each(engine_default_values, rds, families, calls, parallel)
    groups = dict((name, group_facts(name, parameters[name], defaults.get(family_of_group[name] or "")))
                  for name in names)
    known_log_groups = log_groups(logs, calls)
    existing = [log_group_name(i) for i in sorted(set(identifiers)) if log_group_name(i) in known_log_groups]
    filters = read_each(subscription_filters, logs, existing, calls, parallel)
    mappings = event_source_mappings(lambda_client, calls)
    rotation = {}  # type: Dict[str, Optional[bool]]
    pipelines = {}  # type: Dict[str, Dict[str, Any]]
    if clients:
        keys = sorted(set(c["ActivityStreamKmsKeyId"] for c in clusters.values() if c.get("ActivityStreamKmsKeyId")))
        rotation = read_each(key_rotation, clients["kms"], keys, calls, parallel)
        pipelines = read_pipelines(clients, das_pipelines or [], calls, parallel)
    facts = dict((identifier, cluster_facts(identifier, clusters.get(identifier), groups, known_log_groups,
                                            filters, mappings, rotation)) for identifier in identifiers)
    return {"clusters": facts, "instances": instances, "pipelines": pipelines, "api_calls": calls}
