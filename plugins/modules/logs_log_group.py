#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Ansible modules import after DOCUMENTATION, EXAMPLES and RETURN.
# ruff: noqa: E402

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: logs_log_group
short_description: Make sure a CloudWatch Logs log group exists, with a retention; never delete one
version_added: 0.1.0
description:
  - Creates a CloudWatch Logs log group when it is missing and sets its retention, or makes an
    existing group's retention the one asked for.
  - This module cannot delete a log group, and it has no C(state) option. A log group of a database's
    postgresql log holds its audit events; taking a group away is left to a person.
  - The retention is checked against the values CloudWatch Logs accepts before any call is made.
    amazon.aws.cloudwatchlogs_log_group (10.x) does not know 2192, 2557, 2922 and 3288 days and
    deletes the log group when it is given a value outside its own list; use this module instead.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  log_group_name:
    description: Name of the log group, for example V(/aws/rds/cluster/prod-db/postgresql).
    type: str
    required: true
  retention_days:
    description:
      - How many days CloudWatch Logs keeps the group's events.
      - Only the values CloudWatch Logs accepts; any other (V(0), V(-5), V(42)) is refused before any change.
        A number given as a string (V("2557") from C(-e)) is accepted.
      - Mutually exclusive with O(never_expire); one of the two is required.
    type: int
    choices: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
  never_expire:
    description:
      - V(true) keeps the events for ever (the group has no retention policy; an existing one is removed).
      - Mutually exclusive with O(retention_days).
    type: bool
  keep_existing_retention:
    description:
      - V(true) applies the retention only to a group this task creates; an existing group's retention,
        whatever it is, is left alone. The retention is still validated.
    type: bool
    default: false
notes:
  - The module calls C(DescribeLogGroups), C(CreateLogGroup), C(PutRetentionPolicy) and C(DeleteRetentionPolicy) only.
  - A group created by someone else (RDS exporting its first log line) between the read and the create is
    taken as existing, not as an error.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log group of a cluster's postgresql log, kept seven years, before the export creates one without retention
  dbaudit.postgresql.logs_log_group:
    log_group_name: /aws/rds/cluster/prod-db/postgresql
    retention_days: 2557

- name: Create the group with a retention if it is missing; leave an existing group's retention alone
  dbaudit.postgresql.logs_log_group:
    log_group_name: /aws/rds/cluster/prod-db/postgresql
    retention_days: 365
    keep_existing_retention: true

- name: Keep the events of a function's log group for ever
  dbaudit.postgresql.logs_log_group:
    log_group_name: /aws/lambda/pgaudit-alert
    never_expire: true
"""

RETURN = r"""
log_group:
  description:
    - The log group after the task (in check mode, what it would be).
  returned: always
  type: dict
  contains:
    log_group_name:
      description: Name of the log group.
      type: str
      returned: always
      sample: /aws/rds/cluster/prod-db/postgresql
    retention_in_days:
      description: Retention in days; null when the events never expire.
      type: int
      returned: always
      sample: 2557
    arn:
      description: ARN of the log group.
      type: str
      returned: when the group exists (not in check mode before a create)
      sample: arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/cluster/prod-db/postgresql:*
    stored_bytes:
      description: Bytes stored in the group, as CloudWatch Logs reports them.
      type: int
      returned: when the group exists (not in check mode before a create)
      sample: 1024
existed:
  description: Whether the log group existed before the task.
  returned: always
  type: bool
  sample: true
diff:
  description: The group's existence and retention before and after. Returned in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: C(exists) and C(retention_in_days) before the task.
      type: dict
      returned: always
    after:
      description: C(exists) and C(retention_in_days) after the task.
      type: dict
      returned: always
"""

from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs_group import ensure_log_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs_group import shown
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs_retention import ALLOWED_RETENTION_DAYS


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def wanted_retention(retention_days: Optional[int], never_expire: Optional[bool]) -> Optional[int]:
    """The retention the options ask for: days, or None for never expire."""
    if never_expire:
        return None
    return retention_days


def options_problem(retention_days: Optional[int], never_expire: Optional[bool]) -> Optional[str]:
    """What is wrong with the retention options (the argument spec has checked types and choices), or None."""
    if retention_days is None and not never_expire:
        return ("give retention_days (one of " + ", ".join(str(d) for d in ALLOWED_RETENTION_DAYS)
                + ") or never_expire=true")
    return None


def do(module) -> None:
    params = module.params
    problem = options_problem(params["retention_days"], params["never_expire"])
    if problem:
        module.fail_json(msg=f"Log group {params['log_group_name']}: {problem}")
    wanted = wanted_retention(params["retention_days"], params["never_expire"])
    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())

    changed, before, after = ensure_log_group(client, module.check_mode, params["log_group_name"], wanted,
                                              params["keep_existing_retention"])
    result = {"changed": changed, "log_group": after, "existed": before is not None}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": shown(before),
                          "after": {"exists": True, "retention_in_days": after["retention_in_days"]}}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        log_group_name=dict(type="str", required=True),
        retention_days=dict(type="int", choices=list(ALLOWED_RETENTION_DAYS)),
        never_expire=dict(type="bool"),
        keep_existing_retention=dict(type="bool", default=False),
    )
    module = DbauditAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["retention_days", "never_expire"]],
        supports_check_mode=True,
    )
    module.run(do)


if __name__ == "__main__":
    main()
