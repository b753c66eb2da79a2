# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drift from policy, per cluster: what enable_audit would apply (the policy, from the roles' defaults and
the inventory) against what is there (the AWS side read by rds_fleet_audit_info, the database side by
pgaudit_info). Each difference is one sentence that names both values. Pure functions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.dbaudit.postgresql.plugins.module_utils.fleet_audit_reads import server_as_resource
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import full_name
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import plan_changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import same_value
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import short_name


def shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def parameter_drift(policy: Dict[str, Any], aws: Dict[str, Any]) -> List[str]:
    group = aws.get("parameter_group") or {}
    label = "parameter group %s" % group.get("name")
    if group.get("found") is False:
        return ["%s could not be read: not found" % label]
    drift = []
    libraries = group.get("shared_preload_libraries") or []
    for library in policy.get("preload_libraries") or []:
        if library not in libraries:
            drift.append("%s: shared_preload_libraries %r lacks %s" % (label, ",".join(libraries), library))
    set_values = group.get("pgaudit_parameters") or {}
    for name, wanted in sorted((policy.get("parameters") or {}).items()):
        actual = set_values.get(full_name(name))
        if actual is None:
            drift.append("%s: %s is not set (policy: %s)" % (label, full_name(name), shown(wanted)))
        elif not same_value(short_name(name), actual, wanted):
            drift.append("%s: %s is %s (policy: %s)" % (label, full_name(name), actual, shown(wanted)))
    if aws.get("pending_reboot") and policy.get("reboot_policy") == "rolling":
        drift.append("instances pending a reboot to apply the parameter group: %s" % ", ".join(aws["pending_reboot"]))
    return drift


def log_drift(policy: Dict[str, Any], aws: Dict[str, Any]) -> List[str]:
    if not policy.get("log_export"):
        return []
    drift = []
    if not aws.get("log_export"):
        drift.append("postgresql log export is off")
    group = aws.get("log_group") or {}
    wanted = policy.get("log_retention_days")
    if not group.get("exists"):
        drift.append("log group %s does not exist" % group.get("name"))
    elif wanted and group.get("retention_days") != int(wanted):
        drift.append("log group %s keeps %s days (policy: %s)"
                     % (group.get("name"), group.get("retention_days"), wanted))
    return drift


def stored_settings(database_facts: Dict[str, Any], role: Optional[str], database: Optional[str]) -> Dict[str, Any]:
    """The pgaudit.* values stored at one scope, by short name, from a pgaudit_info result."""
    for entry in database_facts.get("settings") or []:
        if entry.get("role") == role and entry.get("database") == database and entry.get("scope") not in (
                "server", "alter_system"):
            return dict((short_name(name), facts.get("value")) for name, facts in (entry.get("settings") or {}).items())
    return {}


def scope_of(rule: Dict[str, Any]) -> str:
    return " in ".join("%s %s" % (kind, rule[kind]) for kind in ("role", "database") if rule.get(kind)) or "policy"


def resolved(rule: Dict[str, Any]) -> bool:
    """Whether the settings a role policy expects are known (its profile resolved to a mapping)."""
    return isinstance(rule.get("settings"), dict)


def policy_drift(policy: Dict[str, Any]) -> List[str]:
    """Role policies whose profile did not resolve: the expected settings are unknown, so the cluster cannot
    be called compliant; each is one drift item naming the scope, the profile and the profiles known."""
    drift = []
    for rule in policy.get("role_policies") or []:
        if resolved(rule):
            continue
        known = rule.get("known_profiles")
        profile = rule.get("profile")
        drift.append("%s: unresolvable policy: profile %s is not defined in dbaudit_audit_profiles (known "
                     "profiles: %s)" % (scope_of(rule), "(none)" if profile is None else profile,
                                        ", ".join(sorted(known)) if known else "unknown"))
    return drift


def database_drift(policy: Dict[str, Any], database_facts: Optional[Dict[str, Any]]) -> List[str]:
    if not database_facts or database_facts.get("skipped"):
        return ["the databases were not read"]
    if database_facts.get("failed") or "settings" not in database_facts:
        return ["cannot read the databases: %s" % (database_facts.get("msg") or "unknown error")]
    drift = []
    if not database_facts.get("preloaded"):
        drift.append("pgaudit is not loaded by the server (shared_preload_libraries %s)"
                     % ",".join(database_facts.get("shared_preload_libraries") or []))
    databases = database_facts.get("databases") or {}
    for name in policy.get("databases") or []:
        facts = databases.get(name) or {}
        if facts.get("error"):
            drift.append("database %s: %s" % (name, facts["error"]))
        elif not facts.get("installed_version"):
            drift.append("database %s: the pgaudit extension is not installed" % name)
    for rule in policy.get("role_policies") or []:
        if not resolved(rule):
            continue  # reported by policy_drift: expected settings unknown are never compared
        where = scope_of(rule)
        stored = stored_settings(database_facts, rule.get("role"), rule.get("database"))
        for _verb, name, value in plan_changes(stored, rule["settings"]):
            now = "is %s" % stored[name] if name in stored else "is not set"
            profile = "profile %s: %s" % (rule.get("profile"), shown(value))
            drift.append("%s: %s %s (%s)" % (where, full_name(name), now, profile))
    return drift


