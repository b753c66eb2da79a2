#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: lambda_event_source_mapping
short_description: Lambda event source mapping on a Kinesis data stream, with the error handling settings
version_added: 0.1.0
description:
  - Create, update in place, or delete the event source mapping that makes a Lambda function read a
    Kinesis data stream, for example the C(aws-rds-das-<resource id>) stream of a Database Activity Stream.
  - Unlike M(amazon.aws.lambda_event), it manages the error handling settings of a stream mapping
    (bisect on error, retry attempts, record age, on-failure destination) and the parallelization factor.
  - The mapping is found by function and stream; there is at most one per pair.
  - The starting position applies only when the mapping is created; a different value on an existing
    mapping is reported as a warning, not changed (AWS does not allow it).
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  function_name:
    description: Name or ARN of the Lambda function.
    type: str
    required: true
  event_source_arn:
    description: ARN of the Kinesis data stream.
    type: str
    required: true
  state:
    description: V(present) creates or updates the mapping; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description: Whether Lambda polls the stream.
    type: bool
    default: true
  batch_size:
    description: Most records per invocation (1 to 10000).
    type: int
    default: 100
  starting_position:
    description: Where a new mapping starts reading.
    type: str
    choices: [TRIM_HORIZON, LATEST]
    default: LATEST
  maximum_batching_window:
    description: Seconds Lambda gathers records before invoking (0 to 300).
    type: int
    default: 0
  parallelization_factor:
    description: Concurrent batches per shard (1 to 10).
    type: int
    default: 1
  bisect_batch_on_function_error:
    description: Split a failed batch in two and retry each half.
    type: bool
    default: false
  maximum_retry_attempts:
    description: Retries of a failed batch (-1 for as long as the record lives, 0 to 10000).
    type: int
    default: -1
  maximum_record_age:
    description: Seconds after which a record is no longer sent (-1 for no limit, 60 to 604800).
    type: int
    default: -1
  on_failure_destination:
    description:
      - ARN of the SQS queue, SNS topic or S3 bucket that receives the description of a batch
        that could not be processed. Empty means none.
    type: str
    default: ""
  function_response_types:
    description: V(ReportBatchItemFailures) lets the function name the records that failed.
    type: list
    elements: str
    choices: [ReportBatchItemFailures]
    default: []
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Decrypt function reads the activity stream of a cluster
  dbaudit.postgresql.lambda_event_source_mapping:
    function_name: dbaudit-das-decrypt
    event_source_arn: arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL
    batch_size: 100
    starting_position: TRIM_HORIZON
    bisect_batch_on_function_error: true
    maximum_retry_attempts: 5
    on_failure_destination: arn:aws:sqs:eu-west-1:123456789012:dbaudit-das-failed
    function_response_types: [ReportBatchItemFailures]
"""

RETURN = r"""
event_source_mapping:
  description: The mapping in the compared shape (snake_case), with its C(uuid); empty when absent.
  returned: always
  type: dict
  sample:
    uuid: 6e2cbd3e-1f1b-4c1e-9a55-6b1f3b8a9c0d
    batch_size: 100
    bisect_batch_on_function_error: true
changed_settings:
  description: The options whose values differed from the existing mapping, so were (or in check mode would be) updated.
  returned: when state is present and the mapping already existed
  type: list
  elements: str
  sample: [batch_size, bisect_batch_on_function_error]
diff:
  description: The mapping (in the shape of RV(event_source_mapping)) before and after the task.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule

LambdaErrors = AWSErrors.variant(missing_codes=("ResourceNotFoundException",))

# option name -> (API field, value AWS reports when the field was never set)
SETTINGS = {
    "enabled": ("Enabled", True),
    "batch_size": ("BatchSize", 100),
    "maximum_batching_window": ("MaximumBatchingWindowInSeconds", 0),
    "parallelization_factor": ("ParallelizationFactor", 1),
    "bisect_batch_on_function_error": ("BisectBatchOnFunctionError", False),
    "maximum_retry_attempts": ("MaximumRetryAttempts", -1),
    "maximum_record_age": ("MaximumRecordAgeInSeconds", -1),
    "on_failure_destination": ("DestinationConfig", ""),
    "function_response_types": ("FunctionResponseTypes", []),
}


def described_settings(mapping):
    """A described mapping (boto3 shape) in the shape of the options; ``{}`` for none."""
    if not mapping:
        return {}
    out = {"uuid": mapping["UUID"], "function_arn": mapping.get("FunctionArn"),
           "event_source_arn": mapping.get("EventSourceArn"), "starting_position": mapping.get("StartingPosition")}
    for option, (field, default) in SETTINGS.items():
        value = mapping.get(field, default)
        if option == "enabled":
            value = mapping.get("State", "Enabled") in ("Enabled", "Enabling", "Creating", "Updating")
        elif option == "on_failure_destination":
            value = ((value or {}).get("OnFailure") or {}).get("Destination") or ""
        elif option == "function_response_types":
            value = sorted(value or [])
        out[option] = default if value is None else value
    return out


