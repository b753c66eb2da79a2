# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""enable_audit's preflight: what is wrong with each host before anything is changed, from what was read in
bulk (clusters, instances, KMS keys) and what each host's database check found, and the one table that shows
it. Three kinds of host: an Aurora PostgreSQL cluster, an RDS for PostgreSQL DB instance, and a self-managed
server (read over its connection only, no AWS call). Pure functions: the module reads, this decides."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import cluster_refusals
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_activity_stream import key_refusals
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import family_of
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import merge_list

ENGINE = "aurora-postgresql"
INSTANCE_ENGINE = "postgres"
# The kinds of target, as the module's targets[].kind names them, and as the table shows them.
KINDS = {"cluster": "aurora cluster", "instance": "rds instance", "self_managed": "self-managed"}
NO_ACTIVITY_STREAM = "activity stream: not available for RDS for PostgreSQL, pgAudit path only"
# The pgAudit release each PostgreSQL major ships (REFERENCE.md section 2). enable_audit handles these majors
# only: below 13 AWS no longer runs pgAudit's versions we know; above 17 is not tested.
PGAUDIT_RELEASES = {13: "1.5", 14: "1.6", 15: "1.7", 16: "16", 17: "17"}
# Database Activity Streams: Aurora PostgreSQL only (not RDS for PostgreSQL), every major of PGAUDIT_RELEASES.
DAS_ENGINES = ("aurora-postgresql",)
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
    problems.extend(version_problems(engine, cluster.get("EngineVersion"), das_enabled))
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


def version_problems(engine: Optional[str], version: Optional[str], das_enabled: bool) -> List[str]:
    """The engine version against what pgAudit (13 to 17) and Database Activity Streams support."""
    major = engine_major(version)
    if major not in PGAUDIT_RELEASES:
        return ["engine version %s is not supported: enable_audit handles PostgreSQL %d to %d (pgAudit %s to %s)"
                % (version, min(PGAUDIT_RELEASES), max(PGAUDIT_RELEASES), PGAUDIT_RELEASES[min(PGAUDIT_RELEASES)],
                   PGAUDIT_RELEASES[max(PGAUDIT_RELEASES)])]
    if das_enabled and engine not in DAS_ENGINES:
        return ["engine %s %s: activity streams exist for Aurora PostgreSQL only; set dbaudit_das_enabled=false"
                % (engine, version)]
    return []


def instance_problems(name: str, instance: Optional[Dict]) -> List[str]:
    """What stops enable_audit (or disable_audit) on one RDS for PostgreSQL DB instance, on the AWS side. Activity
    streams do not exist for it: never a problem here (see instance_notes)."""
    if instance is None:
        return ["DB instance %s not found in this account and region" % name]
    if instance.get("DBClusterIdentifier"):
        cluster = instance["DBClusterIdentifier"]
        return ["DB instance %s is a member of Aurora cluster %s: give the cluster (dbaudit_target: aurora_cluster, "
                "dbaudit_cluster_id: %s), not its instance" % (name, cluster, cluster)]
    engine = instance.get("Engine")
    if engine != INSTANCE_ENGINE:
        return ["engine %s: dbaudit_target rds_instance handles RDS for PostgreSQL (%s) DB instances"
                % (engine, INSTANCE_ENGINE)]
    problems = version_problems(engine, instance.get("EngineVersion"), das_enabled=False)
    if instance.get("DBInstanceStatus") not in READY_STATUSES:
        problems.append("instance status is %s, not available" % instance.get("DBInstanceStatus"))
    return problems


def instance_notes(instance: Optional[Dict], das_enabled: bool, reboot_policy: str) -> List[str]:
    """What the rollout of an RDS for PostgreSQL instance does differently, said before it starts: no activity
    stream (it goes on without one), and a reboot of a single-AZ instance is downtime."""
    if instance is None or instance.get("Engine") != INSTANCE_ENGINE or instance.get("DBClusterIdentifier"):
        return []
    notes = [NO_ACTIVITY_STREAM] if das_enabled else []
    if reboot_policy == "rolling" and not instance.get("MultiAZ"):
        notes.append("single-AZ: the reboot that loads pgaudit, when one is needed, is downtime for its duration "
                     "(dbaudit_reboot_policy next_maintenance_window defers it)")
    elif reboot_policy == "rolling":
        notes.append("Multi-AZ: the reboot that loads pgaudit, when one is needed, is a short outage")
    return notes


def server_major(version_num: Optional[int]) -> Optional[int]:
    """150020 -> 15."""
    try:
        return int(version_num) // 10000
    except (TypeError, ValueError):
        return None


def preload_fix(check: Dict[str, Any], preload_libraries: List[str]) -> str:
    """The exact change that makes a self-managed server preload pgAudit: the shared_preload_libraries line (what
    is there kept, pgaudit added), where it goes, and the restart."""
    merged, _added = merge_list(check.get("shared_preload_libraries_raw") or "", preload_libraries)
    source = check.get("preload_sourcefile")
    if source and source.endswith("postgresql.auto.conf"):
        return ("run ALTER SYSTEM SET shared_preload_libraries = '%s' (it is set by ALTER SYSTEM, which "
                "postgresql.conf does not override), then restart the server" % merged)
    if source:
        where = "%s line %s" % (source, check.get("preload_sourceline"))
    else:
        where = check.get("config_file") or "postgresql.conf"
    return ("set shared_preload_libraries = '%s' in %s, then restart the server (a reload is not enough)"
            % (merged, where))


