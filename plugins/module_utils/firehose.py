# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Amazon Data Firehose delivery streams with an S3 destination: API calls, waiters and the
pure functions that turn module options and ``describe_delivery_stream`` output into one
comparable shape.

The comparable shape ("config") mirrors the module's options::

    {
        "kinesis_source": None | {"stream_arn": str, "role_arn": str},
        "s3_destination": {"bucket_arn", "role_arn", "prefix", "error_output_prefix",
                           "buffering_size", "buffering_interval", "compression", "kms_key_arn"},
        "lambda_processor": None | {"function_arn", "role_arn", "buffer_size",
                                    "buffer_interval", "number_of_retries"},
    }

AWS fills in defaults for what a request leaves out; both sides of a comparison get the same
defaults so a stream created elsewhere with defaults compares equal to options that spell them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
from copy import deepcopy
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors

# What AWS uses when a request leaves a value out.
S3_DEFAULTS = {
    "prefix": "",
    "error_output_prefix": "",
    "buffering_size": 5,
    "buffering_interval": 300,
    "compression": "UNCOMPRESSED",
    "kms_key_arn": None,
}
LAMBDA_PROCESSOR_DEFAULTS = {
    "buffer_size": 1.0,
    "buffer_interval": 60,
    "number_of_retries": 3,
}
COMPRESSION_FORMATS = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"]
# Server-side encryption of the delivery stream itself (records at rest in Firehose), DirectPut streams only.
ENCRYPTION_KEY_TYPES = ["AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK"]