def stream_drift(policy: Dict[str, Any], aws: Dict[str, Any]) -> List[str]:
    stream = aws.get("activity_stream") or {}
    if not policy.get("das_enabled"):
        return []
    if stream.get("status") != "started":
        return ["activity stream is %s (policy: started)" % stream.get("status")]
    if policy.get("das_mode") and stream.get("mode") != policy["das_mode"]:
        return ["activity stream runs in mode %s (policy: %s)" % (stream.get("mode"), policy["das_mode"])]
    return []


def as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, (str, dict)) else list(value)


def grants(statement: Dict[str, Any], action: str, service: str, resource: str) -> bool:
    """Whether an Allow statement grants ``action`` on a ``service`` resource ``resource`` (the part of the ARN
    after the account, e.g. ``stream/aws-rds-das-x``), IAM wildcards honoured. Region and account are not
    compared: the report does not know them, and the names it checks are unique in an account."""
    if statement.get("Effect") != "Allow":
        return False
    if not any(fnmatch.fnmatchcase(action.lower(), granted.lower()) for granted in as_list(statement.get("Action"))):
        return False
    for granted in as_list(statement.get("Resource")):
        parts = granted.split(":", 5)
        if granted == "*" or (len(parts) == 6 and fnmatch.fnmatchcase(service, parts[2])
                              and fnmatch.fnmatchcase(resource, parts[5])):
            return True
    return False


def context_allows(statement: Dict[str, Any], resource_id: Optional[str]) -> bool:
    """Whether a statement's encryption context condition (if any) admits a cluster's resource id."""
    wanted = ((statement.get("Condition") or {}).get("StringEquals") or {}).get("kms:EncryptionContext:aws:rds:dbc-id")
    return wanted is None or resource_id in as_list(wanted)


def decrypt_coverage(function: str, document: Optional[Dict[str, Any]], stream_name: str, key_id: Optional[str],
                     resource_id: Optional[str]) -> List[str]:
    """What the decrypt function's inline policy lacks to read and decrypt one cluster's activity stream."""
    if document is None:
        return ["the decrypt function's policy %s does not exist" % function]
    statements = as_list(document.get("Statement"))
    missing = []
    if not any(grants(s, "kinesis:GetRecords", "kinesis", "stream/%s" % stream_name) for s in statements):
        missing.append("the decrypt function's policy %s does not name its activity stream %s"
                       % (function, stream_name))
    if key_id:
        key = "key/%s" % key_id.rsplit("/", 1)[-1]
        if not any(grants(s, "kms:Decrypt", "kms", key) and context_allows(s, resource_id) for s in statements):
            missing.append("the decrypt function's policy %s does not allow kms:Decrypt with its stream key %s "
                           "for resource id %s" % (function, key_id, resource_id))
    return missing


def function_of(arn: Optional[str]) -> Optional[str]:
    """The function name of a Lambda function ARN (qualifier dropped)."""
    parts = (arn or "").split(":")
    return parts[6] if len(parts) > 6 and parts[5] == "function" else None


def alerting_drift(policy: Dict[str, Any], aws: Dict[str, Any],
                   pipelines: Optional[Dict[str, Any]] = None) -> List[str]:
    """Whether the alerting the policy turns on reaches this cluster: the subscription filter of its postgresql
    log group to the pgAudit alert function; and for DAS alerting on a started stream, the decrypt function's
    policy naming the cluster's stream, key and resource id, and an event source mapping from the stream to the
    function. One sentence each, ``alerting does not reach cluster X: ...``."""
    alerting = aws.get("alerting") or {}
    stream = aws.get("activity_stream") or {}
    missing = []
    if policy.get("pgaudit_alerting"):
        function = policy.get("pgaudit_alerting_function")
        filters = alerting.get("subscription_filters") or []
        if not any(function is None or function_of(f.get("destination_arn")) == function for f in filters):
            missing.append("no subscription filter on the postgresql log group %s%s"
                           % ((aws.get("log_group") or {}).get("name"), " to %s" % function if function else ""))
    if policy.get("das_alerting") and policy.get("das_enabled") and stream.get("status") == "started":
        pipeline_name = policy.get("das_alerting_name")
        pipeline = (pipelines or {}).get(pipeline_name) if pipeline_name else None
        function = (pipeline or {}).get("function")
        mappings = alerting.get("event_source_mappings") or []
        if not any(function is None or function_of(m.get("function_arn")) == function for m in mappings):
            missing.append("no event source mapping from %s%s" % (stream.get("kinesis_stream_name"),
                                                                  " to %s" % function if function else ""))
        if pipeline is not None:
            missing.extend(decrypt_coverage(function, pipeline.get("function_policy"),
                                            stream.get("kinesis_stream_name") or "", stream.get("kms_key_id"),
                                            aws.get("resource_id")))
    return ["alerting does not reach cluster %s: %s" % (aws.get("cluster_identifier"), what) for what in missing]


