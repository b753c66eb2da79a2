"""Pure helpers of firehose_delivery_stream (plugins/module_utils/firehose.py): validation,
normalisation of options and of describe output, comparison and request building."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import firehose  # noqa: E402

BUCKET = "arn:aws:s3:::audit-activity"
ROLE = "arn:aws:iam::123456789012:role/fh-delivery"
SOURCE_ROLE = "arn:aws:iam::123456789012:role/fh-source"
STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-ABC"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:das-decrypt"

# What the module's argument spec hands over when the user gives only the two required suboptions.
S3_OPTION_DEFAULTS = {"prefix": "", "error_output_prefix": "", "buffering_size": 5, "buffering_interval": 300,
                      "compression": "UNCOMPRESSED", "kms_key_arn": None}
PROCESSOR_OPTION_DEFAULTS = {"role_arn": None, "buffer_size": 1.0, "buffer_interval": 60, "number_of_retries": 3}


def s3_options(**overrides):
    options = {"bucket_arn": BUCKET, "role_arn": ROLE, **S3_OPTION_DEFAULTS}
    options.update(overrides)
    return options


def processor_options(**overrides):
    options = {"function_arn": FUNCTION, **PROCESSOR_OPTION_DEFAULTS}
    options.update(overrides)
    return options


def described(extended: dict, stream_type: str = "DirectPut", source: dict | None = None) -> dict:
    """A DeliveryStreamDescription as AWS returns it."""
    description = {
        "DeliveryStreamName": "das",
        "DeliveryStreamStatus": "ACTIVE",
        "DeliveryStreamType": stream_type,
        "VersionId": "3",
        "Destinations": [{
            "DestinationId": "destinationId-000000000001",
            "S3DestinationDescription": {"RoleARN": extended.get("RoleARN"), "BucketARN": extended.get("BucketARN")},
            "ExtendedS3DestinationDescription": extended,
        }],
    }
    if source:
        description["Source"] = {"KinesisStreamSourceDescription": source}
    return description


# --- format_number -------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [(1, "1"), (1.0, "1"), ("1", "1"), ("3.0", "3"), (0.5, "0.5"),
                                             ("0.2", "0.2"), (2.75, "2.75")])
def test_format_number_gives_the_string_firehose_keeps(value, expected):
    assert firehose.format_number(value) == expected


# --- validate_options ---------------------------------------------------------------------------


def test_valid_options_have_no_errors():
    assert firehose.validate_options("das-audit_1.x", {"stream_arn": STREAM, "role_arn": SOURCE_ROLE},
                                     s3_options(kms_key_arn=KEY, prefix="a/!{timestamp:yyyy}/",
                                                error_output_prefix="e/!{firehose:error-output-type}/"),
                                     processor_options(buffer_size=0.2)) == []


@pytest.mark.parametrize("name, kinesis, s3, processor, fragment", [
    ("bad name!", None, s3_options(), None, "name='bad name!'"),
    ("x" * 65, None, s3_options(), None, "1 to 64"),
    ("das", None, s3_options(buffering_size=0), None, "s3_destination.buffering_size=0 is out of range"),
    ("das", None, s3_options(buffering_size=129), None, "s3_destination.buffering_size=129"),
    ("das", None, s3_options(buffering_interval=901), None, "s3_destination.buffering_interval=901"),
    ("das", None, s3_options(bucket_arn="audit-activity"), None,
     "s3_destination.bucket_arn='audit-activity' is not an S3 bucket ARN"),
    ("das", None, s3_options(role_arn="arn:aws:iam::123456789012:user/bob"), None, "s3_destination.role_arn"),
    ("das", None, s3_options(kms_key_arn="1234abcd"), None, "s3_destination.kms_key_arn='1234abcd' is not a KMS key"),
    ("das", {"stream_arn": "aws-rds-das-x", "role_arn": SOURCE_ROLE}, s3_options(), None,
     "kinesis_source.stream_arn='aws-rds-das-x' is not a Kinesis stream ARN"),
    ("das", None, s3_options(prefix="d/!{timestamp:yyyy}/"), None, "requires s3_destination.error_output_prefix"),
    ("das", None, s3_options(prefix="!{firehose:error-output-type}/", error_output_prefix="e/"), None,
     "allows only in error_output_prefix"),
    ("das", None, s3_options(prefix="p" * 1025), None, "s3_destination.prefix is 1025 characters long"),
    ("das", None, s3_options(), processor_options(buffer_size=4.0), "lambda_processor.buffer_size=4.0"),
    ("das", None, s3_options(), processor_options(buffer_interval=30), "lambda_processor.buffer_interval=30"),
    ("das", None, s3_options(), processor_options(number_of_retries=301), "lambda_processor.number_of_retries=301"),
    ("das", None, s3_options(), processor_options(function_arn="das-decrypt"), "not a Lambda function ARN"),
])
def test_invalid_options_are_named(name, kinesis, s3, processor, fragment):
    errors = firehose.validate_options(name, kinesis, s3, processor)
    assert len(errors) == 1, errors
    assert fragment in errors[0]


# --- desired_config / current_config ------------------------------------------------------------


def test_desired_config_fills_aws_defaults_and_processor_role():
    desired = firehose.desired_config(None, s3_options(), processor_options())
    assert desired == {
        "kinesis_source": None,
        "s3_destination": {"bucket_arn": BUCKET, "role_arn": ROLE, "prefix": "", "error_output_prefix": "",
                           "buffering_size": 5, "buffering_interval": 300, "compression": "UNCOMPRESSED",
                           "kms_key_arn": None},
        "lambda_processor": {"function_arn": FUNCTION, "role_arn": ROLE, "buffer_size": "1",
                             "buffer_interval": 60, "number_of_retries": 3},
    }


def test_a_stream_created_with_aws_defaults_compares_equal_to_options_that_leave_them_out():
    # What AWS describes for a stream created with only bucket, role and a processor function.
    description = described({
        "RoleARN": ROLE, "BucketARN": BUCKET,
        "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
        "CompressionFormat": "UNCOMPRESSED",
        "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
        "CloudWatchLoggingOptions": {"Enabled": False},
        "S3BackupMode": "Disabled",
        "ProcessingConfiguration": {"Enabled": True, "Processors": [
            {"Type": "Lambda", "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}]}]},
    })
    current = firehose.current_config(description)
    desired = firehose.desired_config(None, s3_options(), processor_options())
    assert current == desired
    assert firehose.destination_changes(current, desired) == []
    assert firehose.replacement_reasons(current, desired, firehose.destination_type(description)) == []


def test_current_config_reads_every_field():
    description = described({
        "RoleARN": ROLE, "BucketARN": BUCKET, "Prefix": "activity/", "ErrorOutputPrefix": "errors/",
        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
        "CompressionFormat": "GZIP",
        "EncryptionConfiguration": {"KMSEncryptionConfig": {"AWSKMSKeyARN": KEY}},
        "ProcessingConfiguration": {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": [
            {"ParameterName": "LambdaArn", "ParameterValue": FUNCTION},
            {"ParameterName": "RoleArn", "ParameterValue": SOURCE_ROLE},
            {"ParameterName": "BufferSizeInMBs", "ParameterValue": "3"},
            {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "120"},
            {"ParameterName": "NumberOfRetries", "ParameterValue": "0"},
        ]}]},
    }, stream_type="KinesisStreamAsSource", source={"KinesisStreamARN": STREAM, "RoleARN": SOURCE_ROLE,
                                                    "DeliveryStartTimestamp": "2024-01-01T00:00:00Z"})
    assert firehose.current_config(description) == {
        "kinesis_source": {"stream_arn": STREAM, "role_arn": SOURCE_ROLE},
        "s3_destination": {"bucket_arn": BUCKET, "role_arn": ROLE, "prefix": "activity/",
                           "error_output_prefix": "errors/", "buffering_size": 64, "buffering_interval": 60,
                           "compression": "GZIP", "kms_key_arn": KEY},
        "lambda_processor": {"function_arn": FUNCTION, "role_arn": SOURCE_ROLE, "buffer_size": "3",
                             "buffer_interval": 120, "number_of_retries": 0},
    }


def test_values_aws_leaves_out_of_a_description_are_its_defaults():
    current = firehose.current_config(described({"RoleARN": ROLE, "BucketARN": BUCKET}))
    assert current["s3_destination"] == firehose.desired_config(None, s3_options(), None)["s3_destination"]
    assert current["s3_destination"]["buffering_size"] == 5
    assert current["s3_destination"]["buffering_interval"] == 300
    assert current["s3_destination"]["compression"] == "UNCOMPRESSED"


def test_disabled_processing_is_no_processor():
    description = described({"RoleARN": ROLE, "BucketARN": BUCKET,
                             "ProcessingConfiguration": {"Enabled": False, "Processors": []}})
    assert firehose.current_config(description)["lambda_processor"] is None


def test_no_stream_has_no_config():
    assert firehose.current_config(None) is None
    assert firehose.config_with_tags(None, {"a": "b"}) == {}


# --- comparison ---------------------------------------------------------------------------------


def test_destination_changes_names_each_option_that_differs():
    current = firehose.desired_config(None, s3_options(), None)
    desired = firehose.desired_config(None, s3_options(buffering_interval=60, compression="GZIP", kms_key_arn=KEY),
                                      processor_options())
    assert firehose.destination_changes(current, desired) == [
        "s3_destination.buffering_interval", "s3_destination.compression", "s3_destination.kms_key_arn",
        "lambda_processor"]


def test_processor_buffer_size_given_as_float_or_int_is_the_same():
    one = firehose.desired_config(None, s3_options(), processor_options(buffer_size=1))
    other = firehose.desired_config(None, s3_options(), processor_options(buffer_size=1.0))
    assert firehose.destination_changes(one, other) == []


def test_a_source_change_needs_a_replacement_and_says_what_differs():
    current = firehose.desired_config({"stream_arn": STREAM, "role_arn": SOURCE_ROLE}, s3_options(), None)
    desired = firehose.desired_config(None, s3_options(), None)
    reasons = firehose.replacement_reasons(current, desired, "ExtendedS3")
    assert len(reasons) == 1
    assert "kinesis_source" in reasons[0] and STREAM in reasons[0] and "DirectPut" in reasons[0]


def test_a_non_s3_destination_needs_a_replacement():
    config = firehose.desired_config(None, s3_options(), None)
    description = {"Destinations": [{"DestinationId": "d1", "HttpEndpointDestinationDescription": {}}]}
    assert firehose.destination_type(description) == "HttpEndpoint"
    assert "HttpEndpoint" in firehose.replacement_reasons(config, config, "HttpEndpoint")[0]


# --- requests -----------------------------------------------------------------------------------


def test_update_request_turns_off_what_was_removed():
    request = firehose.s3_destination_request(firehose.desired_config(None, s3_options(), None))
    assert request["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert request["ProcessingConfiguration"] == {"Enabled": False, "Processors": []}
    assert request["Prefix"] == "" and request["ErrorOutputPrefix"] == ""


def test_create_request_for_a_kinesis_source_with_processor_and_tags():
    config = firehose.desired_config({"stream_arn": STREAM, "role_arn": SOURCE_ROLE},
                                     s3_options(kms_key_arn=KEY, compression="GZIP"), processor_options(buffer_size=2))
    request = firehose.create_request("das", config, {"purpose": "audit"})
    assert request["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert request["KinesisStreamSourceConfiguration"] == {"KinesisStreamARN": STREAM, "RoleARN": SOURCE_ROLE}
    destination = request["ExtendedS3DestinationConfiguration"]
    assert destination["EncryptionConfiguration"] == {"KMSEncryptionConfig": {"AWSKMSKeyARN": KEY}}
    assert destination["CompressionFormat"] == "GZIP"
    parameters = {p["ParameterName"]: p["ParameterValue"]
                  for p in destination["ProcessingConfiguration"]["Processors"][0]["Parameters"]}
    assert parameters == {"LambdaArn": FUNCTION, "RoleArn": ROLE, "BufferSizeInMBs": "2",
                          "BufferIntervalInSeconds": "60", "NumberOfRetries": "3"}
    assert request["Tags"] == [{"Key": "purpose", "Value": "audit"}]


def test_create_request_of_a_directput_stream_has_no_source():
    request = firehose.create_request("das", firehose.desired_config(None, s3_options(), None), None)
    assert request["DeliveryStreamType"] == "DirectPut"
    assert "KinesisStreamSourceConfiguration" not in request and "Tags" not in request


def test_request_built_from_described_config_round_trips():
    config = firehose.desired_config(None, s3_options(prefix="a/", error_output_prefix="e/", kms_key_arn=KEY),
                                     processor_options(number_of_retries=5))
    request = firehose.s3_destination_request(config)
    assert firehose.current_config(described(request)) == config


# --- role propagation retry ---------------------------------------------------------------------


class _ClientError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}}


@pytest.mark.parametrize("code, message, expected", [
    ("InvalidArgumentException", "Firehose is unable to assume role arn:aws:iam::1:role/x. Please check the role "
                                 "provided.", True),
    ("InvalidArgumentException", "Role arn:aws:iam::1:role/x is not authorized to perform: kinesis:DescribeStream",
     True),
    ("InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64 when data format conversion is "
                                 "enabled", False),
    ("ResourceInUseException", "role in use", False),
])
def test_only_role_propagation_errors_are_retried(code, message, expected):
    assert firehose.is_role_propagation_error(_ClientError(code, message)) is expected


# --- server-side encryption of the stream ----------------------------------------------------------------------

CMK = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_encryption_left_out_is_not_managed_and_on_defaults_to_an_aws_owned_key():
    assert firehose.desired_encryption(None) is None
    assert firehose.desired_encryption({"enabled": True, "key_type": None, "key_arn": None}) == {
        "enabled": True, "key_type": "AWS_OWNED_CMK", "key_arn": None}
    assert firehose.desired_encryption({"enabled": False, "key_type": "AWS_OWNED_CMK", "key_arn": None}) == {
        "enabled": False, "key_type": None, "key_arn": None}


def test_current_encryption_reads_status_and_key():
    on = dict(described({}), DeliveryStreamEncryptionConfiguration={
        "Status": "ENABLING", "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": CMK})
    assert firehose.current_encryption(on) == {"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": CMK}
    off = dict(described({}), DeliveryStreamEncryptionConfiguration={"Status": "DISABLED"})
    assert firehose.current_encryption(off) == firehose.current_encryption(described({})) == {
        "enabled": False, "key_type": None, "key_arn": None}


def test_create_request_carries_the_encryption_input():
    config = firehose.desired_config(None, s3_options(), None)
    request = firehose.create_request("s", config, None, firehose.desired_encryption(
        {"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": CMK}))
    assert request["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": CMK}
    assert "DeliveryStreamEncryptionConfigurationInput" not in firehose.create_request("s", config, None, None)


@pytest.mark.parametrize("kinesis, encryption, fragment", [
    ({"stream_arn": "x", "role_arn": "y"}, {"enabled": True, "key_type": "AWS_OWNED_CMK"}, "DirectPut streams only"),
    (None, {"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK"}, "needs server_side_encryption.key_arn"),
    (None, {"enabled": True, "key_type": "AWS_OWNED_CMK", "key_arn": CMK}, "only for key_type=CUSTOMER_MANAGED_CMK"),
    (None, {"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": "alias/x"}, "not a KMS key ARN"),
])
def test_invalid_encryption_is_named(kinesis, encryption, fragment):
    [error] = firehose.validate_encryption(kinesis, encryption)
    assert fragment in error
    assert firehose.validate_encryption(kinesis, dict(encryption, enabled=False)) == []