# Limits of the Firehose API, checked before the first call so a bad value fails with the option's name.
BUFFERING_SIZE_RANGE = (1, 128)
BUFFERING_INTERVAL_RANGE = (0, 900)
LAMBDA_BUFFER_SIZE_RANGE = (0.2, 3.0)
LAMBDA_BUFFER_INTERVAL_RANGE = (60, 900)
LAMBDA_RETRIES_RANGE = (0, 300)
PREFIX_MAX_LENGTH = 1024
STREAM_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
ARN_PATTERNS = {
    "bucket_arn": re.compile(r"^arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    "role_arn": re.compile(r"^arn:[a-z-]+:iam::\d{12}:role/.+$"),
    "stream_arn": re.compile(r"^arn:[a-z-]+:kinesis:[a-z0-9-]+:\d{12}:stream/[a-zA-Z0-9_.-]+$"),
    "kms_key_arn": re.compile(r"^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+$"),
    "function_arn": re.compile(r"^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9$_-]+)?$"),
}


class AnsibleFirehoseError(AnsibleAWSError):
    pass


FirehoseErrors = AWSErrors.variant(("ResourceNotFoundException",), AnsibleFirehoseError)


# ---------------------------------------------------------------------------------------------
# Pure functions: validation, normalisation, comparison, request building
# ---------------------------------------------------------------------------------------------


def format_number(value: Any) -> str:
    """The string form Firehose keeps processor parameters in: ``1.0`` -> ``"1"``, ``0.5`` -> ``"0.5"``."""
    number = float(value)
    if number == int(number):
        return str(int(number))
    return repr(number)


def _in_range(errors: List[str], option: str, value: Any, bounds: Any) -> None:
    low, high = bounds
    if value is not None and not low <= value <= high:
        errors.append(f"{option}={value} is out of range: Firehose accepts {low} to {high}")


ARN_KINDS = {
    "bucket_arn": "an S3 bucket ARN (arn:aws:s3:::bucket)",
    "role_arn": "an IAM role ARN (arn:aws:iam::123456789012:role/name)",
    "stream_arn": "a Kinesis stream ARN (arn:aws:kinesis:region:123456789012:stream/name)",
    "kms_key_arn": "a KMS key or alias ARN (arn:aws:kms:region:123456789012:key/id)",
    "function_arn": "a Lambda function ARN (arn:aws:lambda:region:123456789012:function:name)",
}


def _arn_shape(errors: List[str], option: str, kind: str, value: Optional[str]) -> None:
    if value and not ARN_PATTERNS[kind].match(value):
        errors.append(f"{option}={value!r} is not {ARN_KINDS[kind]}")


def validate_options(name: str, kinesis_source: Optional[Dict], s3_destination: Optional[Dict],
                     lambda_processor: Optional[Dict]) -> List[str]:
    """Every problem with the options that AWS would refuse (or silently misuse), as messages naming the option."""
    errors = []  # type: List[str]
    if not STREAM_NAME_PATTERN.match(name or ""):
        errors.append(f"name={name!r}: a delivery stream name is 1 to 64 letters, digits, '_', '.' or '-'")
    if kinesis_source:
        _arn_shape(errors, "kinesis_source.stream_arn", "stream_arn", kinesis_source.get("stream_arn"))
        _arn_shape(errors, "kinesis_source.role_arn", "role_arn", kinesis_source.get("role_arn"))
    if s3_destination:
        _arn_shape(errors, "s3_destination.bucket_arn", "bucket_arn", s3_destination.get("bucket_arn"))
        _arn_shape(errors, "s3_destination.role_arn", "role_arn", s3_destination.get("role_arn"))
        _arn_shape(errors, "s3_destination.kms_key_arn", "kms_key_arn", s3_destination.get("kms_key_arn"))
        _in_range(errors, "s3_destination.buffering_size", s3_destination.get("buffering_size"), BUFFERING_SIZE_RANGE)
        _in_range(errors, "s3_destination.buffering_interval", s3_destination.get("buffering_interval"),
                  BUFFERING_INTERVAL_RANGE)
        prefix = s3_destination.get("prefix") or ""
        error_prefix = s3_destination.get("error_output_prefix") or ""
        for option, value in (("prefix", prefix), ("error_output_prefix", error_prefix)):
            if len(value) > PREFIX_MAX_LENGTH:
                errors.append(f"s3_destination.{option} is {len(value)} characters long; "
                              f"Firehose accepts at most {PREFIX_MAX_LENGTH}")
        if "!{firehose:error-output-type}" in prefix:
            errors.append("s3_destination.prefix uses !{firehose:error-output-type}, which Firehose allows only "
                          "in error_output_prefix")
        if "!{" in prefix and not error_prefix:
            errors.append("s3_destination.prefix uses an expression (!{...}); Firehose then requires "
                          "s3_destination.error_output_prefix as well")
    if lambda_processor:
        _arn_shape(errors, "lambda_processor.function_arn", "function_arn", lambda_processor.get("function_arn"))
        _arn_shape(errors, "lambda_processor.role_arn", "role_arn", lambda_processor.get("role_arn"))
        _in_range(errors, "lambda_processor.buffer_size", lambda_processor.get("buffer_size"),
                  LAMBDA_BUFFER_SIZE_RANGE)
        _in_range(errors, "lambda_processor.buffer_interval", lambda_processor.get("buffer_interval"),
                  LAMBDA_BUFFER_INTERVAL_RANGE)
        _in_range(errors, "lambda_processor.number_of_retries", lambda_processor.get("number_of_retries"),
                  LAMBDA_RETRIES_RANGE)
    return errors


def desired_config(kinesis_source: Optional[Dict], s3_destination: Dict, lambda_processor: Optional[Dict]) -> Dict:
    """The comparable config the options ask for, AWS defaults filled in where an option was left out."""
    s3 = dict(S3_DEFAULTS)
    s3.update({k: v for k, v in s3_destination.items() if v is not None})
    s3["buffering_size"] = int(s3["buffering_size"])
    s3["buffering_interval"] = int(s3["buffering_interval"])
    processor = None
    if lambda_processor:
        processor = dict(LAMBDA_PROCESSOR_DEFAULTS)
        processor.update({k: v for k, v in lambda_processor.items() if v is not None})
        # Firehose invokes the function with the destination's role unless the processor names one.
        if processor.get("role_arn") is None:
            processor["role_arn"] = s3["role_arn"]
        processor["buffer_size"] = format_number(processor["buffer_size"])
        processor["buffer_interval"] = int(processor["buffer_interval"])
        processor["number_of_retries"] = int(processor["number_of_retries"])
    source = None
    if kinesis_source:
        source = {"stream_arn": kinesis_source["stream_arn"], "role_arn": kinesis_source["role_arn"]}
    return {"kinesis_source": source, "s3_destination": s3, "lambda_processor": processor}


def validate_encryption(kinesis_source: Optional[Dict], encryption: Optional[Dict]) -> List[str]:
    """Problems with O(server_side_encryption) that Firehose would refuse."""
    if not encryption or not encryption.get("enabled"):
        return []
    errors = []
    if kinesis_source:
        errors.append("server_side_encryption applies to DirectPut streams only; a stream that reads a Kinesis "
                      "stream is encrypted by that stream's own encryption (set server_side_encryption.enabled=false)")
    key_type, key_arn = encryption.get("key_type"), encryption.get("key_arn")
    if key_type == "CUSTOMER_MANAGED_CMK" and not key_arn:
        errors.append("server_side_encryption.key_type=CUSTOMER_MANAGED_CMK needs server_side_encryption.key_arn")
    if key_type == "AWS_OWNED_CMK" and key_arn:
        errors.append("server_side_encryption.key_arn is only for key_type=CUSTOMER_MANAGED_CMK")
    if key_arn and not re.match(r"^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/.+$", key_arn):
        errors.append(f"server_side_encryption.key_arn={key_arn!r} is not a KMS key ARN (an alias is not accepted)")
    return errors


def desired_encryption(encryption: Optional[Dict]) -> Optional[Dict]:
    """The comparable server-side encryption the option asks for; None when the option is left out (not managed)."""
    if encryption is None:
        return None
    if not encryption.get("enabled"):
        return {"enabled": False, "key_type": None, "key_arn": None}
    key_type = encryption.get("key_type") or "AWS_OWNED_CMK"
    return {"enabled": True, "key_type": key_type,
            "key_arn": encryption.get("key_arn") if key_type == "CUSTOMER_MANAGED_CMK" else None}


def current_encryption(description: Optional[Dict]) -> Dict:
    """The server-side encryption of a ``DeliveryStreamDescription`` (ENABLING counts as on: it is on its way)."""
    configuration = (description or {}).get("DeliveryStreamEncryptionConfiguration") or {}
    if configuration.get("Status") not in ("ENABLED", "ENABLING"):
        return {"enabled": False, "key_type": None, "key_arn": None}
    key_type = configuration.get("KeyType") or "AWS_OWNED_CMK"
    return {"enabled": True, "key_type": key_type,
            "key_arn": configuration.get("KeyARN") if key_type == "CUSTOMER_MANAGED_CMK" else None}


def encryption_input(encryption: Dict) -> Dict:
    """``DeliveryStreamEncryptionConfigurationInput`` of a create or StartDeliveryStreamEncryption request."""
    request = {"KeyType": encryption["key_type"]}
    if encryption.get("key_arn"):
        request["KeyARN"] = encryption["key_arn"]
    return request


def _s3_destination_description(description: Dict) -> Optional[Dict]:
    destinations = description.get("Destinations") or []
    if not destinations:
        return None
    destination = destinations[0]
    return destination.get("ExtendedS3DestinationDescription") or destination.get("S3DestinationDescription")


def destination_type(description: Dict) -> Optional[str]:
    """The destination kind of a described stream (``ExtendedS3``, ``S3``, ``HttpEndpoint``, ...)."""
    destinations = description.get("Destinations") or []
    if not destinations:
        return None
    kinds = [key[: -len("DestinationDescription")] for key in destinations[0]
             if key.endswith("DestinationDescription")]
    if "ExtendedS3" in kinds:
        return "ExtendedS3"
    return kinds[0] if kinds else None


def _lambda_processor_from_description(processing: Optional[Dict], destination_role: Optional[str]) -> Optional[Dict]:
    if not processing or not processing.get("Enabled"):
        return None
    for processor in processing.get("Processors") or []:
        if processor.get("Type") != "Lambda":
            continue
        parameters = {p["ParameterName"]: p["ParameterValue"] for p in processor.get("Parameters") or []}
        return {
            "function_arn": parameters.get("LambdaArn"),
            "role_arn": parameters.get("RoleArn") or destination_role,
            "buffer_size": format_number(parameters.get("BufferSizeInMBs", LAMBDA_PROCESSOR_DEFAULTS["buffer_size"])),
            "buffer_interval": int(parameters.get("BufferIntervalInSeconds",
                                                  LAMBDA_PROCESSOR_DEFAULTS["buffer_interval"])),
            "number_of_retries": int(parameters.get("NumberOfRetries", LAMBDA_PROCESSOR_DEFAULTS["number_of_retries"])),
        }
    return None


def current_config(description: Optional[Dict]) -> Optional[Dict]:
    """The comparable config of a ``DeliveryStreamDescription`` (None for no stream)."""
    if not description:
        return None
    source = None
    if description.get("DeliveryStreamType") == "KinesisStreamAsSource":
        kinesis = (description.get("Source") or {}).get("KinesisStreamSourceDescription") or {}
        source = {"stream_arn": kinesis.get("KinesisStreamARN"), "role_arn": kinesis.get("RoleARN")}
    s3_description = _s3_destination_description(description) or {}
    hints = s3_description.get("BufferingHints") or {}
    encryption = s3_description.get("EncryptionConfiguration") or {}
    s3 = {
        "bucket_arn": s3_description.get("BucketARN"),
        "role_arn": s3_description.get("RoleARN"),
        "prefix": s3_description.get("Prefix") or S3_DEFAULTS["prefix"],
        "error_output_prefix": s3_description.get("ErrorOutputPrefix") or S3_DEFAULTS["error_output_prefix"],
        "buffering_size": int(hints.get("SizeInMBs", S3_DEFAULTS["buffering_size"])),
        "buffering_interval": int(hints.get("IntervalInSeconds", S3_DEFAULTS["buffering_interval"])),
        "compression": s3_description.get("CompressionFormat") or S3_DEFAULTS["compression"],
        "kms_key_arn": (encryption.get("KMSEncryptionConfig") or {}).get("AWSKMSKeyARN"),
    }
    processor = _lambda_processor_from_description(s3_description.get("ProcessingConfiguration"), s3["role_arn"])
    return {"kinesis_source": source, "s3_destination": s3, "lambda_processor": processor}


def _show_source(source: Optional[Dict]) -> str:
    if source is None:
        return "DirectPut"
    return f"Kinesis stream {source['stream_arn']} (role {source['role_arn']})"


def replacement_reasons(current: Dict, desired: Dict, current_destination_type: Optional[str]) -> List[str]:
    """What differs that UpdateDestination cannot change: each reason names the option and both values."""
    reasons = []
    if current_destination_type not in ("ExtendedS3", "S3"):
        reasons.append(f"the stream delivers to {current_destination_type or 'no destination'}, not S3 "
                       "(this module manages S3 destinations only)")
    if current["kinesis_source"] != desired["kinesis_source"]:
        reasons.append(f"kinesis_source: the source is {_show_source(current['kinesis_source'])}, "
                       f"the options ask for {_show_source(desired['kinesis_source'])}")
    return reasons


def destination_changes(current: Dict, desired: Dict) -> List[str]:
    """The option paths whose values differ and UpdateDestination can change, sorted."""
    changed = []
    for key in sorted(set(current["s3_destination"]) | set(desired["s3_destination"])):
        if current["s3_destination"].get(key) != desired["s3_destination"].get(key):
            changed.append(f"s3_destination.{key}")
    if current["lambda_processor"] != desired["lambda_processor"]:
        changed.append("lambda_processor")
    return changed


def _processing_configuration(processor: Optional[Dict]) -> Dict:
    if not processor:
        # Explicitly off: UpdateDestination merges, so leaving it out would keep an old processor.
        return {"Enabled": False, "Processors": []}
    parameters = [
        ("LambdaArn", processor["function_arn"]),
        ("RoleArn", processor["role_arn"]),
        ("BufferSizeInMBs", format_number(processor["buffer_size"])),
        ("BufferIntervalInSeconds", str(processor["buffer_interval"])),
        ("NumberOfRetries", str(processor["number_of_retries"])),
    ]
    return {
        "Enabled": True,
        "Processors": [{
            "Type": "Lambda",
            "Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in parameters],
        }],
    }


def s3_destination_request(config: Dict) -> Dict:
    """The ExtendedS3 destination of a create or update request, every field explicit.

    UpdateDestination merges what it is given into what exists, so a removed value (a KMS key,
    a prefix, the processor) has to be sent as its "off" value, not left out.
    """
    s3 = config["s3_destination"]
    if s3.get("kms_key_arn"):
        encryption = {"KMSEncryptionConfig": {"AWSKMSKeyARN": s3["kms_key_arn"]}}
    else:
        encryption = {"NoEncryptionConfig": "NoEncryption"}
    return {
        "RoleARN": s3["role_arn"],
        "BucketARN": s3["bucket_arn"],
        "Prefix": s3["prefix"],
        "ErrorOutputPrefix": s3["error_output_prefix"],
        "BufferingHints": {"SizeInMBs": s3["buffering_size"], "IntervalInSeconds": s3["buffering_interval"]},
        "CompressionFormat": s3["compression"],
        "EncryptionConfiguration": encryption,
        "ProcessingConfiguration": _processing_configuration(config["lambda_processor"]),
    }


def create_request(name: str, config: Dict, tags: Optional[Dict], encryption: Optional[Dict] = None) -> Dict:
    """The keyword arguments of ``create_delivery_stream`` (``encryption``: a desired_encryption())."""
    request = {
        "DeliveryStreamName": name,
        "ExtendedS3DestinationConfiguration": s3_destination_request(config),
    }  # type: Dict[str, Any]
    if config["kinesis_source"]:
        request["DeliveryStreamType"] = "KinesisStreamAsSource"
        request["KinesisStreamSourceConfiguration"] = {
            "KinesisStreamARN": config["kinesis_source"]["stream_arn"],
            "RoleARN": config["kinesis_source"]["role_arn"],
        }
    else:
        request["DeliveryStreamType"] = "DirectPut"
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    if encryption and encryption["enabled"]:
        request["DeliveryStreamEncryptionConfigurationInput"] = encryption_input(encryption)
    return request


def config_with_tags(config: Optional[Dict], tags: Optional[Dict]) -> Dict:
    """A config with its tags, the shape shown in ``diff``; ``{}`` for no stream."""
    if config is None:
        return {}
    shown = deepcopy(config)
    shown["tags"] = dict(tags or {})
    return shown


# ---------------------------------------------------------------------------------------------
# API calls (each retried with jittered backoff, errors named after the call)
# ---------------------------------------------------------------------------------------------


@FirehoseErrors.list_error_handler("describe delivery stream {name}", None)
@AWSRetry.jittered_backoff()
def describe_delivery_stream(client, name: str) -> Optional[Dict]:
    return client.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]


