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
module: logs_subscription_filter
short_description: Manage a CloudWatch Logs subscription filter
version_added: 0.1.0
description:
  - Create, update or delete a subscription filter that sends the matching events of a CloudWatch
    Logs log group to a Lambda function, a Kinesis data stream, a Firehose delivery stream, or a
    (cross-account) CloudWatch Logs destination.
  - CloudWatch Logs allows at most two subscription filters per log group. A new filter on a group
    that already has two is refused, naming the existing filters, before anything is changed.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  log_group_name:
    description:
      - Name of the log group, for example V(/aws/rds/cluster/prod-db/postgresql).
      - The log group must exist when O(state=present).
    type: str
    required: true
  filter_name:
    description: Name of the subscription filter (unique within the log group).
    type: str
    required: true
  state:
    description:
      - V(present) creates the filter or updates it to match the options.
      - V(absent) deletes the filter.
    type: str
    choices: [present, absent]
    default: present
  filter_pattern:
    description:
      - The filter pattern. Required when O(state=present).
      - The empty string sends every event of the group; on a pgAudit log that is every statement.
      - For example V("AUDIT:" ",ROLE,") matches ROLE-class pgAudit lines.
    type: str
  destination_arn:
    description:
      - ARN of the destination. Required when O(state=present).
      - A Lambda function (C(arn:aws:lambda:...:function:name)), a Kinesis data stream
        (C(arn:aws:kinesis:...:stream/name)), a Firehose delivery stream
        (C(arn:aws:firehose:...:deliverystream/name)) or a CloudWatch Logs destination
        (C(arn:aws:logs:...:destination:name)).
      - For a Lambda function, CloudWatch Logs must be allowed to invoke it (a resource-based
        policy statement for C(logs.amazonaws.com)).
    type: str
  role_arn:
    description:
      - ARN of the IAM role CloudWatch Logs assumes to put records into the destination.
      - Required for Kinesis and Firehose destinations. Not used for a Lambda function (which is
        authorised by its resource policy) or a CloudWatch Logs destination; giving it there is an error.
    type: str
  distribution:
    description:
      - How events are distributed to the shards of a Kinesis data stream.
      - Only applies to Kinesis destinations; V(Random) with another destination is an error.
      - Omitted means V(ByLogStream), the AWS default.
    type: str
    choices: [ByLogStream, Random]
notes:
  - A filter's name cannot be changed; a different O(filter_name) is a different filter.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Send ROLE-class pgAudit lines of a cluster's log to the alert function
  dbaudit.postgresql.logs_subscription_filter:
    log_group_name: /aws/rds/cluster/prod-db/postgresql
    filter_name: pgaudit-role-alerts
    filter_pattern: '"AUDIT:" ",ROLE,"'
    destination_arn: arn:aws:lambda:eu-west-1:123456789012:function:pgaudit-alert

- name: Stream every audit line to Firehose
  dbaudit.postgresql.logs_subscription_filter:
    log_group_name: /aws/rds/cluster/prod-db/postgresql
    filter_name: pgaudit-archive
    filter_pattern: '"AUDIT:"'
    destination_arn: arn:aws:firehose:eu-west-1:123456789012:deliverystream/pgaudit-archive
    role_arn: arn:aws:iam::123456789012:role/logs-to-firehose

- name: Remove the filter
  dbaudit.postgresql.logs_subscription_filter:
    log_group_name: /aws/rds/cluster/prod-db/postgresql
    filter_name: pgaudit-role-alerts
    state: absent
"""

RETURN = r"""
subscription_filter:
  description:
    - The filter as C(DescribeSubscriptionFilters) returns it, keys in snake_case.
    - After a check-mode run, what it would be. Empty when the filter does not exist.
  returned: always
  type: dict
  contains:
    filter_name:
      description: Name of the filter.
      type: str
      returned: when the filter exists
      sample: pgaudit-role-alerts
    log_group_name:
      description: Name of the log group.
      type: str
      returned: when the filter exists
      sample: /aws/rds/cluster/prod-db/postgresql
    filter_pattern:
      description: The filter pattern.
      type: str
      returned: when the filter exists
      sample: '"AUDIT:" ",ROLE,"'
    destination_arn:
      description: ARN of the destination.
      type: str
      returned: when the filter exists
      sample: arn:aws:lambda:eu-west-1:123456789012:function:pgaudit-alert
    role_arn:
      description: ARN of the role CloudWatch Logs assumes, for Kinesis and Firehose destinations.
      type: str
      returned: when the filter has one
      sample: arn:aws:iam::123456789012:role/logs-to-firehose
    distribution:
      description: C(ByLogStream) or C(Random).
      type: str
      returned: when the filter exists
      sample: ByLogStream
    creation_time:
      description: Creation time in milliseconds since the epoch.
      type: int
      returned: when the filter exists (not in check mode before a create)
      sample: 1732512000000