def self_managed_problems(check: Optional[Dict[str, Any]], preload_libraries: List[str]) -> List[str]:
    """What stops enable_audit on a self-managed server, from its database check alone (no AWS call): a version
    pgAudit's releases do not cover, and a server that does not preload pgaudit, with the fix. A server that
    cannot be read is reported by database_problems."""
    if not check or check.get("skipped") or check.get("failed") or "login" not in check:
        return []
    problems = []
    major = server_major(check.get("server_version_num"))
    if major is not None and major not in PGAUDIT_RELEASES:
        problems.append("PostgreSQL %s is not supported: enable_audit handles PostgreSQL %d to %d"
                        % (major, min(PGAUDIT_RELEASES), max(PGAUDIT_RELEASES)))
    loaded = check.get("shared_preload_libraries") or []
    missing = [library for library in preload_libraries if library not in loaded]
    if not missing:
        return problems
    raw = check.get("shared_preload_libraries_raw") or ""
    if check.get("pending_restart"):
        problems.append("pgaudit is not loaded yet: shared_preload_libraries was changed in the configuration but the "
                        "server has not been restarted since (pending_restart; it runs with %r): restart the server"
                        % raw)
    else:
        problems.append("pgaudit is not in shared_preload_libraries (it is %r): %s"
                        % (raw, preload_fix(check, preload_libraries)))
    if not check.get("available_versions"):
        problems.append("the pgaudit extension is not installed on the server: install pgAudit for PostgreSQL %s "
                        "(Debian/Ubuntu: postgresql-%s-pgaudit; RHEL: pgaudit_%s)" % (major, major, major))
    return problems


def self_managed_summary(check: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    version_num = (check or {}).get("server_version_num")
    major = server_major(version_num)
    version = None
    if version_num:
        version = "%d.%d" % (major, int(version_num) % 10000) if major >= 10 else str(version_num)
    release = PGAUDIT_RELEASES.get(major)
    return {"engine": "postgresql", "engine_version": version, "family": None,
            "support": "PostgreSQL %s, pgAudit %s" % (major, release) if release else None,
            "status": None, "instance_classes": []}


def instance_summary(instance: Optional[Dict]) -> Dict[str, Any]:
    if instance is None:
        return summary(None, [])
    found = summary(dict(Engine=instance.get("Engine"), EngineVersion=instance.get("EngineVersion"),
                         Status=instance.get("DBInstanceStatus")), [instance])
    found["multi_az"] = bool(instance.get("MultiAZ"))
    return found


def support(engine: Optional[str], version: Optional[str]) -> Optional[str]:
    """What the version gets, for the table: ``aurora-postgresql16, pgAudit 16, DAS``."""
    family = family_of(engine, version)
    release = PGAUDIT_RELEASES.get(engine_major(version))
    if not family or not release:
        return family
    return "%s, pgAudit %s%s" % (family, release, ", DAS" if engine in DAS_ENGINES else "")


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


def stream_stop_problems(cluster: Optional[Dict], stop_wanted: bool, apply_immediately: bool,
                         reboot_policy: str) -> List[str]:
    """Stopping an activity stream with ApplyImmediately restarts the DB cluster too: the way out is refused
    for a started stream whose reboot policy forbids a restart now."""
    if cluster is None or cluster.get("Engine") != ENGINE or not stop_wanted or not apply_immediately \
            or reboot_policy == "rolling":
        return []
    status = cluster.get("ActivityStreamStatus") or "stopped"
    if status in ("stopped", "stopping"):
        return []
    return ["its activity stream is %s, and stopping it with dbaudit_das_apply_immediately restarts the cluster at "
            "once, which dbaudit_reboot_policy %s does not allow: set dbaudit_das_apply_immediately=false (AWS then "
            "stops the stream, restarting the cluster, in its next maintenance window) or dbaudit_disable_das=false"
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
        return {"engine": None, "engine_version": None, "family": None, "status": None, "instance_classes": []}
    return {
        "engine": cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
        "family": family_of(cluster.get("Engine"), cluster.get("EngineVersion")),
        "support": support(cluster.get("Engine"), cluster.get("EngineVersion")),
        "status": cluster.get("Status"),
        "instance_classes": sorted(set(i.get("DBInstanceClass") for i in instances if i.get("DBInstanceClass"))),
    }


def table(rows: List[Dict[str, Any]]) -> List[str]:
    """One fixed-width line per host, problem and note: host, kind, cluster or instance, engine version, classes,
    verdict (problems first, then notes)."""
    header = ("host", "kind", "resource", "engine", "classes", "preflight")
    columns = len(header) - 1
    lines = []
    for row in rows:
        engine = row.get("engine_version") or "-"
        if row.get("support"):
            engine += " (%s)" % row["support"]
        first = (row["host"], KINDS.get(row.get("kind") or "cluster", row.get("kind")),
                 row.get("cluster_identifier") or "-", engine, ",".join(row.get("instance_classes") or []) or "-")
        verdicts = (row["problems"] or ["ok, converged: nothing to change" if row.get("converged") else "ok"]) + [
            "note: %s" % note for note in row.get("notes") or []]
        lines.append(first + (verdicts[0],))
        lines.extend(("",) * columns + (more,) for more in verdicts[1:])
    widths = [max(len(str(line[column])) for line in [header] + lines) for column in range(columns)]

    def render(line):
        cells = [str(line[column]).ljust(widths[column]) for column in range(columns)]
        return "  ".join(cells) + "  " + line[columns]

    return [render(header), render(tuple("-" * width for width in widths) + ("-" * 9,))] + [
        render(line).rstrip() for line in lines]
