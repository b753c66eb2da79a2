# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: alert_filter_pattern.yml beside this file.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dbaudit.postgresql.plugins.module_utils.alert_filter_pattern import derived_filter_pattern


def alert_filter_pattern(rules):
    """The CloudWatch Logs filter pattern that lets through every pgAudit line one of ``rules`` can alert on."""
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise AnsibleFilterError("alert_filter_pattern takes a list of alert rules (dicts), got %r" % (rules,))
    return derived_filter_pattern(rules)


class FilterModule(object):
    def filters(self):
        return {"alert_filter_pattern": alert_filter_pattern}
