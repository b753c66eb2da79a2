# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: one <filter name>.yml beside this file for each filter.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.dbaudit.postgresql.plugins.module_utils import fleet_inputs


def _hosts(name, hosts):
    if isinstance(hosts, (str, bytes)) or not all(isinstance(host, str) for host in hosts):
        raise AnsibleFilterError("%s takes the list of the play's hosts (ansible_play_hosts_all), got %r"
                                 % (name, hosts))
    return list(hosts)


def _mapping(name, what, value):
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("%s takes %s as a mapping, got %r" % (name, what, value))
    return value


def _per_host(name, what, value, hosts):
    """A fact keyed by host (an earlier filter's result), checked to cover every host."""
    _mapping(name, what, value)
    missing = [host for host in hosts if host not in value]
    if missing:
        raise AnsibleFilterError("%s: %s has no entry for %s" % (name, what, ", ".join(missing)))
    return value


def target_kinds(hosts, hostvars):
    """Host to aurora_cluster, rds_instance or self_managed."""
    hosts = _hosts("target_kinds", hosts)
    return fleet_inputs.target_kinds(hosts, _mapping("target_kinds", "hostvars", hostvars))


def role_variables(hosts, hostvars, defaults, names=None):
    """Host to a role's variables there: the host's value where it has one, the role's default otherwise."""
    hosts = _hosts("role_variables", hosts)
    _mapping("role_variables", "the role's defaults", defaults)
    if names is not None:
        unknown = [name for name in names if name not in defaults]
        if unknown:
            raise AnsibleFilterError("role_variables: %s not among the role's defaults" % ", ".join(unknown))
    return fleet_inputs.role_variables(hosts, _mapping("role_variables", "hostvars", hostvars), defaults, names)


def pgaudit_policies(variables):
    """Host to the pgaudit role's policy, from role_variables over its defaults and audit_profiles'."""
    _mapping("pgaudit_policies", "the hosts' pgaudit variables", variables)
    try:
        return dict((host, fleet_inputs.pgaudit_policy(values)) for host, values in variables.items())
    except KeyError as missing:
        raise AnsibleFilterError("pgaudit_policies: the variables lack %s" % missing)


def pgaudit_settings_targets(role_policies, profiles):
    """The targets of one pgaudit_settings call for a host's dbaudit_role_policies and dbaudit_audit_profiles."""
    name = "pgaudit_settings_targets"
    _mapping(name, "the audit profiles", profiles)
    if isinstance(role_policies, (str, bytes, Mapping)):
        raise AnsibleFilterError("%s takes the list of role policies, got %r" % (name, role_policies))
    try:
        return fleet_inputs.settings_targets(role_policies or [], profiles)
    except KeyError as missing:
        raise AnsibleFilterError("%s: no defined %s" % (name, missing.args[0]))


def das_policies(variables, hostvars):
    """Host to the activity_stream role's policy, from role_variables over its defaults."""
    _mapping("das_policies", "the hosts' activity_stream variables", variables)
    _mapping("das_policies", "hostvars", hostvars)
    try:
        return dict((host, fleet_inputs.das_policy(hostvars[host], values)) for host, values in variables.items())
    except KeyError as missing:
        raise AnsibleFilterError("das_policies: the variables lack %s" % missing)


def database_servers(hosts, hostvars, pgaudit_variables):
    """The servers of pgaudit_fleet_info, one per host."""
    hosts = _hosts("database_servers", hosts)
    _mapping("database_servers", "hostvars", hostvars)
    _per_host("database_servers", "the hosts' pgaudit variables", pgaudit_variables, hosts)
    return [fleet_inputs.database_server(host, hostvars[host], pgaudit_variables[host]) for host in hosts]


def run_inputs(hosts, hostvars, variables_by_part, pgaudit_variables):
    """Host to the variables rds_audit_preflight checks (targets[].inputs)."""
    hosts = _hosts("run_inputs", hosts)
    _mapping("run_inputs", "hostvars", hostvars)
    _mapping("run_inputs", "the variables of each part", variables_by_part)
    _per_host("run_inputs", "the hosts' pgaudit variables", pgaudit_variables, hosts)
    return dict((host, fleet_inputs.run_inputs(hostvars[host], variables_by_part,
                                               pgaudit_variables[host]["dbaudit_audit_profiles"]))
                for host in hosts)


