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
short_description: Manage a CloudWatch Logs subscription filter, on one log group or many
version_added: 0.1.0
description:
  - Create, update or delete a subscription filter that sends the matching events of a CloudWatch
    Logs log group to a Lambda function, a Kinesis data stream, a Firehose delivery stream, or a
    (cross-account) CloudWatch Logs destination.
  - With O(log_group_names), the same filter (name, pattern, destination, role, distribution) on each
    of a list of log groups, in one call. Every group is read and checked first; a problem with any of
    them refuses the whole call, naming the groups, before anything is changed. The filter is then put
    only on the groups where it is missing or differs (deleted only where it exists, for
    O(state=absent)).
  - CloudWatch Logs allows at most two subscription filters per log group. A new filter on a group
    that already has two is refused, naming the existing filters, before anything is changed.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  log_group_name:
    description:
      - Name of the log group, for example V(/aws/rds/cluster/prod-db/postgresql).
      - The log group must exist when O(state=present).
      - Exactly one of O(log_group_name) and O(log_group_names) is required.
    type: str
  log_group_names:
    description:
      - Names of the log groups that all get the same filter, for example every cluster's
        V(/aws/rds/cluster/<id>/postgresql) of a fleet. A name given twice counts once.
      - Each log group must exist when O(state=present); a missing one refuses the call.
      - An empty list changes nothing.
      - The calls respect CloudWatch Logs' request rate quotas (5 per second per account and region for
        C(DescribeSubscriptionFilters) and C(PutSubscriptionFilter)) by retrying throttled calls with backoff;
        expect about a second for every five groups read and every five written.
    type: list
    elements: str
    version_added: 0.2.0
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
  - With O(log_group_names), an AWS error while putting or deleting the filters (after every group was checked)
    stops at that group; the message names the groups already changed and those not attempted.
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

- name: The same filter on every cluster's postgresql log group, in one call
  dbaudit.postgresql.logs_subscription_filter:
    log_group_names:
      - /aws/rds/cluster/prod-db/postgresql
      - /aws/rds/cluster/billing-db/postgresql
    filter_name: pgaudit-role-alerts
    filter_pattern: '"AUDIT:" ",ROLE,"'
    destination_arn: arn:aws:lambda:eu-west-1:123456789012:function:pgaudit-alert
  register: subscriptions

- name: The groups whose filter was put
  ansible.builtin.debug:
    msg: "{{ subscriptions.log_groups | selectattr('changed') | map(attribute='log_group_name') | list }}"
"""

RETURN = r"""
subscription_filter:
  description:
    - The filter as C(DescribeSubscriptionFilters) returns it, keys in snake_case.
    - After a check-mode run, what it would be. Empty when the filter does not exist.
  returned: with O(log_group_name)
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
  returned: with O(log_group_name)
  type: list
  elements: str
  sample: ["das-archive"]
log_groups:
  description:
    - One entry per log group of O(log_group_names), in the order given (a name given twice counts once).
  returned: with O(log_group_names)
  type: list
  elements: dict
  contains:
    log_group_name:
      description: Name of the log group.
      type: str
      returned: always
      sample: /aws/rds/cluster/prod-db/postgresql
    changed:
      description: Whether the filter was (or, in check mode, would be) put on or deleted from this group.
      type: bool
      returned: always
    before:
      description: The filter on this group before the task, in the shape of RV(subscription_filter); empty if none.
      type: dict
      returned: always
    after:
      description:
        - The filter on this group after the task; empty if there is none (deleted, or absent and left so).
        - For a group it was put on, what was put (not read back, which would spend CloudWatch Logs'
          C(DescribeSubscriptionFilters) quota once more per group), without C(creation_time).
      type: dict
      returned: always
    other_filters:
      description: Names of the other subscription filters on this group.
      type: list
      elements: str
      returned: always
      sample: ["das-archive"]
