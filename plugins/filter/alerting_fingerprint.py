# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: alerting_fingerprint.yml beside this file.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import alerting_apply
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import code_digest
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import fingerprint
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import option_conflicts
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import own_option_values
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import same_inputs


def _texts(name, texts):
    if not isinstance(texts, (list, tuple)):
        raise AnsibleFilterError("%s's texts must be a list of strings, got %r" % (name, texts))
    return [str(t) for t in texts]


def alerting_code_digest(texts):
    """The digest of the code that builds a pipeline (the texts of its files, in a fixed order): the part of every
    host's fingerprint that is the same for all, computed once per run."""
    return code_digest(_texts("alerting_code_digest", texts))


def alerting_fingerprint(values, texts=None, code=None):
    """The fingerprint of an alerting role's inputs on one host: its option values (without the per-host ones)
    and the code that builds the pipeline, as its texts or as their alerting_code_digest (``code``)."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("alerting_fingerprint takes a dict of option name to value, got %r" % (values,))
    if texts is not None and code is not None:
        raise AnsibleFilterError("alerting_fingerprint takes the code's texts or its digest (code), not both")
    if code is not None:
        if not isinstance(code, str) or len(code) != 64:
            raise AnsibleFilterError("alerting_fingerprint's code must be an alerting_code_digest (64 hex characters),"
                                     " got %r" % (code,))
        return fingerprint(dict(values), code=code)
    return fingerprint(dict(values), _texts("alerting_fingerprint", texts) if texts is not None else [])


def alerting_representatives(hosts, hostvars, alerting, option_names):
    """Per alerting role, the host whose fingerprint stands for each host with that alerting on (``representatives``),
    and the roles each host is fingerprinted for (``fingerprinted``): one host per set of hosts whose own values of
    the role's options are the same."""
    if isinstance(hosts, (str, bytes)) or not isinstance(alerting, dict) or not isinstance(option_names, dict):
        raise AnsibleFilterError("alerting_representatives takes the hosts, hostvars, the fleet's alerting "
                                 "(fleet_alerting) and each alerting role's option names")
    missing = [role for role in ("pgaudit_alerting", "das_alerting") if not isinstance(option_names.get(role), list)]
    if missing:
        raise AnsibleFilterError("alerting_representatives: no option names for %s" % ", ".join(missing))
    return same_inputs(list(hosts), hostvars, alerting, option_names)


def alerting_hosts(hosts, hostvars, entries, alerting, recorded, rolled_out, full_run=False, representatives=None,
                   option_names=None):
    """Which of ``hosts`` each alerting role is applied to (``hosts``: pgaudit_alerting and das_alerting lists) and
    why (``reasons``), from the fleet entries' policies, the fleet's alerting names, the recorded fingerprints
    (rds_fleet_audit_info's alerting_functions) and each host's own (the alerting roles' tasks_from fingerprint, on
    the host itself or, with ``representatives`` (alerting_representatives'), on the host that stands for it).
    ``conflicts``: the pipelines whose hosts' fingerprints differ, naming the options (of ``option_names``, each
    role's) that the hosts set differently."""
    representatives = representatives or {}
    option_names = option_names or {}
    policies = dict((e["host"], e.get("policy") or {}) for e in entries or [])
    enabled, functions, fingerprints = {}, {}, {}
    for host in hosts:
        policy = policies.get(host, {})
        names = alerting.get(host) or {}
        enabled[host] = {"pgaudit_alerting": bool(policy.get("pgaudit_alerting")),
                         "das_alerting": bool(policy.get("das_alerting") and policy.get("das_enabled"))}
        functions[host] = {"pgaudit_alerting": names.get("pgaudit_alerting_function"),
                           "das_alerting": "%s-decrypt" % names.get("das_alerting_name")}
        fingerprints[host] = dict(
            (role, hostvars[(representatives.get(role) or {}).get(host, host)].get("dbaudit_%s_fingerprint" % role))
            for role in ("pgaudit_alerting", "das_alerting"))

    def own_values(host, role):
        return own_option_values(hostvars[host], option_names.get(role) or [])

    result = alerting_apply(list(hosts), enabled, functions, fingerprints, dict(recorded or {}),
                            list(rolled_out or []), bool(full_run))
    result["conflicts"] = option_conflicts(list(hosts), enabled, functions, fingerprints, own_values)
    return result


class FilterModule(object):
    def filters(self):
        return {"alerting_code_digest": alerting_code_digest, "alerting_fingerprint": alerting_fingerprint,
                "alerting_hosts": alerting_hosts, "alerting_representatives": alerting_representatives}