def preflight_targets(hosts, hostvars, kinds, pgaudit_variables, das_variables, inputs, mode="enable",
                      databases=None, drift=None):
    """The targets of rds_audit_preflight, one per host; mode enable (with databases, the registered
    pgaudit_fleet_info result, and drift, rollout_drift's) or disable."""
    name = "preflight_targets"
    hosts = _hosts(name, hosts)
    if mode not in ("enable", "disable"):
        raise AnsibleFilterError("%s: mode is enable or disable, got %r" % (name, mode))
    disabling = mode == "disable"
    _mapping(name, "hostvars", hostvars)
    for what, value in (("the hosts' kinds", kinds), ("the hosts' pgaudit variables", pgaudit_variables),
                        ("the hosts' activity_stream variables", das_variables), ("the hosts' run inputs", inputs)):
        _per_host(name, what, value, hosts)
    if not disabling:
        _per_host(name, "the servers of the pgaudit_fleet_info result",
                  _mapping(name, "the pgaudit_fleet_info result", databases).get("servers"), hosts)
        _per_host(name, "the drift", drift, hosts)
    return [fleet_inputs.preflight_target(
        host, hostvars[host], kinds[host], pgaudit_variables[host], das_variables[host], inputs[host],
        disabling=disabling, database_check=None if disabling else databases["servers"][host],
        drift=None if disabling else drift[host]) for host in hosts]


def fleet_alerting(hosts, hostvars, pgaudit_alerting_variables, das_alerting_variables):
    """Host to the alerting it should reach, as the alerting roles name it."""
    name = "fleet_alerting"
    hosts = _hosts(name, hosts)
    _mapping(name, "hostvars", hostvars)
    _per_host(name, "the hosts' pgaudit_alerting variables", pgaudit_alerting_variables, hosts)
    _per_host(name, "the hosts' das_alerting variables", das_alerting_variables, hosts)
    return dict((host, fleet_inputs.alerting_of(hostvars[host], pgaudit_alerting_variables[host],
                                                das_alerting_variables[host])) for host in hosts)


def fleet_read(hosts, hostvars, kinds, alerting):
    """What rds_fleet_audit_info reads: cluster_identifiers, instance_identifiers, das_pipelines."""
    name = "fleet_read"
    hosts = _hosts(name, hosts)
    _mapping(name, "hostvars", hostvars)
    _per_host(name, "the hosts' kinds", kinds, hosts)
    _per_host(name, "the hosts' alerting", alerting, hosts)
    return fleet_inputs.fleet_read(hosts, hostvars, kinds, alerting)


def alerting_functions(alerting):
    """The alerting functions whose record rds_fleet_audit_info reads, from fleet_alerting's result."""
    name = "alerting_functions"
    _mapping(name, "fleet_alerting's result (host to its alerting)", alerting)
    for host, host_alerting in alerting.items():
        _mapping(name, "the alerting of %s" % host, host_alerting)
    try:
        return fleet_inputs.alerting_functions(alerting)
    except KeyError as missing:
        raise AnsibleFilterError("%s: the hosts' alerting lacks %s (give it fleet_alerting's result)" % (name, missing))


def fleet_regions(hosts, hostvars, kinds, environment_region=None):
    """Region to the hosts with an AWS side there ('' for the AWS profile's region)."""
    name = "fleet_regions"
    hosts = _hosts(name, hosts)
    _mapping(name, "hostvars", hostvars)
    _per_host(name, "the hosts' kinds", kinds, hosts)
    if environment_region is not None and not isinstance(environment_region, str):
        raise AnsibleFilterError("%s: environment_region is a region name, got %r" % (name, environment_region))
    return fleet_inputs.fleet_regions(hosts, hostvars, kinds, environment_region)


def fleet_entries(hosts, hostvars, kinds, pgaudit, das, alerting, databases):
    """One entry per host (host, kind, cluster_identifier, policy, database) for audit_report and rollout_drift."""
    name = "fleet_entries"
    hosts = _hosts(name, hosts)
    _mapping(name, "hostvars", hostvars)
    for what, value in (("the hosts' kinds", kinds), ("the pgaudit policies", pgaudit),
                        ("the activity stream policies", das), ("the hosts' alerting", alerting)):
        _per_host(name, what, value, hosts)
    servers = _per_host(name, "the servers of the pgaudit_fleet_info result",
                        _mapping(name, "the pgaudit_fleet_info result", databases).get("servers"), hosts)
    return [fleet_inputs.fleet_entry(host, hostvars[host], kinds[host], pgaudit[host], das[host], alerting[host],
                                     servers[host]) for host in hosts]


class FilterModule(object):
    def filters(self):
        return {
            "target_kinds": target_kinds,
            "role_variables": role_variables,
            "pgaudit_policies": pgaudit_policies,
            "pgaudit_settings_targets": pgaudit_settings_targets,
            "das_policies": das_policies,
            "database_servers": database_servers,
            "run_inputs": run_inputs,
            "preflight_targets": preflight_targets,
            "fleet_alerting": fleet_alerting,
            "fleet_read": fleet_read,
            "alerting_functions": alerting_functions,
            "fleet_entries": fleet_entries,
            "fleet_regions": fleet_regions,
        }
