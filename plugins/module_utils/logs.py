# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudWatch Logs: the API calls of the logs_log_group and logs_subscription_filter modules.

Each call is retried with jittered backoff (CloudWatch Logs' ThrottlingException included) and fails as
``Failed to <what> <on which group>`` (``AWSErrors``).
Nothing here deletes a log group.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors

LogsErrors = AWSErrors.variant(missing_codes=("ResourceNotFoundException",))
# CloudWatch Logs answers a call over its rate quota (5 a second for most Describe*, Put* and Delete* calls, per
# account and region) with ThrottlingException, which AWSRetry does not retry by itself (only "Throttling"): without
# it a throttled call got no more than botocore's own few attempts.
THROTTLING_CODES = ["ThrottlingException"]

# What CloudWatch Logs accepts as a log group name (CreateLogGroup's constraints).
LOG_GROUP_NAME_PATTERN = re.compile(r"[A-Za-z0-9_/.#-]{1,512}")


def log_group_name_problem(log_group_name: str) -> Optional[str]:
    """Why CloudWatch Logs would refuse ``log_group_name``, or None: 1 to 512 of ``a-z A-Z 0-9 _ - / . #``."""
    if LOG_GROUP_NAME_PATTERN.fullmatch(log_group_name or ""):
        return None
    return (f"{log_group_name!r} is not a log group name (1 to 512 characters, letters, digits and _ - / . # "
            "only)")


def destination_kind(destination_arn: str) -> Optional[str]:
    """``lambda``, ``kinesis``, ``firehose`` or ``logs-destination`` for a destination ARN; None otherwise."""
    parts = (destination_arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[5]:
        return None
    service, resource = parts[2], parts[5]
    if service == "lambda" and resource.startswith("function:"):
        return "lambda"
    if service == "kinesis" and resource.startswith("stream/"):
        return "kinesis"
    if service == "firehose" and resource.startswith("deliverystream/"):
        return "firehose"
    if service == "logs" and resource.startswith("destination:"):
        return "logs-destination"
    return None


# ---------------------------------------------------------------------------------------------
# Log groups: describe, create, put and delete the retention policy
# ---------------------------------------------------------------------------------------------


@LogsErrors.common_error_handler("describe log group {log_group_name}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
def describe_log_group(client, log_group_name: str) -> Optional[Dict]:
    """The group of exactly this name, or None. The prefix also matches longer names: compare them."""
    paginator = client.get_paginator("describe_log_groups")
    for page in paginator.paginate(logGroupNamePrefix=log_group_name):
        for group in page.get("logGroups", []):
            if group["logGroupName"] == log_group_name:
                return group
    return None


@LogsErrors.common_error_handler("create log group {log_group_name}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
def create_log_group(client, log_group_name: str) -> bool:
    """True when this call created the group; False when it appeared since it was read."""
    try:
        client.create_log_group(logGroupName=log_group_name)
    except is_boto3_error_code("ResourceAlreadyExistsException"):
        return False
    return True


@LogsErrors.common_error_handler("put the retention policy of log group {log_group_name}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
def put_retention_policy(client, log_group_name: str, retention_days: int) -> None:
    client.put_retention_policy(logGroupName=log_group_name, retentionInDays=retention_days)


@LogsErrors.common_error_handler("delete the retention policy of log group {log_group_name}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
def delete_retention_policy(client, log_group_name: str) -> None:
    client.delete_retention_policy(logGroupName=log_group_name)


def apply_retention(client, log_group_name: str, wanted: Optional[int]) -> None:
    """Retention of ``wanted`` days, or never expire for None."""
    if wanted is None:
        delete_retention_policy(client, log_group_name)
    else:
        put_retention_policy(client, log_group_name, wanted)


# ---------------------------------------------------------------------------------------------
# Subscription filters
# ---------------------------------------------------------------------------------------------


@LogsErrors.list_error_handler("describe the subscription filters of log group {log_group_name}", None)
@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
def describe_subscription_filters(client, log_group_name: str) -> Optional[List[Dict]]:
    """Every filter of the group; None when the group does not exist."""
    paginator = client.get_paginator("describe_subscription_filters")
    return paginator.paginate(logGroupName=log_group_name).build_full_result()["subscriptionFilters"]


@LogsErrors.common_error_handler("put subscription filter {desired[filter_name]} on log group "
                                 "{desired[log_group_name]}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
def put_subscription_filter(client, desired: Dict) -> None:
    """Create or replace the filter ``desired`` (the snake_case shape of ``logs_subscription_filter``)."""
    request = {
        "logGroupName": desired["log_group_name"],
        "filterName": desired["filter_name"],
        "filterPattern": desired["filter_pattern"],
        "destinationArn": desired["destination_arn"],
    }
    if desired["role_arn"]:
        request["roleArn"] = desired["role_arn"]
    if destination_kind(desired["destination_arn"]) == "kinesis":
        request["distribution"] = desired["distribution"]
    client.put_subscription_filter(**request)


@LogsErrors.deletion_error_handler("delete subscription filter {filter_name} of log group {log_group_name}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=THROTTLING_CODES)
def delete_subscription_filter(client, log_group_name: str, filter_name: str) -> bool:
    client.delete_subscription_filter(logGroupName=log_group_name, filterName=filter_name)
    return True
