# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: run_input_problems.yml beside this file.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dbaudit.postgresql.plugins.module_utils.run_inputs import input_problems


def run_input_problems(variables, disabling=False):
    """The problems of a role's (or a run's) variables, as rds_audit_preflight finds them: one message per
    problem, naming the variable; empty when every input is valid."""
    if not isinstance(variables, dict):
        raise AnsibleFilterError("run_input_problems takes a dict of variable name to value, got %r" % (variables,))
    return input_problems(dict(variables), disabling=bool(disabling))


class FilterModule(object):
    def filters(self):
        return {"run_input_problems": run_input_problems}
