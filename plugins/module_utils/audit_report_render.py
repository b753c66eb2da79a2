# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The compliance report of a fleet: one row per cluster from what was read and the drift found, rendered
as Markdown and as one self-contained HTML page (inline style, no script, every value escaped)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

COLUMNS = (
    ("host", "Cluster"),
    ("parameter_group", "Parameter group"),
    ("pgaudit_preloaded", "pgAudit loaded"),
    ("pending_reboot", "Pending reboot"),
    ("extension", "Extension per database"),
    ("role_settings", "pgaudit.log per role / database"),
    ("log_export", "Log export"),
    ("activity_stream", "Activity stream"),
    ("stream_key_rotation", "Stream key rotation"),
    ("alerting", "Alerting"),
    ("drift", "Drift"),
)


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


def cell(key: str, value: Any) -> str:
    """A row's value as short text."""
    if key == "extension":
        return ", ".join("%s %s" % (db, version or "missing") for db, version in value.items()) or "-"
    if key == "role_settings":
        return ", ".join("%s: %s" % ("@".join(part for part in (s["role"], s.get("database")) if part),
                                     s.get("pgaudit.log") or "-") for s in value) or "-"
    if key == "activity_stream":
        return "%s%s" % (value.get("status") or "-", " (%s)" % value["mode"] if value.get("mode") else "")
    if key == "alerting":
        parts = []
        if value["pgaudit_log_subscription"]:
            parts.append("pgAudit log")
        if value["activity_stream_functions"]:
            parts.append("activity stream")
        return " + ".join(parts) or "none"
    if key == "drift":
        return "; ".join(value) if value else "none"
    if key == "stream_key_rotation":
        return "-" if value is None else "on" if value else "off"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) or "-"
    return "-" if value is None else str(value)


def markdown(report: Dict[str, Any]) -> str:
    lines = ["# Audit report", "", "Generated %s over %d clusters: %d with drift from policy."
             % (report["generated"], len(report["clusters"]), report["clusters_with_drift"]), "",
             "| " + " | ".join(title for _key, title in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for entry in report["clusters"]:
        lines.append("| " + " | ".join(cell(key, entry[key]).replace("|", "\\|") for key, _title in COLUMNS) + " |")
    return "\n".join(lines + hardening_lines(report.get("hardening") or {})) + "\n"


def hardening_lines(section: Dict[str, Any]) -> List[str]:
    """The hardening section as text lines (Markdown; the HTML page shows the same lines)."""
    lines = ["", "## Hardening", ""]
    for name, pipeline in sorted((section.get("pipelines") or {}).items()):
        lines.append("- pipeline %s: bucket %s versioning %s; delivery stream %s encryption %s%s" % (
            name, pipeline["bucket"], pipeline["bucket_versioning"] or "-", pipeline["delivery_stream"],
            pipeline["delivery_stream_encryption"] or "-",
            " (%s)" % pipeline["delivery_stream_key_type"] if pipeline.get("delivery_stream_key_type") else ""))
    lines.extend("- warning: %s" % warning for warning in section.get("warnings") or [])
    if len(lines) == 3:
        lines.append("- nothing to report")
    return lines


STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
         "td,th{border:1px solid #999;padding:4px 8px;vertical-align:top;text-align:left}"
         "th{background:#eee}tr.drift td{background:#fde8e8}tr.ok td{background:#eefbea}")


def html_page(report: Dict[str, Any]) -> str:
    esc = html.escape
    rows = []
    for entry in report["clusters"]:
        rows.append("<tr class=\"%s\">%s</tr>" % ("drift" if entry["drift"] else "ok", "".join(
            "<td>%s</td>" % esc(cell(key, entry[key])) for key, _title in COLUMNS)))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Audit report</title>"
            "<style>%s</style></head><body><h1>Audit report</h1><p>Generated %s over %d clusters: %d with drift "
            "from policy.</p><table><thead><tr>%s</tr></thead><tbody>%s</tbody></table><h2>Hardening</h2><ul>%s</ul>"
            "</body></html>\n"
            % (STYLE, esc(report["generated"]), len(report["clusters"]), report["clusters_with_drift"],
               "".join("<th>%s</th>" % esc(title) for _key, title in COLUMNS), "".join(rows),
               "".join("<li>%s</li>" % esc(line[2:]) for line in hardening_lines(report.get("hardening") or {})[3:])))
