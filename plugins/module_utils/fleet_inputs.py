# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the playbooks hand their fleet-wide tasks, shaped from every host's variables at once: the hosts' kinds,
the roles' variables (the inventory over the roles' defaults), the policies audit_report compares with, the
database servers pgaudit_fleet_info reads, the inputs and targets rds_audit_preflight checks, and what the fleet
read asks rds_fleet_audit_info for. Pure functions over plain mappings (``hostvars`` of the play, or dicts in the
unit tests); the filters of plugins/filter/fleet_inputs.py call them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any
from typing import Dict
from typing import Iterable
from typing import List
from typing import Mapping
from typing import Optional

# Inputs the playbooks read themselves, not a role (README, playbook inputs), and their defaults. The plays' own
# conditions read the same defaults (a play cannot see a role's defaults before the role runs).
PLAYBOOK_DEFAULTS = {
    "dbaudit_das_enabled": True,
    "dbaudit_disable_das": True,
    "dbaudit_disable_preload": False,
    "dbaudit_full_run": False,
    "dbaudit_allow_shared_parameter_group_changes": False,
    "dbaudit_pgaudit_alerting_enabled": False,
    "dbaudit_das_alerting_enabled": False,
}

# The kinds as rds_audit_preflight names its targets' kinds.
PREFLIGHT_KINDS = {"aurora_cluster": "cluster", "rds_instance": "instance", "self_managed": "self_managed"}

_TRUE = ("yes", "on", "true", "1")
_FALSE = ("no", "off", "false", "0")


def as_bool(value: Any) -> bool:
    """A value as Jinja's ``| bool`` in ansible-core reads it: yes/on/true/1 (any case, also as int or bool) are
    true, no/off/false/0 false, anything else is whether it equals 1."""
    if isinstance(value, str):
        text = value.lower()
    elif isinstance(value, int):
        text = str(value).lower()
    else:
        text = value
    try:
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return bool(text == 1)
    except TypeError:
        return False


