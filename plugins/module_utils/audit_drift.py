# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drift from policy, per cluster: what enable_audit would apply (the policy, from the roles' defaults and
the inventory) against what is there (the AWS side read by rds_fleet_audit_info, the database side by
pgaudit_info). Each difference is one sentence that names both values. Pure functions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any
from typing import Dict
from typing import List
from typing import Optional

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
        where = " in ".join("%s %s" % (kind, rule[kind]) for kind in ("role", "database") if rule.get(kind))
        stored = stored_settings(database_facts, rule.get("role"), rule.get("database"))
        for _verb, name, value in plan_changes(stored, rule.get("settings") or {}):
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


def alerting_drift(policy: Dict[str, Any], aws: Dict[str, Any]) -> List[str]:
    alerting = aws.get("alerting") or {}
    drift = []
    if policy.get("pgaudit_alerting") and not alerting.get("subscription_filters"):
        drift.append("no alert subscription on the postgresql log group")
    if policy.get("das_alerting") and policy.get("das_enabled") and not alerting.get("event_source_mappings"):
        drift.append("no function reads the activity stream")
    return drift


def cluster_drift(policy: Dict[str, Any], aws: Optional[Dict[str, Any]],
                  database_facts: Optional[Dict[str, Any]]) -> List[str]:
    if not aws or not aws.get("found"):
        return ["cluster not found"]
    return (parameter_drift(policy, aws) + log_drift(policy, aws) + database_drift(policy, database_facts)
            + stream_drift(policy, aws) + alerting_drift(policy, aws))