diff:
  description:
    - The filter's settings before and after. Returned in diff mode.
    - With O(log_group_names), C(before) and C(after) map the name of each log group that changed (or would) to
      its settings; the groups left as they were are not listed.
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

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import delete_subscription_filter
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import describe_subscription_filters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import destination_kind
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs import log_group_name_problem
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


def unique(names: List[str]) -> List[str]:
    """The names in their order, each once."""
    return list(dict.fromkeys(names))


def missing_group_refusal(log_group_name: str) -> str:
    return (f"Log group {log_group_name} does not exist; create it first (for example with "
            "dbaudit.postgresql.logs_log_group, with a retention) and then its subscription filter.")


def plan_group(log_group_name: str, filters: Optional[List[Dict]], filter_name: str, desired: Optional[Dict]) -> Dict:
    """What one group's filter is and is to be, from the group's described filters (None: no such group).

    ``desired`` is the filter for state=present, None for state=absent. Returns ``log_group_name``, ``changed``,
    ``before``, ``after`` (for a change, before with the desired settings over it: what check mode reports),
    ``other_filters`` and ``problem``: why the group cannot take the filter (then nothing is to change), or None.
    """
    existing = {f["filterName"]: f for f in filters or []}
    before = normalise_filter(existing.get(filter_name))
    plan = {"log_group_name": log_group_name, "changed": False, "before": before, "after": before,
            "other_filters": sorted(name for name in existing if name != filter_name), "problem": None}
    if desired is None:
        plan.update(changed=bool(before), after={})
    elif filters is None:
        plan["problem"] = missing_group_refusal(log_group_name)
    else:
        plan["problem"] = third_filter_refusal(log_group_name, filter_name, list(existing))
        if not plan["problem"] and (not before or changed_fields(before, desired)):
            plan.update(changed=True, after=dict(before, **desired))
    return plan


def group_list_refusal(filter_name: str, log_group_names: List[str], refused: List[str],
                       problems: List[str]) -> Refusal:
    """One refusal for every group of the list that cannot take the filter: nothing is changed on any."""
    return Refusal(f"Subscription filter {filter_name} refused for {len(refused)} of the {len(log_group_names)} log "
                   f"groups ({', '.join(refused)}); nothing was changed on any of them. " + " ".join(problems),
                   reasons=problems, log_groups_refused=refused)


def _shown(filter_description: Dict) -> Dict:
    """What diff shows: the compared settings."""
    if not filter_description:
        return {}
    return {k: filter_description.get(k) for k in ("log_group_name", "filter_name") + COMPARED_FIELDS}


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def apply_plan(client, plan: Dict, filter_name: str, desired: Optional[Dict]) -> None:
    """Puts ``desired`` on the plan's group, or deletes the filter from it when ``desired`` is None."""
    if desired is None:
        delete_subscription_filter(client, plan["log_group_name"], filter_name)
    else:
        put_subscription_filter(client, desired)


def read_back(client, log_group_name: str, filter_name: str) -> Dict:
    """The filter as it is now, in the compared shape; ``{}`` when it is not there."""
    for described in describe_subscription_filters(client, log_group_name) or []:
        if described["filterName"] == filter_name:
            return normalise_filter(described)
    return {}


def ensure_one(client, check_mode: bool, log_group_name: str, filter_name: str,
               desired: Optional[Dict]) -> Dict:
    """The filter on one group (``desired``, or none for None): its plan, with ``after`` read back from AWS
    after a put. Refuses (before any change) what the group cannot take."""
    plan = plan_group(log_group_name, describe_subscription_filters(client, log_group_name), filter_name, desired)
    if plan["problem"]:
        raise Refusal(plan["problem"])
    if plan["changed"] and not check_mode:
        apply_plan(client, plan, filter_name, desired)
        if desired is not None:
            plan["after"] = read_back(client, log_group_name, filter_name)
    return plan