other_filters:
  description: Names of the other subscription filters on the log group.
  returned: always
  type: list
  elements: str
  sample: ["das-archive"]
diff:
  description: The filter's settings before and after. Returned in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The settings before the task (empty if the filter did not exist).
      type: dict
      returned: always
    after:
      description: The settings after the task (empty if the filter was deleted).
      type: dict
      returned: always
"""

import re
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import delete_subscription_filter
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import describe_subscription_filters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import destination_kind
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import put_subscription_filter
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal

# A hard limit of CloudWatch Logs (not a quota that can be raised).
MAX_SUBSCRIPTION_FILTERS_PER_GROUP = 2
DEFAULT_DISTRIBUTION = "ByLogStream"
# Destination kinds, and whether CloudWatch Logs needs a role to put records into them.
ROLE_NEEDED = {"lambda": False, "kinesis": True, "firehose": True, "logs-destination": False}
ROLE_ARN_PATTERN = re.compile(r"^arn:[a-z-]+:iam::\d{12}:role/.+$")
COMPARED_FIELDS = ("filter_pattern", "destination_arn", "role_arn", "distribution")


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def validate_options(destination_arn: str, role_arn: Optional[str], distribution: Optional[str]) -> List[str]:
    """Problems with the options for state=present, each naming the option and what to do."""
    kind = destination_kind(destination_arn)
    if kind is None:
        return [f"destination_arn={destination_arn!r} is not the ARN of a Lambda function, Kinesis data stream, "
                "Firehose delivery stream or CloudWatch Logs destination"]
    errors = []
    if ROLE_NEEDED[kind] and not role_arn:
        errors.append(f"role_arn is required for a {kind} destination: CloudWatch Logs assumes it to put records "
                      "into the stream")
    if not ROLE_NEEDED[kind] and role_arn:
        errors.append(f"role_arn is not used for a {kind} destination (a Lambda function is authorised by its "
                      "resource policy, a Logs destination by its access policy); remove it")
    if role_arn and not ROLE_ARN_PATTERN.match(role_arn):
        errors.append(f"role_arn={role_arn!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/name)")
    if distribution == "Random" and kind != "kinesis":
        errors.append(f"distribution=Random applies only to Kinesis data stream destinations, not {kind}")
    return errors


def desired_filter(log_group_name: str, filter_name: str, filter_pattern: str, destination_arn: str,
                   role_arn: Optional[str], distribution: Optional[str]) -> Dict:
    """The filter the options ask for, in the (snake_case) shape of a described filter."""
    return {
        "filter_name": filter_name,
        "log_group_name": log_group_name,
        "filter_pattern": filter_pattern,
        "destination_arn": destination_arn,
        "role_arn": role_arn or None,
        "distribution": distribution or DEFAULT_DISTRIBUTION,
    }


def normalise_filter(described: Optional[Dict]) -> Dict:
    """A described filter (boto3 shape) in the compared shape; ``{}`` for none."""
    if not described:
        return {}
    snake = camel_dict_to_snake_dict(described)
    snake["role_arn"] = snake.get("role_arn") or None
    snake["distribution"] = snake.get("distribution") or DEFAULT_DISTRIBUTION
    snake.setdefault("filter_pattern", "")
    return snake


def changed_fields(current: Dict, desired: Dict) -> List[str]:
    """Fields whose values differ; distribution only counts for Kinesis, where it means something."""
    fields = [f for f in COMPARED_FIELDS if f != "distribution" and current.get(f) != desired.get(f)]
    if destination_kind(desired.get("destination_arn")) == "kinesis" and \
            current.get("distribution") != desired.get("distribution"):
        fields.append("distribution")
    return fields


def third_filter_refusal(log_group_name: str, filter_name: str, existing_names: List[str]) -> Optional[str]:
    """The message refusing a new filter on a group that already has the most AWS allows, or None."""
    if filter_name in existing_names or len(existing_names) < MAX_SUBSCRIPTION_FILTERS_PER_GROUP:
        return None
    return (f"Log group {log_group_name} already has {len(existing_names)} subscription filters "
            f"({', '.join(sorted(existing_names))}) and CloudWatch Logs allows at most "
            f"{MAX_SUBSCRIPTION_FILTERS_PER_GROUP} per log group, so filter {filter_name} cannot be added. "
            "Remove one of them (state=absent) or give its filter_name to replace it.")


def _shown(filter_description: Dict) -> Dict:
    """What diff shows: the compared settings."""
    if not filter_description:
        return {}
    return {k: filter_description.get(k) for k in ("log_group_name", "filter_name") + COMPARED_FIELDS}


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def ensure_filter_present(client, check_mode: bool, filters: List[Dict], desired: Dict) -> Tuple[bool, Dict, Dict]:
    """Returns (changed, filter before, filter after)."""
    existing = {f["filterName"]: f for f in filters}
    refusal = third_filter_refusal(desired["log_group_name"], desired["filter_name"], list(existing))
    if refusal:
        raise Refusal(refusal)
    before = normalise_filter(existing.get(desired["filter_name"]))
    if before and not changed_fields(before, desired):
        return False, before, before
    if check_mode:
        after = dict(before)
        after.update(desired)
        return True, before, after
    put_subscription_filter(client, desired)
    after = {}
    for described in describe_subscription_filters(client, desired["log_group_name"]) or []:
        if described["filterName"] == desired["filter_name"]:
            after = normalise_filter(described)
    return True, before, after


def ensure_filter_absent(client, check_mode: bool, filters: Optional[List[Dict]], log_group_name: str,
                         filter_name: str) -> Tuple[bool, Dict]:
    """Returns (changed, filter before)."""
    before = {}
    for described in filters or []:
        if described["filterName"] == filter_name:
            before = normalise_filter(described)
    if not before:
        return False, {}
    if not check_mode:
        delete_subscription_filter(client, log_group_name, filter_name)
    return True, before


def do(module) -> None:
    params = module.params
    log_group_name, filter_name = params["log_group_name"], params["filter_name"]
    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())

    if params["state"] == "present":
        errors = validate_options(params["destination_arn"], params["role_arn"], params["distribution"])
        if errors:
            module.fail_json(msg=f"Invalid options for subscription filter {filter_name} on {log_group_name}: "
                                 + "; ".join(errors), errors=errors)

    filters = describe_subscription_filters(client, log_group_name)
    other_filters = sorted(f["filterName"] for f in filters or [] if f["filterName"] != filter_name)

    if params["state"] == "absent":
        changed, before = ensure_filter_absent(client, module.check_mode, filters, log_group_name, filter_name)
        after = {}
    else:
        if filters is None:
            module.fail_json(msg=f"Log group {log_group_name} does not exist; create it first (for example with "
                                 "dbaudit.postgresql.logs_log_group, with a retention) and then its "
                                 "subscription filter.")
        desired = desired_filter(log_group_name, filter_name, params["filter_pattern"], params["destination_arn"],
                                 params["role_arn"], params["distribution"])
        changed, before, after = ensure_filter_present(client, module.check_mode, filters, desired)

    result = {"changed": changed, "subscription_filter": after, "other_filters": other_filters}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": _shown(before), "after": _shown(after)}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        log_group_name=dict(type="str", required=True),
        filter_name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        filter_pattern=dict(type="str"),
        destination_arn=dict(type="str"),
        role_arn=dict(type="str"),
        distribution=dict(type="str", choices=["ByLogStream", "Random"]),
    )
    module = DbauditAWSModule(
        argument_spec=argument_spec,
        required_if=[["state", "present", ["filter_pattern", "destination_arn"]]],
        supports_check_mode=True,
    )
    module.run(do)


if __name__ == "__main__":
    main()
