"""Pure helpers of logs_subscription_filter: destination kinds, validation, normalisation,
comparison and the third-filter refusal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.modules import logs_subscription_filter as lsf  # noqa: E402

LAMBDA = "arn:aws:lambda:eu-west-1:123456789012:function:pgaudit-alert"
KINESIS = "arn:aws:kinesis:eu-west-1:123456789012:stream/audit"
FIREHOSE = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/audit"
LOGS_DESTINATION = "arn:aws:logs:eu-west-1:123456789012:destination:central-audit"
ROLE = "arn:aws:iam::123456789012:role/logs-to-stream"
GROUP = "/aws/rds/cluster/prod-db/postgresql"


@pytest.mark.parametrize("arn, kind", [
    (LAMBDA, "lambda"),
    (LAMBDA + ":live", "lambda"),
    (KINESIS, "kinesis"),
    (FIREHOSE, "firehose"),
    (LOGS_DESTINATION, "logs-destination"),
    ("arn:aws:sns:eu-west-1:123456789012:alerts", None),
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/x", None),
    ("pgaudit-alert", None),
    ("", None),
    (None, None),
])
def test_destination_kind(arn, kind):
    assert lsf.destination_kind(arn) == kind


@pytest.mark.parametrize("destination, role, distribution", [
    (LAMBDA, None, None),
    (LAMBDA, None, "ByLogStream"),
    (KINESIS, ROLE, "Random"),
    (FIREHOSE, ROLE, None),
    (LOGS_DESTINATION, None, None),
])
def test_valid_options(destination, role, distribution):
    assert lsf.validate_options(destination, role, distribution) == []


@pytest.mark.parametrize("destination, role, distribution, fragment", [
    ("arn:aws:sns:eu-west-1:123456789012:alerts", None, None, "is not the ARN of a Lambda function"),
    (KINESIS, None, None, "role_arn is required for a kinesis destination"),
    (FIREHOSE, None, None, "role_arn is required for a firehose destination"),
    (LAMBDA, ROLE, None, "role_arn is not used for a lambda destination"),
    (FIREHOSE, "logs-to-stream", None, "role_arn='logs-to-stream' is not an IAM role ARN"),
    (LAMBDA, None, "Random", "distribution=Random applies only to Kinesis"),
])
def test_invalid_options_say_what_to_do(destination, role, distribution, fragment):
    errors = lsf.validate_options(destination, role, distribution)
    assert len(errors) == 1, errors
    assert fragment in errors[0]


def test_described_filter_normalises_to_the_desired_shape():
    described = {"filterName": "alerts", "logGroupName": GROUP, "filterPattern": '"AUDIT:" ",ROLE,"',
                 "destinationArn": LAMBDA, "distribution": "ByLogStream", "creationTime": 1732512000000}
    current = lsf.normalise_filter(described)
    desired = lsf.desired_filter(GROUP, "alerts", '"AUDIT:" ",ROLE,"', LAMBDA, None, None)
    assert current["role_arn"] is None and current["creation_time"] == 1732512000000
    assert lsf.changed_fields(current, desired) == []


def test_empty_role_and_missing_distribution_are_the_defaults():
    current = lsf.normalise_filter({"filterName": "f", "logGroupName": GROUP, "filterPattern": "",
                                    "destinationArn": KINESIS, "roleArn": ""})
    assert current["role_arn"] is None and current["distribution"] == "ByLogStream"
    assert lsf.normalise_filter(None) == {}


def test_changed_fields_names_each_difference():
    current = lsf.desired_filter(GROUP, "f", "AUDIT", KINESIS, ROLE, None)
    desired = lsf.desired_filter(GROUP, "f", '"AUDIT:" ",ROLE,"', FIREHOSE, ROLE + "2", None)
    assert lsf.changed_fields(current, desired) == ["filter_pattern", "destination_arn", "role_arn"]


def test_distribution_counts_only_for_kinesis():
    kinesis_now = lsf.desired_filter(GROUP, "f", "", KINESIS, ROLE, "ByLogStream")
    assert lsf.changed_fields(kinesis_now, lsf.desired_filter(GROUP, "f", "", KINESIS, ROLE, "Random")) == [
        "distribution"]
    lambda_now = dict(lsf.desired_filter(GROUP, "f", "", LAMBDA, None, None), distribution="Random")
    assert lsf.changed_fields(lambda_now, lsf.desired_filter(GROUP, "f", "", LAMBDA, None, None)) == []


def test_a_third_filter_is_refused_with_the_existing_names():
    message = lsf.third_filter_refusal(GROUP, "third", ["das-archive", "alerts"])
    assert message is not None
    assert "already has 2 subscription filters (alerts, das-archive)" in message
    assert "at most 2" in message and "third" in message


@pytest.mark.parametrize("existing", [[], ["one"], ["one", "mine"], ["mine", "two"]])
def test_a_first_second_or_existing_filter_is_not_refused(existing):
    assert lsf.third_filter_refusal(GROUP, "mine", existing) is None


def _described(name, pattern='"AUDIT:" ",ROLE,"', destination=LAMBDA):
    return {"filterName": name, "logGroupName": GROUP, "filterPattern": pattern, "destinationArn": destination,
            "distribution": "ByLogStream", "creationTime": 1732512000000}


def test_plan_puts_a_missing_or_different_filter_and_leaves_an_equal_one():
    desired = lsf.desired_filter(GROUP, "alerts", '"AUDIT:" ",ROLE,"', LAMBDA, None, None)
    fresh = lsf.plan_group(GROUP, [_described("das-archive")], "alerts", desired)
    assert (fresh["changed"], fresh["before"], fresh["problem"], fresh["other_filters"]) == (
        True, {}, None, ["das-archive"])
    assert fresh["after"] == desired
    same = lsf.plan_group(GROUP, [_described("alerts")], "alerts", desired)
    assert (same["changed"], same["after"]) == (False, same["before"])
    other = lsf.plan_group(GROUP, [_described("alerts", pattern='"AUDIT:"')], "alerts", desired)
    assert other["changed"] and other["before"]["filter_pattern"] == '"AUDIT:"'
    assert other["after"]["filter_pattern"] == '"AUDIT:" ",ROLE,"'


def test_plan_names_what_a_group_cannot_take():
    desired = lsf.desired_filter(GROUP, "third", "", LAMBDA, None, None)
    missing = lsf.plan_group(GROUP, None, "third", desired)
    assert missing["problem"].startswith(f"Log group {GROUP} does not exist") and not missing["changed"]
    full = lsf.plan_group(GROUP, [_described("one"), _described("two")], "third", desired)
    assert "already has 2 subscription filters (one, two)" in full["problem"] and not full["changed"]


def test_plan_absent_deletes_only_an_existing_filter():
    assert lsf.plan_group(GROUP, [_described("alerts")], "alerts", None)["changed"] is True
    assert lsf.plan_group(GROUP, [_described("other")], "alerts", None)["changed"] is False
    missing = lsf.plan_group(GROUP, None, "alerts", None)
    assert (missing["changed"], missing["problem"], missing["after"]) == (False, None, {})


def test_a_refused_list_names_every_group_and_says_nothing_changed():
    refusal = lsf.group_list_refusal("alerts", ["/a", "/b", "/c"], ["/a", "/c"], ["first problem.", "second."])
    assert refusal.message.startswith("Subscription filter alerts refused for 2 of the 3 log groups (/a, /c); "
                                      "nothing was changed on any of them.")
    assert refusal.reasons == ["first problem.", "second."]
    assert refusal.details == {"log_groups_refused": ["/a", "/c"]}


@pytest.mark.parametrize("name, bad", [
    (GROUP, False), ("a#b.c_d-e", False), ("x" * 512, False),
    ("", True), ("x" * 513, True), ("/aws/rds/cluster/prod db/postgresql", True), ("/a\n", True), (None, True),
])
def test_log_group_names_aws_refuses_are_found_before_any_call(name, bad):
    assert (lsf.log_group_name_problem(name) is not None) is bad


def test_names_given_twice_count_once_in_their_order():
    assert lsf.unique(["/b", "/a", "/b"]) == ["/b", "/a"]