def ensure_many(client, check_mode: bool, log_group_names: List[str], filter_name: str,
                desired_of) -> List[Dict]:
    """The same filter (``desired_of(group)``, or none where it returns None) on every group: every group read
    and checked before the first change, a refusal naming every group that cannot take it; then put (or deleted)
    only where it changes. A group's ``after`` is what was put, not read back."""
    misnamed = {name: log_group_name_problem(name) for name in log_group_names if log_group_name_problem(name)}
    if misnamed:
        raise group_list_refusal(filter_name, log_group_names, list(misnamed), list(misnamed.values()))
    plans = [plan_group(name, describe_subscription_filters(client, name), filter_name, desired_of(name))
             for name in log_group_names]
    refused = [plan for plan in plans if plan["problem"]]
    if refused:
        raise group_list_refusal(filter_name, log_group_names, [plan["log_group_name"] for plan in refused],
                                 [plan["problem"] for plan in refused])
    changing = [plan for plan in plans if plan["changed"]]
    for plan in changing:
        plan["after"].pop("creation_time", None)
    if check_mode:
        return plans
    for done, plan in enumerate(changing):
        try:
            apply_plan(client, plan, filter_name, desired_of(plan["log_group_name"]))
        except AnsibleAWSError as error:
            finished = [p["log_group_name"] for p in changing[:done]]
            left = [p["log_group_name"] for p in changing[done + 1:]]
            error.message = (f"{error.message} (the filter was changed on {len(finished)} log groups before: "
                             f"{', '.join(finished) or 'none'}; not attempted on: {', '.join(left) or 'none'})")
            raise
    return plans


def do(module) -> None:
    params = module.params
    filter_name, state = params["filter_name"], params["state"]
    many = params["log_group_names"] is not None
    log_group_names = unique(params["log_group_names"]) if many else [params["log_group_name"]]
    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())

    if state == "present":
        errors = validate_options(params["destination_arn"], params["role_arn"], params["distribution"])
        if errors:
            module.fail_json(msg=f"Invalid options for subscription filter {filter_name} on "
                                 f"{', '.join(log_group_names) if many else log_group_names[0]}: "
                                 + "; ".join(errors), errors=errors)

    def desired_of(log_group_name: str) -> Optional[Dict]:
        if state == "absent":
            return None
        return desired_filter(log_group_name, filter_name, params["filter_pattern"], params["destination_arn"],
                              params["role_arn"], params["distribution"])

    if not many:
        plan = ensure_one(client, module.check_mode, log_group_names[0], filter_name, desired_of(log_group_names[0]))
        result = {"changed": plan["changed"], "subscription_filter": plan["after"],
                  "other_filters": plan["other_filters"]}
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = {"before": _shown(plan["before"]), "after": _shown(plan["after"])}
        module.exit_json(**result)
        return

    plans = ensure_many(client, module.check_mode, log_group_names, filter_name, desired_of)
    result = {"changed": any(plan["changed"] for plan in plans),
              "log_groups": [{key: plan[key] for key in ("log_group_name", "changed", "before", "after",
                                                         "other_filters")} for plan in plans]}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {
            "before": {plan["log_group_name"]: _shown(plan["before"]) for plan in plans if plan["changed"]},
            "after": {plan["log_group_name"]: _shown(plan["after"]) for plan in plans if plan["changed"]},
        }
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        log_group_name=dict(type="str"),
        log_group_names=dict(type="list", elements="str"),
        filter_name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        filter_pattern=dict(type="str"),
        destination_arn=dict(type="str"),
        role_arn=dict(type="str"),
        distribution=dict(type="str", choices=["ByLogStream", "Random"]),
    )
    module = DbauditAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["log_group_name", "log_group_names"]],
        required_one_of=[["log_group_name", "log_group_names"]],
        required_if=[["state", "present", ["filter_pattern", "destination_arn"]]],
        supports_check_mode=True,
    )
    module.run(do)


if __name__ == "__main__":
    main()
