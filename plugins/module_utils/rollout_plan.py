# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan of a rollout, decided before its first change: which wave each host is in (Ansible's
``serial`` semantics over the hosts that passed preflight), and what a change of a cluster parameter
group shared by several clusters reaches. Pure functions: rds_audit_preflight reads, this decides."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any
from typing import Callable
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import is_default_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import merge_list
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import plan_changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import split_list

ALLOW_SHARED_VARIABLE = "dbaudit_allow_shared_parameter_group_changes"


def _wave_value(wave: Any) -> Any:
    """A wave as Ansible's ``serial`` reads it: an int, or a percentage string; None when it is neither."""
    if isinstance(wave, bool):
        return None
    if isinstance(wave, int):
        return wave
    text = str(wave).strip()
    if text.endswith("%"):
        try:
            return "%g%%" % float(text[:-1])
        except ValueError:
            return None
    try:
        return int(text)
    except ValueError:
        return None


def wave_problems(waves: Optional[List[Any]]) -> List[str]:
    """What is wrong with dbaudit_waves: a wave must hold at least one host, and a percentage be in (0, 100]."""
    if waves is None:
        return []
    if not isinstance(waves, list) or not waves:
        return ["dbaudit_waves must be a non-empty list of host counts or percentages, like [1, '50%%', '100%%'], "
                "not %r" % (waves,)]
    problems = []
    for position, wave in enumerate(waves, 1):
        value = _wave_value(wave)
        if value is None:
            problems.append("dbaudit_waves item %d (%r) is neither a number of hosts nor a percentage"
                            % (position, wave))
        elif isinstance(value, int) and value < 1:
            problems.append("dbaudit_waves item %d (%r) holds no host: a wave needs at least 1" % (position, wave))
        elif isinstance(value, str) and not 0 < float(value[:-1]) <= 100:
            problems.append("dbaudit_waves item %d (%r) is not a percentage above 0%% and at most 100%%"
                            % (position, wave))
    return problems


def wave_sizes(waves: List[Any], total: int) -> List[int]:
    """The size of each batch, as Ansible's ``serial`` makes them over ``total`` hosts: percentages of the
    whole play (at least 1 host), the last value repeated until every host has had its batch."""
    sizes = []
    remaining = total
    position = 0
    while remaining > 0:
        value = _wave_value(waves[min(position, len(waves) - 1)])
        size = (int(float(value[:-1]) / 100.0 * total) or 1) if isinstance(value, str) else value
        size = min(max(size, 1), remaining)
        sizes.append(size)
        remaining -= size
        position += 1
    return sizes


def assign_waves(hosts: List[str], waves: Optional[List[Any]]) -> Dict[str, int]:
    """Wave number (1-based) of each host, in the play's order."""
    sizes = wave_sizes(waves or [len(hosts) or 1], len(hosts))
    assigned = {}
    index = 0
    for number, size in enumerate(sizes, 1):
        for host in hosts[index:index + size]:
            assigned[host] = number
        index += size
    return assigned


Plan = Dict[str, Dict]


def rollout_plan(passing: List[str], drift: Dict[str, Optional[List[str]]], waves: Optional[List[Any]],
                 shared_plan: Callable[[List[str], Dict[str, int]], Plan]) -> Tuple[List[str], Dict[str, int], Plan]:
    """The hosts rolled out, their waves and the shared group plan (``shared_plan(rollout, waves)``, e.g. over
    shared_group_plan). Rolled out: the passing hosts that drift (a drift of None - not read - counts as drift), and
    a converged host that a shared group changed by one of them reaches (it would change with no wave otherwise)."""
    rollout = [host for host in passing if drift.get(host) is None or drift.get(host)]
    while True:
        assigned = assign_waves(rollout, waves)
        plan = shared_plan(rollout, assigned)
        reached = set(host for host in passing if host not in rollout and (plan.get(host) or {}).get("changes")
                      and (plan.get(host) or {}).get("changed_by"))
        if not reached:
            return rollout, assigned, plan
        rollout = [host for host in passing if host in rollout or host in reached]


def group_to_change(current_group: Optional[str], explicit_name: Optional[str], cluster_identifier: str,
                    disabling: bool) -> Optional[str]:
    """The cluster parameter group the rollout writes to: the explicit one, else the cluster's own custom group,
    else (enabling, from a ``default.*`` group) a copy named ``<cluster>-dbaudit``. Disabling writes only to a
    custom group the cluster uses."""
    if disabling:
        return None if not current_group or is_default_group(current_group) else current_group
    if explicit_name:
        return explicit_name
    if current_group and not is_default_group(current_group):
        return current_group
    return "%s-dbaudit" % cluster_identifier


