# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: rollout_drift.yml beside this file.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dbaudit.postgresql.plugins.module_utils.audit_drift import rollout_drift as drift_of


def rollout_drift(entries, fleet):
    """Per host, what enable_audit would change; an empty list when the host is converged."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "host" in e for e in entries):
        raise AnsibleFilterError("rollout_drift takes the list of hosts' policy entries (host, kind, "
                                 "cluster_identifier, policy, database), got %r" % (entries,))
    if not isinstance(fleet, dict):
        raise AnsibleFilterError("rollout_drift takes the registered result of rds_fleet_audit_info, got %r" % (fleet,))
    return drift_of([dict(e) for e in entries], fleet.get("clusters") or {}, fleet.get("instances") or {},
                    fleet.get("pipelines") or {})


class FilterModule(object):
    def filters(self):
        return {"rollout_drift": rollout_drift}
