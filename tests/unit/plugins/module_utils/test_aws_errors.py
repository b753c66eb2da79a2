"""module_utils.aws_errors: the one error handler of the AWS modules - messages name the call's arguments,
a service's "not there" codes give the default (list) or False (deletion), everything else fails."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors  # noqa: E402

LogsErrors = AWSErrors.variant(missing_codes=("ResourceNotFoundException",))


class SpecialError(AnsibleAWSError):
    pass


@LogsErrors.list_error_handler("describe the subscription filters of log group {log_group_name}", None)
def describe(client, log_group_name):
    return client.describe_subscription_filters(logGroupName=log_group_name)["subscriptionFilters"]


@LogsErrors.deletion_error_handler("delete filter {filter_name} of {log_group_name}")
def delete(client, log_group_name, filter_name="f"):
    client.delete_subscription_filter(logGroupName=log_group_name, filterName=filter_name)
    return True


@AWSErrors.variant(exception=SpecialError).common_error_handler("put filter {desired[name]} on {group}")
def put(client, group, desired):
    client.put_subscription_filter(logGroupName=group, filterName=desired["name"], filterPattern="",
                                   destinationArn="arn:aws:lambda:eu-west-1:123456789012:function:f")


@pytest.fixture
def client():
    return boto3.client("logs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_missing_codes_give_the_default_and_other_errors_name_the_arguments(client):
    with Stubber(client) as stub:
        stub.add_client_error("describe_subscription_filters", "ResourceNotFoundException", "no group")
        stub.add_client_error("describe_subscription_filters", "AccessDeniedException", "denied")
        assert describe(client, "/aws/rds/a") is None
        with pytest.raises(AnsibleAWSError) as raised:
            describe(client, log_group_name="/aws/rds/b")
    assert raised.value.message == "Failed to describe the subscription filters of log group /aws/rds/b"
    assert raised.value.exception.response["Error"]["Code"] == "AccessDeniedException"


def test_deletion_of_nothing_is_false_and_defaults_fill_the_message(client):
    with Stubber(client) as stub:
        stub.add_client_error("delete_subscription_filter", "ResourceNotFoundException", "gone")
        stub.add_client_error("delete_subscription_filter", "ServiceUnavailableException", "down")
        assert delete(client, "g") is False
        with pytest.raises(AnsibleAWSError) as raised:
            delete(client, "g")
    assert raised.value.message == "Failed to delete filter f of g"


def test_a_variant_raises_its_own_exception_and_reads_items_of_arguments(client):
    with Stubber(client) as stub:
        stub.add_client_error("put_subscription_filter", "ResourceNotFoundException", "no group")
        with pytest.raises(SpecialError) as raised:
            put(client, "g", {"name": "alerts"})
    assert raised.value.message == "Failed to put filter alerts on g"


def test_a_description_that_does_not_fit_the_arguments_is_kept_as_is(client):
    @AWSErrors.common_error_handler("describe {nothing_of_that_name}")
    def call(client):
        client.describe_subscription_filters(logGroupName="g")

    with Stubber(client) as stub:
        stub.add_client_error("describe_subscription_filters", "AccessDeniedException", "denied")
        with pytest.raises(AnsibleAWSError) as raised:
            call(client)
    assert raised.value.message == "Failed to describe {nothing_of_that_name}"