@FirehoseErrors.list_error_handler("list the tags of delivery stream {name}", {})
@AWSRetry.jittered_backoff()
def list_delivery_stream_tags(client, name: str) -> Dict[str, str]:
    tags = []  # type: List[Dict[str, str]]
    params = {"DeliveryStreamName": name}
    while True:
        response = client.list_tags_for_delivery_stream(**params)
        tags.extend(response.get("Tags") or [])
        if not response.get("HasMoreTags") or not response.get("Tags"):
            break
        params["ExclusiveStartTagKey"] = response["Tags"][-1]["Key"]
    return boto3_tag_list_to_ansible_dict(tags)


def is_role_propagation_error(error: Exception) -> bool:
    """True for AWS's answer to a role created moments ago that Firehose cannot assume yet."""
    response = getattr(error, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    message = (response.get("Error", {}).get("Message") or "").lower()
    return code == "InvalidArgumentException" and "role" in message and (
        "assume" in message or "not authorized" in message)


@FirehoseErrors.common_error_handler("create delivery stream {request[DeliveryStreamName]}")
@AWSRetry.jittered_backoff()
def _create_delivery_stream(client, request: Dict) -> str:
    return client.create_delivery_stream(**request)["DeliveryStreamARN"]


def create_delivery_stream(client, request: Dict, role_wait: int = 60, pause: int = 10) -> str:
    """Create the stream. IAM is eventually consistent: a role made in the same play may be refused
    as not assumable for a short while, so that one refusal is retried for up to ``role_wait`` seconds;
    any other InvalidArgumentException is the caller's mistake and fails at once."""
    waited = 0
    while True:
        try:
            return _create_delivery_stream(client, request)
        except AnsibleFirehoseError as error:
            if waited >= role_wait or not is_role_propagation_error(error.exception):
                raise
        time.sleep(pause)
        waited += pause


@FirehoseErrors.common_error_handler("update the destination of delivery stream {name}")
@AWSRetry.jittered_backoff()
def update_destination(client, name: str, version_id: str, destination_id: str, destination: Dict) -> None:
    client.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=version_id,
        DestinationId=destination_id,
        ExtendedS3DestinationUpdate=destination,
    )


