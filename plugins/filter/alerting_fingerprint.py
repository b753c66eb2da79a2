# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: alerting_fingerprint.yml beside this file.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import alerting_apply
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import fingerprint


def alerting_fingerprint(values, texts=None):
    """The fingerprint of an alerting role's inputs on one host: its option values (without the per-host ones)
    and the texts of the code that builds the pipeline."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("alerting_fingerprint takes a dict of option name to value, got %r" % (values,))
    if texts is not None and not isinstance(texts, (list, tuple)):
        raise AnsibleFilterError("alerting_fingerprint's texts must be a list of strings, got %r" % (texts,))
    return fingerprint(dict(values), [str(t) for t in texts or []])


def alerting_hosts(hosts, hostvars, entries, alerting, recorded, rolled_out, full_run=False):
    """Which of ``hosts`` each alerting role is applied to (``hosts``: pgaudit_alerting and das_alerting lists) and
    why (``reasons``), from the fleet entries' policies, the fleet's alerting names, the recorded fingerprints
    (rds_fleet_audit_info's alerting_functions) and each host's own (the alerting roles' tasks_from fingerprint)."""
    policies = dict((e["host"], e.get("policy") or {}) for e in entries or [])
    enabled, functions, fingerprints = {}, {}, {}
    for host in hosts:
        policy = policies.get(host, {})
        names = alerting.get(host) or {}
        enabled[host] = {"pgaudit_alerting": bool(policy.get("pgaudit_alerting")),
                         "das_alerting": bool(policy.get("das_alerting") and policy.get("das_enabled"))}
        functions[host] = {"pgaudit_alerting": names.get("pgaudit_alerting_function"),
                           "das_alerting": "%s-decrypt" % names.get("das_alerting_name")}
        own = hostvars[host]
        fingerprints[host] = {"pgaudit_alerting": own.get("dbaudit_pgaudit_alerting_fingerprint"),
                              "das_alerting": own.get("dbaudit_das_alerting_fingerprint")}
    return alerting_apply(list(hosts), enabled, functions, fingerprints, dict(recorded or {}), list(rolled_out or []),
                          bool(full_run))


class FilterModule(object):
    def filters(self):
        return {"alerting_fingerprint": alerting_fingerprint, "alerting_hosts": alerting_hosts}
