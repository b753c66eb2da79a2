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
  - With O(event_source_arns), one call maps many streams to the function with the same options, for example the
    activity streams of a whole fleet. Every source and option is checked first, and the streams the call would
    map anew must exist; any problem refuses the whole call, naming the sources, before any change. The mappings
    are read with one paginated list of the function's mappings; only those that differ are created, updated (or
    with O(state=absent) deleted).
  - A mapping that is being created or updated refuses another change for a while (C(ResourceInUseException),
    C(ResourceConflictException)), so the call is retried with a backoff. A mapping another run created between this
    call's read and its create is taken over and updated if it differs.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  function_name:
    description: Name or ARN of the Lambda function.
    type: str
    required: true
  event_source_arn:
    description:
      - ARN of the Kinesis data stream.
      - Exactly one of O(event_source_arn) and O(event_source_arns) is required.
    type: str
  event_source_arns:
    description:
      - ARNs of Kinesis data streams, each mapped to the function with the same options. Duplicates count once.
      - An empty list changes nothing.
      - Exactly one of O(event_source_arn) and O(event_source_arns) is required.
    type: list
    elements: str
    version_added: 0.2.0
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

- name: Decrypt function reads the activity streams of the whole fleet, in one call
  dbaudit.postgresql.lambda_event_source_mapping:
    function_name: dbaudit-das-decrypt
    event_source_arns:
      - arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL
      - arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-MNOPQRSTUVWX
    starting_position: TRIM_HORIZON
    bisect_batch_on_function_error: true
    function_response_types: [ReportBatchItemFailures]
"""

RETURN = r"""
event_source_mapping:
  description: The mapping in the compared shape (snake_case), with its C(uuid); empty when absent.
  returned: with O(event_source_arn)
  type: dict
  sample:
    uuid: 6e2cbd3e-1f1b-4c1e-9a55-6b1f3b8a9c0d
    batch_size: 100
    bisect_batch_on_function_error: true
changed_settings:
  description: The options whose values differed from the existing mapping, so were (or in check mode would be) updated.
  returned: with O(event_source_arn), when state is present and the mapping already existed
  type: list
  elements: str
  sample: [batch_size, bisect_batch_on_function_error]
event_source_mappings:
  description: One entry per source of O(event_source_arns), in their order.
  returned: with O(event_source_arns)
  type: list
  elements: dict
  contains:
    event_source_arn:
      description: The stream.
      type: str
    action:
      description: V(create), V(update), V(delete) or V(none); what was (in check mode, would be) done.
      type: str
    changed:
      description: Whether this source's mapping was (or would be) changed.
      type: bool
    changed_settings:
      description: The options that differed from the existing mapping.
      type: list
      elements: str
    event_source_mapping:
      description: The mapping after the task, in the shape of RV(event_source_mapping); empty when absent.
      type: dict
  sample:
    - event_source_arn: arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL
      action: create
      changed: true
      changed_settings: []
      event_source_mapping: {uuid: 6e2cbd3e-1f1b-4c1e-9a55-6b1f3b8a9c0d, batch_size: 100}
diff:
  description:
    - The mapping (in the shape of RV(event_source_mapping)) before and after the task.
    - With O(event_source_arns), in diff mode only, each source's mapping by its ARN.
  returned: always with O(event_source_arn); in diff mode with O(event_source_arns)
  type: dict
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal

LambdaErrors = AWSErrors.variant(missing_codes=("ResourceNotFoundException",))
KinesisErrors = AWSErrors.variant(missing_codes=("ResourceNotFoundException",))

# Lambda refuses a change to a mapping that is Creating, Updating or Deleting (ResourceInUseException), and may
# refuse one while another operation on the function is under way (ResourceConflictException): both pass.
IN_USE_CODES = ["ResourceInUseException", "ResourceConflictException"]

STREAM_ARN = re.compile(r"^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[A-Za-z0-9_.-]{1,128}$")

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


def option_problems(params):
    """What is wrong with the mapping options, the same for every source."""
    errors = []
    ranges = {"batch_size": (1, 10000), "maximum_batching_window": (0, 300), "parallelization_factor": (1, 10)}
    for option, (low, high) in ranges.items():
        if not low <= params[option] <= high:
            errors.append(f"{option}={params[option]} is outside {low}..{high}")
    if params["maximum_retry_attempts"] != -1 and not 0 <= params["maximum_retry_attempts"] <= 10000:
        errors.append("maximum_retry_attempts must be -1 or 0..10000")
    if params["maximum_record_age"] != -1 and not 60 <= params["maximum_record_age"] <= 604800:
        errors.append("maximum_record_age must be -1 or 60..604800")
    return errors