def as_int(value: Any) -> int:
    """A value as Jinja's ``| int`` reads it: the integer, or that of a float text, else 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def playbook_input(host_vars: Mapping, name: str) -> Any:
    """A playbook input of one host, its default when the inventory does not set it."""
    return host_vars[name] if name in host_vars else PLAYBOOK_DEFAULTS[name]


def cluster_identifier(host: str, host_vars: Mapping) -> str:
    """The identifier a host stands for: dbaudit_cluster_id, the inventory name when unset (the roles' default)."""
    return host_vars.get("dbaudit_cluster_id", host)


def target_kind(host_vars: Mapping) -> str:
    """aurora_cluster, rds_instance or self_managed, from dbaudit_target as the pgaudit role reads it: rds and
    aurora_cluster are an Aurora cluster; unset (or empty), a host the aws_rds inventory plugin made from an RDS for
    PostgreSQL instance (dbaudit_engine, else engine: postgres) is an rds_instance, any other an Aurora cluster."""
    engine = host_vars["dbaudit_engine"] if "dbaudit_engine" in host_vars else host_vars.get("engine", "")
    target = host_vars.get("dbaudit_target")
    if not target:
        target = "rds_instance" if engine == "postgres" else "rds"
    return "aurora_cluster" if target in ("rds", "aurora_cluster") else target


def target_kinds(hosts: Iterable[str], hostvars: Mapping) -> Dict[str, str]:
    return dict((host, target_kind(hostvars[host])) for host in hosts)


def role_variables(hosts: Iterable[str], hostvars: Mapping, defaults: Mapping,
                   names: Optional[Iterable[str]] = None) -> Dict[str, Dict[str, Any]]:
    """Per host, a role's variables as the role sees them on that host: the host's value (inventory, extra vars,
    facts; templated in the host's own context) where it has one, the role's default otherwise. ``names`` limits
    them to those (a default that is a template of other variables is only right where the host sets it)."""
    wanted = list(defaults) if names is None else list(names)
    resolved = {}
    for host in hosts:
        host_vars = hostvars[host]
        resolved[host] = dict((name, host_vars[name] if name in host_vars else defaults[name]) for name in wanted)
    return resolved


def resolved_role_policies(role_policies: Iterable[Any], profiles: Mapping) -> List[Any]:
    """The role policies with the settings of their profile; a profile that is not defined resolves to settings
    None and the names of the known profiles (audit_report: unresolvable policy, drift). An entry that is not a
    mapping is left as it is, for preflight to refuse (run_inputs)."""
    resolved = []
    for policy in role_policies or []:
        if not isinstance(policy, Mapping):
            resolved.append(policy)
            continue
        profile = policy.get("profile")
        if "profile" in policy and profile in profiles:
            resolved.append(dict(policy, settings=profiles[profile]))
        else:
            resolved.append(dict(policy, settings=None, known_profiles=sorted(profiles)))
    return resolved


def settings_targets(role_policies: Iterable[Any], profiles: Mapping) -> List[Dict[str, Any]]:
    """The targets of one pgaudit_settings call for a host's role policies: each policy's role and/or database with
    the settings of its profile. A policy whose profile is not defined raises KeyError naming it (the roles refuse
    such inputs before they get here)."""
    targets = []
    for policy in resolved_role_policies(role_policies, profiles):
        if not isinstance(policy, Mapping) or policy["settings"] is None:
            raise KeyError("profile of role policy %r" % (policy,))
        target = dict((key, policy[key]) for key in ("role", "database") if policy.get(key) is not None)
        target["settings"] = policy["settings"]
        targets.append(target)
    return targets


def pgaudit_policy(variables: Mapping) -> Dict[str, Any]:
    """What the pgaudit role applies to a host, from its resolved variables (role_variables)."""
    return {
        "preload_libraries": variables["dbaudit_preload_libraries"],
        "parameters": variables["dbaudit_pgaudit_parameters"],
        "reboot_policy": variables["dbaudit_reboot_policy"],
        "log_export": as_bool(variables["dbaudit_log_export"]),
        "log_retention_days": as_int(variables["dbaudit_log_retention_days"]),
        "databases": variables["dbaudit_databases"],
        "audit_role": variables["dbaudit_audit_role"],
        "object_audit": variables["dbaudit_object_audit"],
        "role_policies": resolved_role_policies(variables["dbaudit_role_policies"],
                                                variables["dbaudit_audit_profiles"]),
    }


def das_policy(host_vars: Mapping, variables: Mapping) -> Dict[str, Any]:
    """What the activity_stream role applies to a host: a stream started (where the run enables streams), its mode."""
    return {"das_enabled": as_bool(playbook_input(host_vars, "dbaudit_das_enabled"))
            and variables["dbaudit_das_state"] == "started",
            "das_mode": variables["dbaudit_das_mode"]}


def _named(entries: Any, key: str) -> List[str]:
    """The distinct string values of ``key`` over the mappings of a list, in order."""
    found = []
    for entry in entries if isinstance(entries, list) else []:
        value = entry.get(key) if isinstance(entry, Mapping) else None
        if isinstance(value, str) and value not in found:
            found.append(value)
    return found


def database_server(host: str, host_vars: Mapping, variables: Mapping) -> Dict[str, Any]:
    """One server of pgaudit_fleet_info: the login the inventory sets (unset: null, the module's defaults and the
    PG* environment apply), the pgaudit role's databases and audit role, and the roles and databases its policies
    name, looked up so that preflight can say which do not exist."""
    databases = variables["dbaudit_databases"]
    return {
        "name": host,
        "login_host": host_vars.get("dbaudit_login_host") or None,
        "login_port": host_vars.get("dbaudit_login_port"),
        "login_user": host_vars.get("dbaudit_login_user") or None,
        "login_password": host_vars.get("dbaudit_login_password") or None,
        "login_iam_auth": as_bool(host_vars.get("dbaudit_login_iam_auth", False)),
        "login_db": databases[0] if databases else "postgres",
        "databases": databases,
        "audit_role": variables["dbaudit_audit_role"],
        "find_roles": _named(variables["dbaudit_role_policies"], "role"),
        "find_databases": _named(list(variables["dbaudit_role_policies"] or [])
                                 + list(variables["dbaudit_object_audit"] or []), "database"),
    }


def run_input_names(host_vars: Mapping, variables_by_part: Mapping) -> List[str]:
    """The variables a host's preflight checks: the pgaudit role's, the activity stream's key alias where a key is
    created, and an alerting pipeline's where it is enabled."""
    das = as_bool(playbook_input(host_vars, "dbaudit_das_enabled"))
    names = list(variables_by_part["pgaudit"])
    if das and not host_vars.get("dbaudit_das_kms_key_id"):
        names += variables_by_part["activity_stream"]
    if as_bool(playbook_input(host_vars, "dbaudit_pgaudit_alerting_enabled")):
        names += variables_by_part["pgaudit_alerting"]
    if das and as_bool(playbook_input(host_vars, "dbaudit_das_alerting_enabled")):
        names += variables_by_part["das_alerting"]
    return names


def run_inputs(host_vars: Mapping, variables_by_part: Mapping, audit_profiles: Any) -> Dict[str, Any]:
    """The variables of a host rds_audit_preflight checks: only those the host sets (a role default is valid),
    with the audit profiles its policies resolve against (the host's, else the audit_profiles role's)."""
    given = {"dbaudit_audit_profiles": audit_profiles}
    for name in run_input_names(host_vars, variables_by_part):
        if name in host_vars:
            given[name] = host_vars[name]
    return given


def preflight_target(host: str, host_vars: Mapping, kind: str, pgaudit: Mapping, das: Mapping,
                     inputs: Mapping, disabling: bool = False, database_check: Optional[Mapping] = None,
                     drift: Optional[List[str]] = None) -> Dict[str, Any]:
    """One target of rds_audit_preflight: enabling (database_check, drift) or disabling (mode disable)."""
    target = {
        "host": host,
        "kind": PREFLIGHT_KINDS.get(kind, kind),
        "cluster_identifier": cluster_identifier(host, host_vars),
    }
    if disabling:
        target["das_enabled"] = as_bool(playbook_input(host_vars, "dbaudit_disable_das"))
    else:
        target["das_enabled"] = as_bool(playbook_input(host_vars, "dbaudit_das_enabled"))
    target["das_apply_immediately"] = as_bool(das["dbaudit_das_apply_immediately"])
    target["reboot_policy"] = pgaudit["dbaudit_reboot_policy"]
    if disabling:
        target["disable_preload"] = as_bool(playbook_input(host_vars, "dbaudit_disable_preload"))
    else:
        key = das["dbaudit_das_kms_key_id"]
        target["kms_key_id"] = key or das["dbaudit_das_key_alias"]
        target["kms_key_created"] = not key
        target["parameter_group_name"] = pgaudit["dbaudit_parameter_group_name"]
    target["preload_libraries"] = pgaudit["dbaudit_preload_libraries"]
    if not disabling:
        # Only what the inventory sets: the shared-group check compares the group with it.
        target["pgaudit_parameters"] = host_vars.get("dbaudit_pgaudit_parameters")
    target["allow_shared_parameter_group_changes"] = as_bool(
        playbook_input(host_vars, "dbaudit_allow_shared_parameter_group_changes"))
    if not disabling:
        target["inventory_problems"] = host_vars.get("dbaudit_preflight_problems", [])
        target["database_check"] = database_check
        target["drift"] = None if as_bool(playbook_input(host_vars, "dbaudit_full_run")) else drift
    target["inputs"] = inputs
    return target


def alerting_of(host_vars: Mapping, pgaudit_alerting: Mapping, das_alerting: Mapping) -> Dict[str, Any]:
    """Which alerting a host should reach, as the alerting roles name it."""
    return {
        "pgaudit_alerting": as_bool(playbook_input(host_vars, "dbaudit_pgaudit_alerting_enabled")),
        "pgaudit_alerting_function": "%s-alert" % pgaudit_alerting["dbaudit_pgaudit_alerting_name"],
        "das_alerting": as_bool(playbook_input(host_vars, "dbaudit_das_alerting_enabled")),
        "das_alerting_name": das_alerting["dbaudit_das_alerting_name"],
        "das_alerting_bucket": das_alerting["dbaudit_das_alerting_bucket"],
    }


def alerting_functions(alerting: Mapping) -> List[str]:
    """The alerting functions whose record rds_fleet_audit_info reads (its alerting_functions), each once, sorted:
    ``<name>-alert`` of every host with pgaudit_alerting on, ``<name>-decrypt`` of every host with das_alerting on."""
    names = set()
    for host_alerting in alerting.values():
        if host_alerting["pgaudit_alerting"]:
            names.add(host_alerting["pgaudit_alerting_function"])
        if host_alerting["das_alerting"]:
            names.add("%s-decrypt" % host_alerting["das_alerting_name"])
    return sorted(names)


def fleet_read(hosts: Iterable[str], hostvars: Mapping, kinds: Mapping, alerting: Mapping) -> Dict[str, Any]:
    """What rds_fleet_audit_info reads: the Aurora clusters, the DB instances, and each DAS alerting pipeline once
    (by name; the last host naming it gives its bucket)."""
    hosts = list(hosts)
    pipelines = {}
    for host in hosts:
        if alerting[host]["das_alerting"]:
            name = alerting[host]["das_alerting_name"]
            pipelines[name] = {"name": name, "bucket": alerting[host]["das_alerting_bucket"]}
    return {
        "cluster_identifiers": [cluster_identifier(h, hostvars[h]) for h in hosts if kinds[h] == "aurora_cluster"],
        "instance_identifiers": [cluster_identifier(h, hostvars[h]) for h in hosts if kinds[h] == "rds_instance"],
        "das_pipelines": list(pipelines.values()),
    }


def fleet_regions(hosts: Iterable[str], hostvars: Mapping, kinds: Mapping,
                  environment_region: Optional[str] = None) -> Dict[str, List[str]]:
    """Region to the hosts with an AWS side there (Aurora clusters and DB instances; a self-managed server has none),
    as the playbooks send their AWS calls: the host's dbaudit_aws_region, else the environment's region
    (AWS_REGION, AWS_DEFAULT_REGION); '' when neither says, the AWS profile's region, which no filter can read."""
    regions = {}  # type: Dict[str, List[str]]
    for host in hosts:
        if kinds[host] == "self_managed":
            continue
        region = hostvars[host].get("dbaudit_aws_region") or environment_region or ""
        regions.setdefault(region, []).append(host)
    return regions


def fleet_entry(host: str, host_vars: Mapping, kind: str, pgaudit: Mapping, das: Mapping, alerting: Mapping,
                database: Any) -> Dict[str, Any]:
    """A host's policy beside what was read of its databases. What does not apply to the kind is not asked for:
    an activity stream (Aurora only), the log export and its alerting (not for a self-managed server)."""
    not_applicable = {} if kind == "aurora_cluster" else {"das_enabled": False, "das_alerting": False}
    if kind == "self_managed":
        not_applicable.update({"log_export": False, "pgaudit_alerting": False})
    policy = dict(pgaudit)
    for part in (das, alerting, not_applicable):
        policy.update(part)
    return {"host": host, "kind": PREFLIGHT_KINDS.get(kind, kind),
            "cluster_identifier": cluster_identifier(host, host_vars), "policy": policy, "database": database}