def wanted_settings(params):
    out = {option: params[option] for option in SETTINGS}
    out["function_response_types"] = sorted(set(params["function_response_types"]))
    return out


def request_fields(wanted):
    fields = {}
    for option, (field, _default) in SETTINGS.items():
        value = wanted[option]
        if option == "on_failure_destination":
            value = {"OnFailure": {"Destination": value}} if value else {"OnFailure": {}}
        fields[field] = value
    return fields


def validate(params):
    errors = []
    ranges = {"batch_size": (1, 10000), "maximum_batching_window": (0, 300), "parallelization_factor": (1, 10)}
    for option, (low, high) in ranges.items():
        if not low <= params[option] <= high:
            errors.append(f"{option}={params[option]} is outside {low}..{high}")
    if params["maximum_retry_attempts"] != -1 and not 0 <= params["maximum_retry_attempts"] <= 10000:
        errors.append("maximum_retry_attempts must be -1 or 0..10000")
    if params["maximum_record_age"] != -1 and not 60 <= params["maximum_record_age"] <= 604800:
        errors.append("maximum_record_age must be -1 or 60..604800")
    if ":kinesis:" not in params["event_source_arn"]:
        errors.append(f"event_source_arn={params['event_source_arn']!r} is not a Kinesis data stream ARN")
    return errors


@LambdaErrors.list_error_handler("list the event source mappings of function {function_name} on {event_source_arn}",
                                 None)
@AWSRetry.jittered_backoff()
def find_mapping(client, function_name, event_source_arn):
    pages = client.get_paginator("list_event_source_mappings").paginate(
        FunctionName=function_name, EventSourceArn=event_source_arn).build_full_result()
    mappings = pages.get("EventSourceMappings", [])
    return mappings[0] if mappings else None


@LambdaErrors.common_error_handler("delete event source mapping {uuid}")
@AWSRetry.jittered_backoff()
def delete_mapping(client, uuid):
    client.delete_event_source_mapping(UUID=uuid)


@LambdaErrors.common_error_handler("update event source mapping {uuid}")
@AWSRetry.jittered_backoff()
def update_mapping(client, uuid, wanted):
    client.update_event_source_mapping(UUID=uuid, **request_fields(wanted))
    return client.get_event_source_mapping(UUID=uuid)


@LambdaErrors.common_error_handler("create the event source mapping of function {function_name} on "
                                   "{event_source_arn}")
@AWSRetry.jittered_backoff()
def create_mapping(client, function_name, event_source_arn, starting_position, wanted):
    return client.create_event_source_mapping(FunctionName=function_name, EventSourceArn=event_source_arn,
                                              StartingPosition=starting_position, **request_fields(wanted))


def do(module):
    params = module.params
    errors = validate(params)
    if errors:
        module.fail_json(msg="Invalid event source mapping options: " + "; ".join(errors), errors=errors)
    client = module.client("lambda")
    existing = find_mapping(client, params["function_name"], params["event_source_arn"])
    before = described_settings(existing)
    if params["state"] == "absent":
        if existing and not module.check_mode:
            delete_mapping(client, existing["UUID"])
        module.exit_json(changed=bool(existing), event_source_mapping={},
                         diff={"before": before, "after": {}})
    wanted = wanted_settings(params)
    if existing:
        if existing.get("StartingPosition") and existing["StartingPosition"] != params["starting_position"]:
            module.warn(f"The mapping started at {existing['StartingPosition']}; starting_position applies "
                        "only to a new mapping and is left as it is.")
        differing = [option for option in SETTINGS if before.get(option) != wanted[option]]
        after = dict(before, **wanted)
        if differing and not module.check_mode:
            after = described_settings(update_mapping(client, existing["UUID"], wanted))
        module.exit_json(changed=bool(differing), changed_settings=differing, event_source_mapping=after,
                         diff={"before": before, "after": after})
    after = dict(wanted, event_source_arn=params["event_source_arn"],
                 starting_position=params["starting_position"])
    if not module.check_mode:
        after = described_settings(create_mapping(client, params["function_name"], params["event_source_arn"],
                                                  params["starting_position"], wanted))
    module.exit_json(changed=True, event_source_mapping=after, diff={"before": {}, "after": after})


def main():
    argument_spec = dict(
        function_name=dict(type="str", required=True),
        event_source_arn=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        enabled=dict(type="bool", default=True),
        batch_size=dict(type="int", default=100),
        starting_position=dict(type="str", choices=["TRIM_HORIZON", "LATEST"], default="LATEST"),
        maximum_batching_window=dict(type="int", default=0),
        parallelization_factor=dict(type="int", default=1),
        bisect_batch_on_function_error=dict(type="bool", default=False),
        maximum_retry_attempts=dict(type="int", default=-1),
        maximum_record_age=dict(type="int", default=-1),
        on_failure_destination=dict(type="str", default=""),
        function_response_types=dict(type="list", elements="str", choices=["ReportBatchItemFailures"], default=[]),
    )
    module = DbauditAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(do)


if __name__ == "__main__":
    main()
