# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS side of the audit state of many Aurora PostgreSQL clusters, read in bulk: one paginated describe
of the clusters, each cluster parameter group described once however many clusters share it (only the
parameters set by the user: what is not set is the engine default, which never preloads pgAudit), the
log groups under ``/aws/rds/cluster/`` listed once, one subscription filter listing per existing log group,
and every Lambda event source mapping listed once. The per-group reads run several at a time (boto3's
clients are thread-safe). Every call is counted per operation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import is_pgaudit_name
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import preload_libraries
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import aws_call
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_clusters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import described_stream

LOG_GROUP_PREFIX = "/aws/rds/cluster/"


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


def log_group_name(cluster_identifier: str) -> str:
    return "%s%s/postgresql" % (LOG_GROUP_PREFIX, cluster_identifier)


@aws_call("describe the parameters of cluster parameter group {group}")
def user_parameters(rds, group: str, calls: Dict[str, int]) -> Dict[str, Optional[str]]:
    """The parameters set in a cluster parameter group (Source user), by name."""
    found = {}  # type: Dict[str, Optional[str]]
    paginator = rds.get_paginator("describe_db_cluster_parameters")
    for page in paginator.paginate(DBClusterParameterGroupName=group, Source="user", MaxRecords=100):
        count(calls, "describe_db_cluster_parameters")
        for parameter in page.get("Parameters") or []:
            found[parameter["ParameterName"]] = parameter.get("ParameterValue")
    return found


@aws_call("describe the log groups under /aws/rds/cluster/")
def log_groups(logs, calls: Dict[str, int]) -> Dict[str, Dict[str, Any]]:
    found = {}  # type: Dict[str, Dict[str, Any]]
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=LOG_GROUP_PREFIX):
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


def group_facts(name: Optional[str], parameters: Dict[str, Optional[str]]) -> Dict[str, Any]:
    libraries = preload_libraries(parameters.get("shared_preload_libraries"))
    return {
        "name": name,
        "default": bool(name and name.startswith("default.")),
        "shared_preload_libraries": libraries,
        "pgaudit_preloaded": "pgaudit" in libraries,
        "pgaudit_parameters": dict(sorted((k, v) for k, v in parameters.items() if is_pgaudit_name(k))),
    }


def cluster_facts(identifier: str, cluster: Optional[Dict], groups: Dict[str, Dict[str, Any]],
                  known_log_groups: Dict[str, Dict[str, Any]], filters: Dict[str, List[Dict[str, Any]]],
                  mappings: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Any]:
    if cluster is None:
        return {"cluster_identifier": identifier, "found": False}
    group_name = cluster.get("DBClusterParameterGroup")
    log_group = known_log_groups.get(log_group_name(identifier))
    stream = described_stream(cluster)
    return {
        "cluster_identifier": identifier,
        "found": True,
        "engine": cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
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


def read_fleet(rds, logs, lambda_client, identifiers: List[str], parallel: int = 8) -> Dict[str, Any]:
    """Per cluster, its audit state on the AWS side, and the calls made."""
    calls = {}  # type: Dict[str, int]
    clusters = describe_clusters(rds, identifiers, calls=calls)
    names = sorted(set(c.get("DBClusterParameterGroup") for c in clusters.values()) - {None})
    parameters = read_each(user_parameters, rds, names, calls, parallel)
    groups = dict((name, group_facts(name, parameters[name])) for name in names)
    known_log_groups = log_groups(logs, calls)
    existing = [log_group_name(i) for i in sorted(set(identifiers)) if log_group_name(i) in known_log_groups]
    filters = read_each(subscription_filters, logs, existing, calls, parallel)
    mappings = event_source_mappings(lambda_client, calls)
    facts = dict((identifier, cluster_facts(identifier, clusters.get(identifier), groups, known_log_groups,
                                            filters, mappings)) for identifier in identifiers)
    return {"clusters": facts, "api_calls": calls}
