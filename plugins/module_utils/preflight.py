# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""enable_audit's preflight: what is wrong with each cluster before anything is changed, from what was
read in bulk (clusters, instances, KMS keys) and what each host's database check found, and the one
table that shows it. Pure functions: the module reads, this decides."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import cluster_refusals
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import key_refusals

ENGINE = "aurora-postgresql"
# pgAudit ships with every Aurora PostgreSQL version AWS still runs; older majors are out of support.
MIN_MAJOR_VERSION = 11
# Statuses in which modifying, rebooting and starting a stream are accepted.
READY_STATUSES = ("available",)


def engine_major(version: Optional[str]) -> Optional[int]:
    try:
        return int(str(version).split(".", 1)[0])
    except (TypeError, ValueError):
        return None


def cluster_problems(name: str, cluster: Optional[Dict], instances: List[Dict], das_enabled: bool) -> List[str]:
    """What stops enable_audit on one cluster, on the AWS side."""
    if cluster is None:
        return ["cluster %s not found in this account and region" % name]
    problems = []
    engine = cluster.get("Engine")
    if engine != ENGINE:
        problems.append("engine %s: enable_audit handles Aurora PostgreSQL (%s) clusters" % (engine, ENGINE))
        return problems
    major = engine_major(cluster.get("EngineVersion"))
    if major is None or major < MIN_MAJOR_VERSION:
        problems.append("engine version %s is not supported (needs %d or later)"
                        % (cluster.get("EngineVersion"), MIN_MAJOR_VERSION))
    status = cluster.get("Status")
    if status not in READY_STATUSES:
        problems.append("cluster status is %s, not available" % status)
    if not instances:
        problems.append("cluster has no instances")
    for instance in instances:
        if instance.get("DBInstanceStatus") not in READY_STATUSES:
            problems.append("instance %s is %s, not available"
                            % (instance.get("DBInstanceIdentifier"), instance.get("DBInstanceStatus")))
    if das_enabled:
        refusals = cluster_refusals(cluster, instances)
        problems.extend(refusal.replace("cluster %s " % name, "", 1) for refusal in refusals)
    return problems


def stream_start_problems(cluster: Optional[Dict], das_enabled: bool, apply_immediately: bool,
                          reboot_policy: str) -> List[str]:
    """Starting an activity stream with ApplyImmediately restarts the DB cluster right away (AWS's user guide);
    a reboot policy other than rolling forbids that, so a cluster whose stream is not started yet is refused."""
    if cluster is None or cluster.get("Engine") != ENGINE or not das_enabled or not apply_immediately \
            or reboot_policy == "rolling":
        return []
    status = cluster.get("ActivityStreamStatus") or "stopped"
    if status in ("started", "starting"):
        return []
    return ["its activity stream is %s, and starting it with dbaudit_das_apply_immediately restarts the cluster at "
            "once, which dbaudit_reboot_policy %s does not allow: set dbaudit_das_apply_immediately=false (AWS then "
            "starts the stream, restarting the cluster, in its next maintenance window) or dbaudit_das_enabled=false"
            % (status, reboot_policy)]


def key_problems(reference: Optional[str], metadata: Optional[Dict], will_be_created: bool) -> List[str]:
    """What is wrong with the activity streams' KMS key; nothing when enable_audit will create it."""
    if not reference or (metadata is None and will_be_created):
        return []
    return key_refusals(reference, metadata)


def database_problems(check: Optional[Dict[str, Any]]) -> List[str]:
    """What the per-host database check (a pgaudit_info result) found: no connection, a login that may not
    manage auditing, a database that cannot be reached."""
    if not check or check.get("skipped"):
        return []
    # Registered with failed_when: false, a failed module says failed: false but has no facts, only msg.
    if check.get("failed") or ("login" not in check and check.get("msg")):
        return ["cannot connect to PostgreSQL: %s" % (check.get("msg") or "unknown error")]
    problems = []
    login = check.get("login") or {}
    if login and not login.get("may_manage_audit"):
        problems.append("login user %s is neither a superuser nor a member of rds_superuser: it cannot create the "
                        "extension nor set pgaudit.* per role" % login.get("user"))
    for database, facts in sorted((check.get("databases") or {}).items()):
        if facts.get("error"):
            problems.append("database %s: %s" % (database, facts["error"]))
    return problems


def summary(cluster: Optional[Dict], instances: List[Dict]) -> Dict[str, Any]:
    if cluster is None:
        return {"engine": None, "engine_version": None, "status": None, "instance_classes": []}
    return {
        "engine": cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
        "status": cluster.get("Status"),
        "instance_classes": sorted(set(i.get("DBInstanceClass") for i in instances if i.get("DBInstanceClass"))),
    }


def table(rows: List[Dict[str, Any]]) -> List[str]:
    """One fixed-width line per host and problem: host, cluster, engine version, classes, verdict."""
    header = ("host", "cluster", "engine", "classes", "preflight")
    lines = []
    for row in rows:
        first = (row["host"], row["cluster_identifier"], row.get("engine_version") or "-",
                 ",".join(row.get("instance_classes") or []) or "-")
        problems = row["problems"] or ["ok"]
        lines.append(first + (problems[0],))
        lines.extend(("", "", "", "", more) for more in problems[1:])
    widths = [max(len(str(line[column])) for line in [header] + lines) for column in range(4)]

    def render(line):
        cells = [str(line[column]).ljust(widths[column]) for column in range(4)]
        return "  ".join(cells) + "  " + line[4]

    return [render(header), render(tuple("-" * width for width in widths) + ("-" * 9,))] + [
        render(line).rstrip() for line in lines]