def server_restart_drift(server: Dict[str, Any]) -> List[str]:
    """A self-managed server has no parameter group: its own preload is database_drift's; here, a changed
    shared_preload_libraries that waits for a restart."""
    return ["server: a changed shared_preload_libraries waits for a restart"] if server.get("pending_restart") else []


def cluster_drift(policy: Dict[str, Any], aws: Optional[Dict[str, Any]],
                  database_facts: Optional[Dict[str, Any]], pipelines: Optional[Dict[str, Any]] = None) -> List[str]:
    """The drift of one host: an Aurora cluster, an RDS for PostgreSQL instance (``kind`` instance: no activity
    stream exists for it) or a self-managed server (``kind`` self_managed: its own preload and its databases)."""
    kind = (aws or {}).get("kind") or "cluster"
    if kind == "self_managed":
        if not aws.get("found"):
            return ["server could not be read"] + policy_drift(policy)
        return policy_drift(policy) + database_drift(policy, database_facts) + server_restart_drift(aws)
    if not aws or not aws.get("found"):
        return ["%s not found" % ("DB instance" if kind == "instance" else "cluster")] + policy_drift(policy)
    if kind == "instance":
        return (policy_drift(policy) + parameter_drift(policy, aws) + log_drift(policy, aws)
                + database_drift(policy, database_facts) + alerting_drift(policy, aws, pipelines))
    return (policy_drift(policy) + parameter_drift(policy, aws) + log_drift(policy, aws)
            + database_drift(policy, database_facts) + stream_drift(policy, aws)
            + alerting_drift(policy, aws, pipelines))


def resource_of(entry: Dict[str, Any], clusters: Dict[str, Any], instances: Dict[str, Any]) -> Dict[str, Any]:
    """What was read of one host (an audit_report / rollout_drift entry: host, kind, cluster_identifier, database):
    the cluster or DB instance read by rds_fleet_audit_info, or a self-managed server from its database read."""
    kind = entry.get("kind") or "cluster"
    if kind == "self_managed":
        return server_as_resource(entry["cluster_identifier"], entry.get("database"))
    found = (instances if kind == "instance" else clusters).get(entry["cluster_identifier"])
    return found or dict(kind=kind, found=False)


def rollout_only_drift(policy: Dict[str, Any], database_facts: Optional[Dict[str, Any]]) -> List[str]:
    """What enable_audit applies that the report does not compare: the object auditing role's existence, and the
    object auditing grants (applied on every run that reaches the host: they are not read)."""
    drift = []
    audit_role = policy.get("audit_role")
    if audit_role and database_facts and not database_facts.get("failed"):
        roles = dict((r.get("name"), r) for r in database_facts.get("audit_roles") or [])
        if not (roles.get(audit_role) or {}).get("exists"):
            drift.append("the object auditing role %s does not exist" % audit_role)
    if policy.get("object_audit"):
        drift.append("object auditing (dbaudit_object_audit) is applied on every run: its grants are not read")
    return drift


def rollout_drift(entries: List[Dict[str, Any]], clusters: Dict[str, Any], instances: Dict[str, Any],
                  pipelines: Optional[Dict[str, Any]] = None) -> Dict[str, List[str]]:
    """Per host, what enable_audit would change (empty: converged, nothing for the rollout to do): the report's drift
    and what the rollout applies beyond it (rollout_only_drift)."""
    drift = {}
    for entry in entries:
        policy = entry.get("policy") or {}
        database_facts = entry.get("database")
        resource = resource_of(entry, clusters, instances)
        drift[entry["host"]] = (cluster_drift(policy, resource, database_facts, pipelines)
                                + rollout_only_drift(policy, database_facts))
    return drift