@FirehoseErrors.common_error_handler("start server-side encryption of delivery stream {name}")
@AWSRetry.jittered_backoff()
def start_encryption(client, name: str, encryption: Dict) -> None:
    client.start_delivery_stream_encryption(DeliveryStreamName=name,
                                            DeliveryStreamEncryptionConfigurationInput=encryption_input(encryption))


@FirehoseErrors.common_error_handler("stop server-side encryption of delivery stream {name}")
@AWSRetry.jittered_backoff()
def stop_encryption(client, name: str) -> None:
    client.stop_delivery_stream_encryption(DeliveryStreamName=name)


@FirehoseErrors.deletion_error_handler("delete delivery stream {name}")
@AWSRetry.jittered_backoff()
def delete_delivery_stream(client, name: str) -> bool:
    client.delete_delivery_stream(DeliveryStreamName=name)
    return True


@FirehoseErrors.common_error_handler("tag delivery stream {name}")
@AWSRetry.jittered_backoff()
def tag_delivery_stream(client, name: str, tags: Dict[str, str]) -> None:
    client.tag_delivery_stream(DeliveryStreamName=name, Tags=ansible_dict_to_boto3_tag_list(tags))


@FirehoseErrors.common_error_handler("untag delivery stream {name}")
@AWSRetry.jittered_backoff()
def untag_delivery_stream(client, name: str, keys: List[str]) -> None:
    client.untag_delivery_stream(DeliveryStreamName=name, TagKeys=keys)