def group_would_change(parameters: List[Dict], preload_libraries: Iterable[str],
                       pgaudit_parameters: Optional[Dict[str, Any]], disabling: bool) -> bool:
    """Whether the rollout would change a group with these parameters: pgAudit to merge into (or, disabling,
    drop from) shared_preload_libraries, or a pgAudit parameter to set."""
    records = dict((record["ParameterName"], record) for record in parameters)
    current = (records.get("shared_preload_libraries") or {}).get("ParameterValue")
    libraries = [str(library).strip() for library in preload_libraries]
    if disabling:
        return any(library in split_list(current) for library in libraries)
    _merged, added = merge_list(current, libraries)
    if added:
        return True
    changes, _errors = plan_changes(records, dict(pgaudit_parameters or {}))
    return bool(changes)


def shared_group_plan(targets: List[Dict[str, Any]], groups_in_use: Dict[str, List[str]],
                      would_change: Dict[str, bool], passing: List[str], waves: Dict[str, int]) -> Dict[str, Dict]:
    """Per host, what its parameter group change reaches.

    ``targets`` carry host, cluster_identifier, group (the group the rollout writes to) and allow_shared;
    ``groups_in_use`` maps a group to every cluster of the account on it now; ``passing`` are the hosts going on
    to the rollout (in order). A group is changed in the wave of the first passing host that writes to it; every
    cluster on it is named. Clusters on it that are not passing hosts of this run ("outside") would change with
    no wave of theirs: ``refused`` says so unless every passing host on it allows it."""
    by_group = {}  # type: Dict[str, List[Dict[str, Any]]]
    for target in targets:
        if target.get("group"):
            by_group.setdefault(target["group"], []).append(target)
    passing_clusters = dict((t["cluster_identifier"], t["host"]) for t in targets if t["host"] in passing)
    plan = {}
    for group, writers in by_group.items():
        clusters = sorted(set(groups_in_use.get(group, [])) | set(t["cluster_identifier"] for t in writers))
        outside = [cluster for cluster in clusters if cluster not in passing_clusters]
        passing_writers = [t for t in writers if t["host"] in passing]
        first = min(passing_writers, key=lambda t: passing.index(t["host"])) if passing_writers else None
        changes = would_change.get(group, True)
        refused = bool(changes and outside and passing_writers and not all(t["allow_shared"] for t in passing_writers))
        reached = [dict(cluster=cluster, host=passing_clusters.get(cluster),
                        wave=waves.get(passing_clusters.get(cluster))) for cluster in clusters]
        for target in writers:
            plan[target["host"]] = dict(
                name=group, changes=changes, clusters=clusters, outside_run=outside, reached=reached,
                changed_by=first["host"] if first else None,
                changed_in_wave=waves.get(first["host"]) if first else None,
                refused=refused and target["host"] in passing)
    return plan


def shared_group_problem(entry: Dict[str, Any]) -> Optional[str]:
    if not entry.get("refused"):
        return None
    return ("parameter group %s is also used by %s, outside this run (--limit, the inventory, or refused by "
            "preflight): changing it would change those clusters with no wave of theirs (a pending reboot, and "
            "pgAudit settings at once). Run over them too, or set %s=true"
            % (entry["name"], ", ".join(entry["outside_run"]), ALLOW_SHARED_VARIABLE))


def plan_lines(plan: Dict[str, Dict], waves: Dict[str, int], disabling: bool) -> List[str]:
    """The rollout plan, one line per wave, naming each shared group changed in it and the clusters it reaches."""
    lines = []
    verb = "drops pgaudit from" if disabling else "changes"
    for number in sorted(set(waves.values())):
        members = [host for host, wave in waves.items() if wave == number]
        lines.append("wave %d: %s" % (number, ", ".join(members)))
        told = set()
        for host in members:
            entry = plan.get(host)
            told_as = (entry.get("scope"), entry["name"]) if entry else None
            if not entry or told_as in told or entry["changed_by"] != host or not entry["changes"]:
                continue
            told.add(told_as)
            others = [r for r in entry["reached"] if r["host"] != host]
            if not others:
                continue
            reached = ", ".join(
                "%s (%s)" % (r["cluster"], "this wave" if r["wave"] == number
                             else "wave %d, pending a reboot until then" % r["wave"] if r["wave"]
                             else "outside this run")
                for r in others)
            lines.append("  %s %s, shared: it reaches %s" % (verb, entry["name"], reached))
    return lines


def converged_lines(hosts: List[str], shown: int = 20) -> List[str]:
    """The plan's line for the hosts that have nothing to change (no wave, no module call of their own)."""
    if not hosts:
        return []
    names = ", ".join(hosts[:shown]) + (" and %d more" % (len(hosts) - shown) if len(hosts) > shown else "")
    return ["converged, nothing to change (no wave): %d host%s: %s" % (len(hosts), "" if len(hosts) == 1 else "s",
                                                                       names)]
