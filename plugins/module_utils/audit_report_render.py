# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The compliance report of a fleet, as data: one row per cluster from what was read and the drift found, the
hardening section, and the report's time kept while its findings stay the same. Its Markdown and HTML are rendered
from this data by the templates in playbooks/templates/ (audit_report.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from typing import Any
from typing import Dict
from typing import List
from typing import Optional


def role_settings(database_facts: Optional[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The pgAudit settings of roles (everywhere or in a database) and of databases (for every role), in the
    databases that were read (a server that holds other clusters' databases too, as the sandbox's does,
    keeps theirs out of this cluster's row)."""
    databases = (database_facts or {}).get("databases") or {}
    found = []
    for entry in (database_facts or {}).get("settings") or []:
        if entry.get("scope") not in ("role", "database", "role_in_database") or (
                entry.get("database") is not None and entry["database"] not in databases):
            continue
        log = (entry.get("settings") or {}).get("pgaudit.log", {}).get("value")
        found.append({"role": entry["role"], "database": entry.get("database"), "pgaudit.log": log,
                      "settings": dict((name, facts.get("value")) for name, facts in entry["settings"].items())})
    return found


def row(host: str, cluster_identifier: str, aws: Optional[Dict[str, Any]], database_facts: Optional[Dict[str, Any]],
        drift: List[str]) -> Dict[str, Any]:
    aws = aws or {}
    group = aws.get("parameter_group") or {}
    stream = aws.get("activity_stream") or {}
    alerting = aws.get("alerting") or {}
    databases = (database_facts or {}).get("databases") or {}
    return {
        "host": host,
        "cluster_identifier": cluster_identifier,
        "kind": aws.get("kind") or "cluster",
        "found": bool(aws.get("found")),
        "engine_version": aws.get("engine_version"),
        "parameter_group": group.get("name"),
        "parameter_group_custom": bool(group.get("name")) and not group.get("default"),
        "shared_preload_libraries": group.get("shared_preload_libraries") or [],
        "shared_preload_libraries_source": group.get("shared_preload_libraries_source"),
        "pgaudit_preloaded": bool(group.get("pgaudit_preloaded")),
        "pgaudit_parameters": group.get("pgaudit_parameters") or {},
        "pending_reboot": aws.get("pending_reboot") or [],
        "extension": dict((name, facts.get("installed_version") or facts.get("error") and "error" or None)
                          for name, facts in sorted(databases.items())),
        "role_settings": role_settings(database_facts),
        "log_export": bool(aws.get("log_export")),
        "log_retention_days": (aws.get("log_group") or {}).get("retention_days"),
        "activity_stream": {"status": stream.get("status"), "mode": stream.get("mode")},
        "stream_key_rotation": stream.get("key_rotation") if stream.get("kms_key_id") else None,
        "alerting": {"pgaudit_log_subscription": [f.get("name") for f in alerting.get("subscription_filters") or []],
                     "activity_stream_functions": [m.get("function_arn") for m in
                                                   alerting.get("event_source_mappings") or []]},
        "drift": drift,
    }


def hardening(rows: List[Dict[str, Any]], pipelines: Dict[str, Any]) -> Dict[str, Any]:
    """The hardening section: per DAS alerting pipeline its bucket versioning and delivery stream encryption,
    and a warning for each cluster key without rotation and each pipeline piece not hardened. Warnings, not
    drift: each can be turned off on purpose (dbaudit_das_key_rotation, dbaudit_das_alerting_bucket_versioning,
    dbaudit_das_alerting_delivery_encryption), and none stops auditing from working."""
    warnings = []
    for entry in rows:
        stream = entry.get("activity_stream") or {}
        if stream.get("status") == "started" and entry.get("stream_key_rotation") is False:
            warnings.append("cluster %s: activity stream key has no automatic rotation" % entry["host"])
        elif stream.get("status") == "started" and entry.get("stream_key_rotation") is None:
            warnings.append("cluster %s: activity stream key rotation could not be read" % entry["host"])
    shown = {}
    for name, pipeline in sorted((pipelines or {}).items()):
        bucket = pipeline.get("bucket") or {}
        delivery = pipeline.get("delivery_stream") or {}
        encryption = delivery.get("encryption") or {}
        shown[name] = {"bucket": bucket.get("name"), "bucket_versioning": bucket.get("versioning"),
                       "delivery_stream": delivery.get("name"), "delivery_stream_encryption": encryption.get("status"),
                       "delivery_stream_key_type": encryption.get("key_type")}
        if not bucket.get("exists"):
            warnings.append("pipeline %s: bucket %s does not exist" % (name, bucket.get("name")))
        elif bucket.get("versioning") != "Enabled":
            warnings.append("pipeline %s: bucket %s versioning is %s"
                            % (name, bucket["name"], bucket.get("versioning")))
        if not delivery.get("exists"):
            warnings.append("pipeline %s: delivery stream %s does not exist" % (name, delivery.get("name")))
        elif encryption.get("status") != "ENABLED":
            warnings.append("pipeline %s: delivery stream %s server-side encryption is %s"
                            % (name, delivery["name"], encryption.get("status")))
    return {"pipelines": shown, "warnings": warnings}


def keep_generated(report: Dict[str, Any], previous: Optional[bytes]) -> Dict[str, Any]:
    """``report`` with the ``generated`` time of the ``previous`` report file (its bytes, None when there is none)
    when everything else is the same, so that a re-run that finds nothing new leaves the files as they are; else
    ``report`` as it is. A previous file that is not a JSON report counts as different."""
    try:
        before = json.loads(previous.decode("utf-8")) if previous is not None else None
    except ValueError:
        return report
    if not isinstance(before, dict) or not isinstance(before.get("generated"), str):
        return report
    now = json.loads(json.dumps(report))
    if dict(now, generated=None) != dict(before, generated=None):
        return report
    return dict(report, generated=before["generated"])