def source_problem(event_source_arn):
    """Why a source cannot be mapped, from its ARN alone; None for a Kinesis data stream ARN."""
    if ":kinesis:" not in (event_source_arn or ""):
        return "is not a Kinesis data stream ARN"
    if not STREAM_ARN.match(event_source_arn):
        return "is not a Kinesis data stream ARN (arn:<partition>:kinesis:<region>:<account>:stream/<name>)"
    return None


def validate(params):
    errors = option_problems(params)
    problem = source_problem(params["event_source_arn"])
    if problem:
        errors.append(f"event_source_arn={params['event_source_arn']!r} {problem}")
    return errors


def error_code(error):
    return (getattr(error, "response", None) or {}).get("Error", {}).get("Code")


def refuse_sources(function_name, sources, option_errors, problems):
    """Raises the refusal of a list call when any option or source has a problem; nothing was changed."""
    if not option_errors and not problems:
        return
    reasons = list(option_errors) + [f"{arn} {why}" for arn, why in problems.items()]
    named = ", ".join(problems) if problems else f"all {len(sources)} sources"
    raise Refusal(f"No event source mapping of function {function_name} was made or changed: {named} cannot be "
                  f"mapped ({'; '.join(reasons)}); fix them and run again, nothing was changed",
                  reasons=reasons, refused_sources=list(problems))


@LambdaErrors.list_error_handler("list the event source mappings of function {function_name} on {event_source_arn}",
                                 None)
@AWSRetry.jittered_backoff()
def find_mapping(client, function_name, event_source_arn):
    pages = client.get_paginator("list_event_source_mappings").paginate(
        FunctionName=function_name, EventSourceArn=event_source_arn).build_full_result()
    mappings = pages.get("EventSourceMappings", [])
    return mappings[0] if mappings else None


@LambdaErrors.list_error_handler("list the event source mappings of function {function_name}", None)
@AWSRetry.jittered_backoff()
def function_mappings(client, function_name):
    """Every mapping of the function, one paginated list for all sources; None when the function does not exist."""
    pages = client.get_paginator("list_event_source_mappings").paginate(FunctionName=function_name)
    return pages.build_full_result().get("EventSourceMappings", [])


@KinesisErrors.list_error_handler("describe the Kinesis data stream {stream_arn}", None)
@AWSRetry.jittered_backoff()
def stream_summary(client, stream_arn):
    return client.describe_stream_summary(StreamARN=stream_arn)["StreamDescriptionSummary"]


