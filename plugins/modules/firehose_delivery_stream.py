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
module: firehose_delivery_stream
short_description: Manage an Amazon Data Firehose delivery stream that delivers to S3
version_added: 0.1.0
description:
  - Create, update in place, or delete an Amazon Data Firehose (formerly Kinesis Data Firehose)
    delivery stream whose destination is an S3 bucket.
  - The source is either C(DirectPut) (producers call PutRecord) or a Kinesis data stream, for
    example the C(aws-rds-das-<resource id>) stream of a Database Activity Stream.
  - The S3 destination (bucket, role, prefixes, buffering, compression, KMS encryption) and the
    optional Lambda record processor are changed in place with C(UpdateDestination).
  - The source (O(kinesis_source)) cannot be changed on an existing stream. When it differs the
    module fails and says what differs, rather than deleting the stream (which would drop the
    records it is buffering). Remove the stream with O(state=absent) and create it again to change it.
  - Values left out are compared with the defaults AWS applies, so a stream created elsewhere with
    the same effective settings is not reported as changed.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  name:
    description:
      - Name of the delivery stream (1 to 64 letters, digits, V(_), V(.) or V(-)).
    type: str
    required: true
    aliases: [delivery_stream_name]
  state:
    description:
      - V(present) creates the stream or updates its destination to match the options.
      - V(absent) deletes the stream.
    type: str
    choices: [present, absent]
    default: present
  kinesis_source:
    description:
      - Read records from this Kinesis data stream (stream type C(KinesisStreamAsSource)).
      - When omitted the stream type is C(DirectPut).
      - Cannot be changed on an existing stream.
    type: dict
    suboptions:
      stream_arn:
        description: ARN of the Kinesis data stream.
        type: str
        required: true
      role_arn:
        description: ARN of the IAM role Firehose assumes to read the Kinesis stream.
        type: str
        required: true
  s3_destination:
    description:
      - The S3 destination. Required when O(state=present).
    type: dict
    suboptions:
      bucket_arn:
        description: ARN of the bucket, for example V(arn:aws:s3:::audit-activity).
        type: str
        required: true
      role_arn:
        description:
          - ARN of the IAM role Firehose assumes to write to the bucket (and, by default, to invoke the processor).
        type: str
        required: true
      prefix:
        description:
          - Prefix of the delivered objects' keys. May use C(!{timestamp:...}) expressions; if it does,
            O(s3_destination.error_output_prefix) is required.
          - The empty string means the AWS default C(YYYY/MM/dd/HH/).
        type: str
        default: ""
      error_output_prefix:
        description:
          - Prefix of the keys of records Firehose failed to process or deliver.
          - May use C(!{firehose:error-output-type}).
        type: str
        default: ""
      buffering_size:
        description: Size in MiB Firehose buffers before delivering (1 to 128).
        type: int
        default: 5
      buffering_interval:
        description: Seconds Firehose buffers before delivering (0 to 900).
        type: int
        default: 300
      compression:
        description: Compression of the delivered objects.
        type: str
        choices: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]
        default: UNCOMPRESSED
      kms_key_arn:
        description:
          - ARN of the KMS key that encrypts the delivered objects (SSE-KMS).
          - Omitted means no Firehose-side encryption configuration (the bucket's default encryption applies).
        type: str
  lambda_processor:
    description:
      - Transform records with this Lambda function before delivery.
      - Omitted means no processing; removing it from a stream that has one turns processing off.
    type: dict
    suboptions:
      function_arn:
        description: ARN of the Lambda function (optionally with a version or alias).
        type: str
        required: true
      role_arn:
        description:
          - ARN of the IAM role Firehose assumes to invoke the function.
          - Defaults to O(s3_destination.role_arn).
        type: str
      buffer_size:
        description: MiB of records Firehose hands the function per invocation (0.2 to 3).
        type: float
        default: 1.0
      buffer_interval:
        description: Seconds Firehose buffers records before invoking the function (60 to 900).
        type: int
        default: 60
      number_of_retries:
        description: Times Firehose retries a failed invocation (0 to 300).
        type: int
        default: 3
  server_side_encryption:
    description:
      - Server-side encryption of the records while Firehose holds them (C(StartDeliveryStreamEncryption)), for a
        C(DirectPut) stream; a stream that reads a Kinesis stream is encrypted by that stream's encryption.
      - Omitted means not managed (whatever the stream has is kept). Turned on or off in place, without replacing
        the stream.
    type: dict
    suboptions:
      enabled:
        description: Whether the stream is encrypted.
        type: bool
        default: true
      key_type:
        description:
          - V(AWS_OWNED_CMK) (a key Firehose owns, no cost, no key policy to manage) or V(CUSTOMER_MANAGED_CMK).
        type: str
        choices: [AWS_OWNED_CMK, CUSTOMER_MANAGED_CMK]
        default: AWS_OWNED_CMK
      key_arn:
        description:
          - ARN of the customer managed key (a key ARN, not an alias), with
            O(server_side_encryption.key_type=CUSTOMER_MANAGED_CMK).
        type: str
  wait:
    description:
      - Wait for the stream to become C(ACTIVE) after a create or update, or to disappear after a delete.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait when O(wait=true).
    type: int
    default: 600
notes:
  - Only the S3 destination type is managed. A stream that delivers elsewhere (HTTP endpoint,
    OpenSearch, Redshift, ...) is reported as needing replacement.
  - Stream-level server-side encryption of a C(DirectPut) stream is managed with O(server_side_encryption); the
    stream shows C(ENABLING) for a while after it is turned on, counted as on.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deliver decrypted activity-stream records to S3, encrypted with a customer managed key
  dbaudit.postgresql.firehose_delivery_stream:
    name: das-audit-prod
    s3_destination:
      bucket_arn: arn:aws:s3:::audit-activity-prod
      role_arn: arn:aws:iam::123456789012:role/das-firehose-delivery
      prefix: "activity/!{timestamp:yyyy/MM/dd}/"
      error_output_prefix: "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
      buffering_size: 64
      buffering_interval: 300
      compression: GZIP
      kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    server_side_encryption:
      enabled: true
      key_type: AWS_OWNED_CMK
    tags:
      purpose: database-audit

- name: Read the activity stream's Kinesis stream and decrypt records with a Lambda processor
  dbaudit.postgresql.firehose_delivery_stream:
    name: das-audit-prod
    kinesis_source:
      stream_arn: arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-ABCDEFGHIJKL
      role_arn: arn:aws:iam::123456789012:role/das-firehose-source
    s3_destination:
      bucket_arn: arn:aws:s3:::audit-activity-prod
      role_arn: arn:aws:iam::123456789012:role/das-firehose-delivery
    lambda_processor:
      function_arn: arn:aws:lambda:eu-west-1:123456789012:function:das-decrypt
      buffer_size: 1
      buffer_interval: 60

- name: Remove the delivery stream
  dbaudit.postgresql.firehose_delivery_stream:
    name: das-audit-prod
    state: absent
"""

RETURN = r"""
delivery_stream:
  description:
    - The stream as C(DescribeDeliveryStream) returns it, keys in snake_case, with its tags.
    - Empty when the stream does not exist (after O(state=absent), or before a create in check mode).
  returned: always
  type: dict
  contains:
    delivery_stream_name:
      description: Name of the stream.
      type: str
      returned: when the stream exists
      sample: das-audit-prod
    delivery_stream_arn:
      description: ARN of the stream.
      type: str
      returned: when the stream exists
      sample: arn:aws:firehose:eu-west-1:123456789012:deliverystream/das-audit-prod
    delivery_stream_status:
      description: C(CREATING), C(ACTIVE), C(DELETING), C(CREATING_FAILED) or C(DELETING_FAILED).
      type: str
      returned: when the stream exists
      sample: ACTIVE
    delivery_stream_type:
      description: C(DirectPut) or C(KinesisStreamAsSource).
      type: str
      returned: when the stream exists
      sample: DirectPut
    version_id:
      description: Version of the stream's configuration; each update increments it.
      type: str
      returned: when the stream exists
      sample: "2"
    source:
      description: The Kinesis source (C(kinesis_stream_source_description)) of a C(KinesisStreamAsSource) stream.
      type: dict
      returned: when the stream reads a Kinesis stream
    destinations:
      description: The destination, with C(destination_id) and C(extended_s3_destination_description).
      type: list
      elements: dict
      returned: when the stream exists
    tags:
      description: The stream's tags.
      type: dict
      returned: when the stream exists
      sample: {"purpose": "database-audit"}
config:
  description:
    - The stream's settings in the shape of this module's options, AWS defaults filled in, with C(tags).
    - After a check-mode run, what the settings would be.
    - Empty when the stream does not exist.
  returned: always
  type: dict
  contains:
    kinesis_source:
      description: O(kinesis_source), or null for C(DirectPut).
      type: dict
      returned: when the stream exists
    s3_destination:
      description: O(s3_destination) with every suboption.
      type: dict
      returned: when the stream exists
    lambda_processor:
      description: O(lambda_processor) with every suboption, or null without processing.
      type: dict
      returned: when the stream exists
    server_side_encryption:
      description: The stream's server-side encryption (C(enabled), C(key_type), C(key_arn)).
      type: dict
      returned: when the stream exists
    tags:
      description: The tags.
      type: dict
      returned: when the stream exists
  sample:
    kinesis_source: null
    s3_destination:
      bucket_arn: arn:aws:s3:::audit-activity-prod
      role_arn: arn:aws:iam::123456789012:role/das-firehose-delivery
      prefix: ""
      error_output_prefix: ""
      buffering_size: 5
      buffering_interval: 300
      compression: GZIP
      kms_key_arn: null
    lambda_processor: null
    server_side_encryption: {"enabled": true, "key_type": "AWS_OWNED_CMK", "key_arn": null}
    tags: {}
updated:
  description: The options whose values were (or in check mode would be) changed in place on an existing stream.
  returned: always
  type: list
  elements: str
  sample: ["s3_destination.buffering_interval", "server_side_encryption", "tags"]
diff:
  description: The settings before and after, in the shape of RV(config). Returned in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The settings before the task (empty if the stream did not exist).
      type: dict
      returned: always
    after:
      description: The settings after the task (empty if the stream was deleted).
      type: dict
      returned: always
"""

from copy import deepcopy
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import COMPRESSION_FORMATS
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import config_with_tags
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import create_delivery_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import create_request
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import ENCRYPTION_KEY_TYPES
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import current_config
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import current_encryption
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import delete_delivery_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import describe_delivery_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import desired_config
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import desired_encryption
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import destination_changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import destination_type
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import list_delivery_stream_tags
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import replacement_reasons
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import s3_destination_request
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import start_encryption
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import stop_encryption
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import tag_delivery_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import untag_delivery_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import update_destination
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import validate_encryption
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import validate_options
from ansible_collections.dbaudit.postgresql.plugins.module_utils.firehose import wait_for_delivery_stream
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal

STABLE_STATES = ("ACTIVE",)
# Option paths UpdateDestination does not change.
NOT_DESTINATION = ("tags", "server_side_encryption")


def _returned_description(description: Optional[Dict], tags: Optional[Dict]) -> Dict:
    if not description:
        return {}
    result = camel_dict_to_snake_dict(normalize_boto3_result(description))
    result["tags"] = dict(tags or {})
    return result


def _tags_after(current_tags: Dict, set_tags: Dict, unset_keys: List[str]) -> Dict:
    after = {k: v for k, v in current_tags.items() if k not in unset_keys}
    after.update(set_tags)
    return after


def _shown(config: Optional[Dict], tags: Optional[Dict], encryption: Optional[Dict]) -> Dict:
    shown = config_with_tags(config, tags)
    if shown:
        shown["server_side_encryption"] = encryption
    return shown


def _settle(client, name: str, description: Optional[Dict], wait: bool, wait_timeout: int) -> Optional[Dict]:
    """A stream part-way through a create or delete, waited for (or refused when not waiting)."""
    if not description:
        return None
    status = description.get("DeliveryStreamStatus")
    if status == "CREATING_FAILED":
        raise Refusal(f"Delivery stream {name} is in CREATING_FAILED "
                      f"({description.get('FailureDescription') or 'no failure description'}); "
                      "delete it with state=absent and create it again once the cause is fixed")
    if status in ("CREATING", "DELETING"):
        if not wait:
            raise Refusal(f"Delivery stream {name} is {status}; set wait=true to wait for it to settle")
        waiter = "delivery_stream_active" if status == "CREATING" else "delivery_stream_deleted"
        wait_for_delivery_stream(client, name, waiter, wait_timeout)
        return describe_delivery_stream(client, name)
    return description


def ensure_delivery_stream_present(
    client,
    check_mode: bool,
    name: str,
    description: Optional[Dict],
    desired: Dict,
    tags: Optional[Dict],
    purge_tags: bool,
    wait: bool,
    wait_timeout: int,
    encryption: Optional[Dict] = None,
) -> Tuple[bool, List[str], Optional[Dict], Dict, Dict]:
    """Returns (changed, updated option paths, description after, config before, config after).
    ``encryption`` is a desired_encryption(); None leaves the stream's encryption as it is."""
    description = _settle(client, name, description, wait, wait_timeout)

    if not description:
        after = _shown(desired, tags, encryption or current_encryption(None))
        if check_mode:
            return True, [], None, {}, after
        create_delivery_stream(client, create_request(name, desired, tags, encryption))
        if wait:
            wait_for_delivery_stream(client, name, "delivery_stream_active", wait_timeout)
        return True, [], describe_delivery_stream(client, name), {}, after

    current = current_config(description)
    reasons = replacement_reasons(current, desired, destination_type(description))
    if reasons:
        raise Refusal(f"Delivery stream {name} cannot be changed in place: " + "; ".join(reasons) + ". "
                      "Firehose cannot change this on an existing stream. Delete it (state=absent) and create it "
                      "again; records it is still buffering are lost when it is deleted.", reasons)

    current_tags = list_delivery_stream_tags(client, name)
    encryption_now = current_encryption(description)
    encryption_wanted = encryption_now if encryption is None else encryption
    before = _shown(current, current_tags, encryption_now)
    updated = destination_changes(current, desired)
    if encryption_wanted != encryption_now:
        updated.append("server_side_encryption")
    set_tags, unset_keys = ({}, []) if tags is None else compare_aws_tags(current_tags, tags, purge_tags)
    if set_tags or unset_keys:
        updated.append("tags")
    after = _shown(desired if updated else current, _tags_after(current_tags, set_tags, unset_keys), encryption_wanted)
    if not updated or check_mode:
        return bool(updated), updated, description, before, after

    if "server_side_encryption" in updated:
        if encryption_wanted["enabled"]:
            start_encryption(client, name, encryption_wanted)
        else:
            stop_encryption(client, name)
    if any(path not in NOT_DESTINATION for path in updated):
        destination_id = description["Destinations"][0]["DestinationId"]
        update_destination(client, name, description["VersionId"], destination_id, s3_destination_request(desired))
        if wait:
            wait_for_delivery_stream(client, name, "delivery_stream_active", wait_timeout)
    if unset_keys:
        untag_delivery_stream(client, name, unset_keys)
    if set_tags:
        tag_delivery_stream(client, name, set_tags)
    return True, updated, describe_delivery_stream(client, name), before, after


def ensure_delivery_stream_absent(
    client,
    check_mode: bool,
    name: str,
    description: Optional[Dict],
    wait: bool,
    wait_timeout: int,
) -> Tuple[bool, Dict]:
    """Returns (changed, config before)."""
    if not description:
        return False, {}
    before = _shown(current_config(description), list_delivery_stream_tags(client, name),
                    current_encryption(description))
    if description.get("DeliveryStreamStatus") == "DELETING":
        if wait and not check_mode:
            wait_for_delivery_stream(client, name, "delivery_stream_deleted", wait_timeout)
        return False, before
    if check_mode:
        return True, before
    if description.get("DeliveryStreamStatus") == "CREATING" and wait:
        # Firehose refuses to delete a stream that is still being created.
        wait_for_delivery_stream(client, name, "delivery_stream_active", wait_timeout)
    delete_delivery_stream(client, name)
    if wait:
        wait_for_delivery_stream(client, name, "delivery_stream_deleted", wait_timeout)
    return True, before


def do(module) -> None:
    params = module.params
    name = params["name"]
    client = module.client("firehose", retry_decorator=AWSRetry.jittered_backoff())

    if params["state"] == "present":
        errors = validate_options(name, params["kinesis_source"], params["s3_destination"],
                                  params["lambda_processor"])
        errors += validate_encryption(params["kinesis_source"], params["server_side_encryption"])
        if errors:
            module.fail_json(msg=f"Invalid options for delivery stream {name}: " + "; ".join(errors), errors=errors)

    description = describe_delivery_stream(client, name)

    if params["state"] == "absent":
        changed, before = ensure_delivery_stream_absent(
            client, module.check_mode, name, description, params["wait"], params["wait_timeout"])
        result = {"changed": changed, "updated": [], "delivery_stream": {}, "config": {}}
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = {"before": before, "after": {}}
        module.exit_json(**result)

    desired = desired_config(params["kinesis_source"], params["s3_destination"], params["lambda_processor"])
    changed, updated, description, before, after = ensure_delivery_stream_present(
        client,
        check_mode=module.check_mode,
        name=name,
        description=description,
        desired=desired,
        tags=params["tags"],
        purge_tags=params["purge_tags"],
        wait=params["wait"],
        wait_timeout=params["wait_timeout"],
        encryption=desired_encryption(params["server_side_encryption"]),
    )
    if description and not module.check_mode:
        tags = list_delivery_stream_tags(client, name)
        config = _shown(current_config(description), tags, current_encryption(description))
    else:
        tags = after.get("tags")
        config = deepcopy(after)
    result = {
        "changed": changed,
        "updated": updated,
        "delivery_stream": _returned_description(description, tags),
        "config": config,
    }
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["delivery_stream_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        kinesis_source=dict(
            type="dict",
            options=dict(
                stream_arn=dict(type="str", required=True),
                role_arn=dict(type="str", required=True),
            ),
        ),
        s3_destination=dict(
            type="dict",
            options=dict(
                bucket_arn=dict(type="str", required=True),
                role_arn=dict(type="str", required=True),
                prefix=dict(type="str", default=""),
                error_output_prefix=dict(type="str", default=""),
                buffering_size=dict(type="int", default=5),
                buffering_interval=dict(type="int", default=300),
                compression=dict(type="str", choices=COMPRESSION_FORMATS, default="UNCOMPRESSED"),
                kms_key_arn=dict(type="str", no_log=False),
            ),
        ),
        lambda_processor=dict(
            type="dict",
            options=dict(
                function_arn=dict(type="str", required=True),
                role_arn=dict(type="str"),
                buffer_size=dict(type="float", default=1.0),
                buffer_interval=dict(type="int", default=60),
                number_of_retries=dict(type="int", default=3),
            ),
        ),
        server_side_encryption=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=True),
                key_type=dict(type="str", choices=ENCRYPTION_KEY_TYPES, default="AWS_OWNED_CMK"),
                key_arn=dict(type="str", no_log=False),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = DbauditAWSModule(
        argument_spec=argument_spec,
        required_if=[["state", "present", ["s3_destination"]]],
        supports_check_mode=True,
    )
    module.run(do)


if __name__ == "__main__":
    main()
