# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A log group that exists with a retention: the logic of logs_log_group, also run by rds_log_exports (which makes
the group of each exported log type before RDS makes it without a retention).

Creates a missing group and puts or removes its retention; nothing here deletes a log group. The caller validates
the retention (``logs_retention``) before calling.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Dict
from typing import Optional
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import apply_retention
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import create_log_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import describe_log_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import put_retention_policy


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def retention_change(existing: Optional[Dict], wanted: Optional[int], keep_existing_retention: bool) -> bool:
    """Whether the retention of an existing group has to change (False for a group still to be created)."""
    if existing is None or keep_existing_retention:
        return False
    return existing.get("retentionInDays") != wanted


def shown(group: Optional[Dict]) -> Dict:
    """What diff shows of a described group (or None for no group)."""
    if group is None:
        return {"exists": False, "retention_in_days": None}
    return {"exists": True, "retention_in_days": group.get("retentionInDays")}


def returned_group(log_group_name: str, group: Optional[Dict]) -> Dict:
    """The log_group return value from a described group, or a predicted one."""
    group = group or {}
    result = {"log_group_name": log_group_name, "retention_in_days": group.get("retentionInDays")}
    for key, name in (("arn", "arn"), ("storedBytes", "stored_bytes")):
        if key in group:
            result[name] = group[key]
    return result


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def ensure_log_group(client, check_mode: bool, log_group_name: str, wanted: Optional[int],
                     keep_existing_retention: bool) -> Tuple[bool, Optional[Dict], Dict]:
    """The group exists with ``wanted`` days (None: never expire). Returns (changed, group before or None,
    group after as returned); in check mode the group after is the one predicted."""
    before = describe_log_group(client, log_group_name)
    if before is not None:
        if not retention_change(before, wanted, keep_existing_retention):
            return False, before, returned_group(log_group_name, before)
        if check_mode:
            return True, before, returned_group(log_group_name, dict(before, retentionInDays=wanted))
        apply_retention(client, log_group_name, wanted)
        return True, before, returned_group(log_group_name, describe_log_group(client, log_group_name))

    if check_mode:
        return True, None, returned_group(log_group_name, {"retentionInDays": wanted})
    if create_log_group(client, log_group_name):
        # A new group has no retention policy: never expire needs no further call.
        if wanted is not None:
            put_retention_policy(client, log_group_name, wanted)
    elif not keep_existing_retention:
        # Someone (RDS's first exported line) created it since it was read: it is an existing group now.
        apply_retention(client, log_group_name, wanted)
    return True, None, returned_group(log_group_name, describe_log_group(client, log_group_name))