@LambdaErrors.common_error_handler("delete event source mapping {uuid}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=IN_USE_CODES)
def delete_mapping(client, uuid):
    client.delete_event_source_mapping(UUID=uuid)


@LambdaErrors.common_error_handler("update event source mapping {uuid}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=IN_USE_CODES)
def update_mapping(client, uuid, wanted):
    client.update_event_source_mapping(UUID=uuid, **request_fields(wanted))
    return client.get_event_source_mapping(UUID=uuid)


@LambdaErrors.common_error_handler("create the event source mapping of function {function_name} on "
                                   "{event_source_arn}")
@AWSRetry.jittered_backoff()
def create_mapping(client, function_name, event_source_arn, starting_position, wanted):
    return client.create_event_source_mapping(FunctionName=function_name, EventSourceArn=event_source_arn,
                                              StartingPosition=starting_position, **request_fields(wanted))


@LambdaErrors.common_error_handler("create the event source mapping of function {function_name} on "
                                   "{event_source_arn}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=IN_USE_CODES)
def create_or_find_mapping(client, function_name, event_source_arn, starting_position, wanted):
    """(mapping, True) when created; (mapping, False) when the create conflicted with a mapping of the same pair that
    another run made after this one read (taken over by the caller). A conflict with no such mapping (another
    operation on the function under way) is retried."""
    try:
        created = client.create_event_source_mapping(FunctionName=function_name, EventSourceArn=event_source_arn,
                                                     StartingPosition=starting_position, **request_fields(wanted))
        return created, True
    except Exception as error:  # botocore's ClientError; AWSRetry and the error handler take any other
        if error_code(error) != "ResourceConflictException":
            raise
        found = client.list_event_source_mappings(FunctionName=function_name,
                                                  EventSourceArn=event_source_arn).get("EventSourceMappings", [])
        if not found:
            raise
        return found[0], False


def planned(event_source_arn, mapping, wanted, params):
    """What a list call does for one source: its entry in the result (as check mode reports it), and the mapping
    before."""
    before = described_settings(mapping)
    entry = {"event_source_arn": event_source_arn, "action": "none", "changed": False, "changed_settings": [],
             "event_source_mapping": before}
    if params["state"] == "absent":
        if mapping:
            entry.update(action="delete", changed=True, event_source_mapping={})
    elif not mapping:
        entry.update(action="create", changed=True,
                     event_source_mapping=dict(wanted, event_source_arn=event_source_arn,
                                               starting_position=params["starting_position"]))
    else:
        differing = [option for option in SETTINGS if before.get(option) != wanted[option]]
        if differing:
            entry.update(action="update", changed=True, changed_settings=differing,
                         event_source_mapping=dict(before, **wanted))
    return entry, before


def apply_entry(client, params, wanted, entry, mapping):
    """Makes one planned change; the entry then holds the mapping as AWS describes it."""
    arn = entry["event_source_arn"]
    if entry["action"] == "delete":
        delete_mapping(client, mapping["UUID"])
    elif entry["action"] == "update":
        entry["event_source_mapping"] = described_settings(update_mapping(client, mapping["UUID"], wanted))
    elif entry["action"] == "create":
        made, created = create_or_find_mapping(client, params["function_name"], arn, params["starting_position"],
                                               wanted)
        if not created:
            # Another run made it meanwhile: take it over, as a second run of this one would.
            theirs = described_settings(made)
            differing = [option for option in SETTINGS if theirs.get(option) != wanted[option]]
            entry.update(action="update" if differing else "none", changed=bool(differing),
                         changed_settings=differing)
            if differing:
                made = update_mapping(client, made["UUID"], wanted)
        entry["event_source_mapping"] = described_settings(made)


def ensure_sources(module, client):
    """The list form: every source checked, then only the differing mappings created, updated or deleted."""
    params = module.params
    function_name = params["function_name"]
    sources = list(dict.fromkeys(params["event_source_arns"]))
    problems = dict((arn, why) for arn, why in ((arn, source_problem(arn)) for arn in sources) if why)
    refuse_sources(function_name, sources, option_problems(params), problems)

    mappings = function_mappings(client, function_name) if sources else []
    if mappings is None and params["state"] == "present" and not module.check_mode:
        raise Refusal(f"No event source mapping of function {function_name} was made: the function does not exist; "
                      "nothing was changed", refused_sources=[])
    existing = {}
    for mapping in mappings or []:
        existing.setdefault(mapping.get("EventSourceArn"), mapping)
    wanted = wanted_settings(params)
    plans = [planned(arn, existing.get(arn), wanted, params) for arn in sources]
    entries = [entry for entry, _before in plans]

    # Lambda refuses a mapping of a stream that does not exist only at its create: look the new ones up first.
    to_create = [entry["event_source_arn"] for entry in entries if entry["action"] == "create"]
    if to_create:
        kinesis = module.client("kinesis")
        for arn in to_create:
            summary = stream_summary(kinesis, arn)
            if summary is None:
                problems[arn] = "does not exist"
            elif summary.get("StreamStatus") == "DELETING":
                problems[arn] = "is being deleted"
    refuse_sources(function_name, sources, [], problems)

    moved = [arn for arn in sources if params["state"] == "present" and arn in existing
             and existing[arn].get("StartingPosition") not in (None, params["starting_position"])]
    if moved:
        module.warn(f"{len(moved)} mapping(s) started at another position than {params['starting_position']} "
                    f"({', '.join(moved)}); starting_position applies only to a new mapping and is left as it is.")

    if not module.check_mode:
        for done, entry in enumerate(entries):
            if entry["action"] == "none":
                continue
            try:
                apply_entry(client, params, wanted, entry, existing.get(entry["event_source_arn"]))
            except AnsibleAWSError as error:
                finished = [e for e in entries[:done] if e["changed"]]
                result = dict(changed=bool(finished), event_source_mappings=entries[:done],
                              msg=f"{error.message} ({len(finished)} of {len(sources)} sources were changed before "
                                  "it; event_source_mappings lists the sources done)")
                if error.exception is not None:
                    module.fail_json_aws(error.exception, **result)
                module.fail_json(**result)

    result = dict(changed=any(entry["changed"] for entry in entries), event_source_mappings=entries)
    if module._diff:
        result["diff"] = {"before": dict((entry["event_source_arn"], before) for entry, before in plans),
                          "after": dict((entry["event_source_arn"], entry["event_source_mapping"])
                                        for entry in entries)}
    module.exit_json(**result)


def ensure_source(module, client):
    """The one-source form."""
    params = module.params
    errors = validate(params)
    if errors:
        module.fail_json(msg="Invalid event source mapping options: " + "; ".join(errors), errors=errors)
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


def do(module):
    client = module.client("lambda")
    if module.params["event_source_arns"] is not None:
        ensure_sources(module, client)
    else:
        ensure_source(module, client)


def main():
    argument_spec = dict(
        function_name=dict(type="str", required=True),
        event_source_arn=dict(type="str"),
        event_source_arns=dict(type="list", elements="str"),
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
    module = DbauditAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              mutually_exclusive=[("event_source_arn", "event_source_arns")],
                              required_one_of=[("event_source_arn", "event_source_arns")])
    module.run(do)


if __name__ == "__main__":
    main()