# ---------------------------------------------------------------------------------------------
# Waiters
# ---------------------------------------------------------------------------------------------


class FirehoseWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        status = "DeliveryStreamDescription.DeliveryStreamStatus"
        return dict(
            delivery_stream_active=dict(
                operation="DescribeDeliveryStream",
                delay=5,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="path", expected="ACTIVE", argument=status),
                    dict(state="failure", matcher="path", expected="CREATING_FAILED", argument=status),
                    dict(state="failure", matcher="path", expected="DELETING_FAILED", argument=status),
                    dict(state="retry", matcher="error", expected="ResourceNotFoundException"),
                ],
            ),
            delivery_stream_deleted=dict(
                operation="DescribeDeliveryStream",
                delay=5,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="error", expected="ResourceNotFoundException"),
                    dict(state="failure", matcher="path", expected="DELETING_FAILED", argument=status),
                ],
            ),
        )


_waiter_factory = FirehoseWaiterFactory()


def wait_for_delivery_stream(client, name: str, waiter_name: str, wait_timeout: int) -> None:
    """Wait with ``delivery_stream_active`` or ``delivery_stream_deleted``; a timeout or failure raises."""
    waiter = _waiter_factory.get_waiter(client, waiter_name)
    what = "become ACTIVE" if waiter_name == "delivery_stream_active" else "be deleted"
    FirehoseErrors.common_error_handler(f"wait for delivery stream {name} to {what}")(waiter.wait)(
        DeliveryStreamName=name,
        WaiterConfig=custom_waiter_config(timeout=wait_timeout, default_pause=5),
    )
