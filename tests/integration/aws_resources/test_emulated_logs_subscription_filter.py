"""dbaudit.postgresql.logs_subscription_filter through ansible-playbook against the emulator.

The destinations (a Lambda function, a Kinesis stream, a Firehose stream) exist in the emulator,
which checks that they do. It stores filter patterns without applying them and reports every
filter's distribution as ByLogStream, so these tests check stored configuration, not delivery.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

ACCOUNT = "123456789012"  # the emulator's account
PATTERN = '"AUDIT:" ",ROLE,"'

FILTER = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: filter
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: "{{ filter_name }}"
        filter_pattern: "{{ pattern }}"
        destination_arn: "{{ destination }}"
        role_arn: "{{ role | default(omit) }}"
      diff: true
    - name: filter again
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: "{{ filter_name }}"
        filter_pattern: "{{ pattern }}"
        destination_arn: "{{ destination }}"
        role_arn: "{{ role | default(omit) }}"
    - name: filter again in check mode
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: "{{ filter_name }}"
        filter_pattern: "{{ pattern }}"
        destination_arn: "{{ destination }}"
        role_arn: "{{ role | default(omit) }}"
      check_mode: true
"""

ABSENT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: filter
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: "{{ filter_name }}"
        state: absent
      diff: true
    - name: filter again
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: "{{ filter_name }}"
        state: absent
"""


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


@pytest.fixture
def destinations(aws_client, unique_name):
    """A log group and the three kinds of destination, removed afterwards."""
    suffix = unique_name("")
    iam, awslambda = aws_client("iam"), aws_client("lambda")
    kinesis, firehose, logs = aws_client("kinesis"), aws_client("firehose"), aws_client("logs")
    group = f"/aws/rds/cluster/c{suffix}/postgresql"
    logs.create_log_group(logGroupName=group)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role = iam.create_role(RoleName=f"alert-{suffix}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    function = awslambda.create_function(FunctionName=f"alert-{suffix}", Runtime="python3.12", Role=role,
                                         Handler="handler.handler", Code={"ZipFile": _zip()})["FunctionArn"]
    kinesis.create_stream(StreamName=f"audit-{suffix}", ShardCount=1)
    stream = kinesis.describe_stream_summary(StreamName=f"audit-{suffix}")["StreamDescriptionSummary"]["StreamARN"]
    delivery = firehose.create_delivery_stream(
        DeliveryStreamName=f"audit-{suffix}",
        ExtendedS3DestinationConfiguration={"BucketARN": f"arn:aws:s3:::audit-{suffix}",
                                            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/fh-{suffix}"},
    )["DeliveryStreamARN"]
    yield {
        "group": group,
        "lambda": function,
        "kinesis": stream,
        "firehose": delivery,
        "logs_role": f"arn:aws:iam::{ACCOUNT}:role/logs-to-stream-{suffix}",
    }
    logs.delete_log_group(logGroupName=group)
    firehose.delete_delivery_stream(DeliveryStreamName=f"audit-{suffix}")
    kinesis.delete_stream(StreamARN=stream)
    awslambda.delete_function(FunctionName=function)
    iam.delete_role(RoleName=f"alert-{suffix}")


def filters_of(logs, group: str) -> dict:
    return {f["filterName"]: f for f in logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]}


def test_filter_create_update_delete(playbook, logs, destinations):
    group = destinations["group"]
    variables = {"group": group, "filter_name": "pgaudit-alerts", "pattern": PATTERN,
                 "destination": destinations["lambda"]}

    # Check mode on a fresh filter: reported as a create, nothing created.
    run = playbook(FILTER, extra_vars=variables, check=True)
    assert run.rc == 0, run.explain()
    assert run.result("filter")["changed"] is True
    assert run.result("filter")["subscription_filter"]["destination_arn"] == destinations["lambda"]
    assert filters_of(logs, group) == {}

    # Create to the Lambda function (no role), then idempotent, also in check mode.
    run = playbook(FILTER, extra_vars=variables)
    assert run.rc == 0, run.explain()
    created = run.result("filter")
    assert created["changed"] is True
    assert created["diff"] == {"before": {}, "after": {
        "log_group_name": group, "filter_name": "pgaudit-alerts", "filter_pattern": PATTERN,
        "destination_arn": destinations["lambda"], "role_arn": None, "distribution": "ByLogStream"}}
    assert run.result("filter again")["changed"] is False
    assert run.result("filter again in check mode")["changed"] is False
    stored = filters_of(logs, group)["pgaudit-alerts"]
    assert (stored["filterPattern"], stored["destinationArn"]) == (PATTERN, destinations["lambda"])
    assert not stored.get("roleArn")

    # Change pattern and destination (to Firehose, with its role): check mode first.
    changed = {**variables, "pattern": '"AUDIT:"', "destination": destinations["firehose"],
               "role": destinations["logs_role"]}
    run = playbook(FILTER, extra_vars=changed, check=True)
    assert run.rc == 0, run.explain()
    assert run.result("filter")["changed"] is True
    assert filters_of(logs, group)["pgaudit-alerts"]["destinationArn"] == destinations["lambda"]
    run = playbook(FILTER, extra_vars=changed)
    assert run.rc == 0, run.explain()
    assert run.result("filter")["changed"] is True
    assert run.result("filter")["diff"]["before"]["filter_pattern"] == PATTERN
    assert run.result("filter again")["changed"] is False
    stored = filters_of(logs, group)["pgaudit-alerts"]
    assert (stored["filterPattern"], stored["destinationArn"], stored["roleArn"]) == (
        '"AUDIT:"', destinations["firehose"], destinations["logs_role"])

    # Delete: check mode leaves it, then gone, then nothing to do.
    run = playbook(ABSENT, extra_vars=variables, check=True)
    assert run.rc == 0, run.explain()
    assert run.result("filter")["changed"] is True
    assert "pgaudit-alerts" in filters_of(logs, group)
    run = playbook(ABSENT, extra_vars=variables)
    assert run.rc == 0, run.explain()
    assert run.result("filter")["changed"] is True
    assert run.result("filter again")["changed"] is False
    assert filters_of(logs, group) == {}


THIRD = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: first
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: first
        filter_pattern: '"AUDIT:"'
        destination_arn: "{{ lambda }}"
    - name: second
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: second
        filter_pattern: ""
        destination_arn: "{{ kinesis }}"
        role_arn: "{{ logs_role }}"
        distribution: ByLogStream
    - name: third in check mode
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: third
        filter_pattern: '",ROLE,"'
        destination_arn: "{{ firehose }}"
        role_arn: "{{ logs_role }}"
      check_mode: true
      ignore_errors: true
    - name: third
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: third
        filter_pattern: '",ROLE,"'
        destination_arn: "{{ firehose }}"
        role_arn: "{{ logs_role }}"
      ignore_errors: true
    - name: first again
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: first
        filter_pattern: '"AUDIT:"'
        destination_arn: "{{ lambda }}"
"""


def test_a_third_filter_is_refused_before_anything_changes(playbook, logs, destinations):
    run = playbook(THIRD, extra_vars=destinations)
    assert run.result("first")["changed"] is True, run.explain()
    assert run.result("second")["changed"] is True, run.explain()
    for task in ("third in check mode", "third"):
        result = run.result(task)
        assert result.get("failed") is True, result
        assert result["msg"].startswith(
            f"Log group {destinations['group']} already has 2 subscription filters (first, second) and "
            "CloudWatch Logs allows at most 2 per log group, so filter third cannot be added."), result["msg"]
        # Refused by the module, not by AWS: no API error is attached.
        assert "error" not in result and "boto3_version" not in result
    # The existing filters are still managed (and unchanged).
    assert run.result("first again")["changed"] is False
    assert run.result("first again")["other_filters"] == ["second"]
    stored = filters_of(logs, destinations["group"])
    assert sorted(stored) == ["first", "second"]
    assert stored["second"]["destinationArn"] == destinations["kinesis"]


BAD_INPUTS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: role for lambda
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: bad-1
        filter_pattern: x
        destination_arn: "{{ lambda }}"
        role_arn: "{{ logs_role }}"
      ignore_errors: true
    - name: no role for kinesis
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: bad-2
        filter_pattern: x
        destination_arn: "{{ kinesis }}"
      ignore_errors: true
    - name: sns destination
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: bad-3
        filter_pattern: x
        destination_arn: "arn:aws:sns:us-east-1:123456789012:alerts"
      ignore_errors: true
    - name: no pattern
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        filter_name: bad-4
        destination_arn: "{{ lambda }}"
      ignore_errors: true
    - name: missing log group
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}-missing"
        filter_name: bad-5
        filter_pattern: x
        destination_arn: "{{ lambda }}"
      ignore_errors: true
    - name: missing log group, absent
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}-missing"
        filter_name: bad-5
        state: absent
"""


def test_bad_inputs_fail_clearly_and_create_nothing(playbook, logs, destinations):
    run = playbook(BAD_INPUTS, extra_vars=destinations)
    expected = {
        "role for lambda": "role_arn is not used for a lambda destination",
        "no role for kinesis": "role_arn is required for a kinesis destination",
        "sns destination": "is not the ARN of a Lambda function, Kinesis data stream, Firehose delivery stream",
        "no pattern": "state is present but all of the following are missing: filter_pattern",
        "missing log group": f"Log group {destinations['group']}-missing does not exist; create it first",
    }
    for task, fragment in expected.items():
        result = run.result(task)
        assert result.get("failed") is True, (task, result)
        assert fragment in result["msg"], (task, result["msg"])
    assert run.result("missing log group, absent")["changed"] is False
    assert filters_of(logs, destinations["group"]) == {}


# ---------------------------------------------------------------------------------------------
# log_group_names: one filter on many log groups, in one call
# ---------------------------------------------------------------------------------------------

MANY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: filters
      dbaudit.postgresql.logs_subscription_filter:
        log_group_names: "{{ log_groups }}"
        filter_name: "{{ filter_name }}"
        filter_pattern: "{{ pattern | default(omit) }}"
        destination_arn: "{{ destination | default(omit) }}"
        state: "{{ state | default('present') }}"
      diff: true
      ignore_errors: true
"""


@pytest.fixture
def endpoint(sandbox_env):
    return sandbox_env["aws"]["endpoint_url"]


@pytest.fixture
def more_groups(logs, destinations):
    """Three more log groups beside the destinations' one, removed afterwards."""
    groups = [destinations["group"].replace("/postgresql", f"-{n}/postgresql") for n in (2, 3, 4)]
    for group in groups:
        logs.create_log_group(logGroupName=group)
    yield [destinations["group"], *groups]
    for group in groups:
        logs.delete_log_group(logGroupName=group)


def _counted(endpoint: str, run):
    """(run's result, the emulator's writes, its DescribeSubscriptionFilters calls) during run()."""
    from sandbox.emulator_control import control
    from test_emulated_logs_log_group import writes_during

    result, writes = writes_during(endpoint, run)
    return result, writes, control(endpoint)["stats"]["operations"].get("logs:DescribeSubscriptionFilters", 0)


def test_one_filter_on_many_groups_in_one_call(playbook, logs, destinations, more_groups, endpoint):
    groups = more_groups
    # A group given twice counts once.
    variables = {"log_groups": [*groups, groups[0]], "filter_name": "pgaudit-alerts", "pattern": PATTERN,
                 "destination": destinations["lambda"]}
    wanted = {"log_group_name": None, "filter_name": "pgaudit-alerts", "filter_pattern": PATTERN,
              "destination_arn": destinations["lambda"], "role_arn": None, "distribution": "ByLogStream"}

    # Check mode: every group would get it, nothing is written; one read per group.
    run, writes, reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=variables, check=True))
    result = run.result("filters")
    assert result["changed"] is True and not result.get("failed"), run.explain()
    assert [(g["log_group_name"], g["changed"]) for g in result["log_groups"]] == [(g, True) for g in groups]
    assert (writes, reads) == ({}, len(groups))
    assert all(filters_of(logs, group) == {} for group in groups)

    # The run: one put per group, no read-back; the diff shows each group's filter.
    run, writes, reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=variables))
    result = run.result("filters")
    assert result["changed"] is True and not result.get("failed"), run.explain()
    assert (writes, reads) == ({"logs:PutSubscriptionFilter": len(groups)}, len(groups))
    assert result["diff"] == {"before": {group: {} for group in groups},
                              "after": {group: dict(wanted, log_group_name=group) for group in groups}}
    for entry in result["log_groups"]:
        assert (entry["before"], entry["after"], entry["other_filters"]) == (
            {}, dict(wanted, log_group_name=entry["log_group_name"]), []), entry
    for group in groups:
        stored = filters_of(logs, group)["pgaudit-alerts"]
        assert (stored["filterPattern"], stored["destinationArn"]) == (PATTERN, destinations["lambda"])

    # Again, and again in check mode: nothing to do, nothing written.
    for check in (False, True):
        run, writes, reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=variables, check=check))  # noqa: B023
        result = run.result("filters")
        assert result["changed"] is False, run.explain()
        assert not any(entry["changed"] for entry in result["log_groups"])
        assert result["diff"] == {"before": {}, "after": {}}
        assert (writes, reads) == ({}, len(groups))

    # One group's filter changed behind our back, another's group has a second filter: only the first is put.
    logs.put_subscription_filter(logGroupName=groups[2], filterName="pgaudit-alerts", filterPattern='"AUDIT:"',
                                 destinationArn=destinations["lambda"])
    logs.put_subscription_filter(logGroupName=groups[3], filterName="das-archive", filterPattern="",
                                 destinationArn=destinations["lambda"])
    run, writes, _reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=variables, check=True))
    assert [g["log_group_name"] for g in run.result("filters")["log_groups"] if g["changed"]] == [groups[2]]
    assert writes == {}
    run, writes, _reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=variables))
    result = run.result("filters")
    assert [g["log_group_name"] for g in result["log_groups"] if g["changed"]] == [groups[2]], run.explain()
    assert writes == {"logs:PutSubscriptionFilter": 1}
    assert list(result["diff"]["before"]) == [groups[2]]
    assert result["diff"]["before"][groups[2]]["filter_pattern"] == '"AUDIT:"'
    assert result["log_groups"][3]["other_filters"] == ["das-archive"]
    assert filters_of(logs, groups[2])["pgaudit-alerts"]["filterPattern"] == PATTERN

    # state=absent on the list: deleted where it is, then nothing to do.
    absent = {"log_groups": groups, "filter_name": "pgaudit-alerts", "state": "absent"}
    run, writes, _reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=absent))
    assert run.result("filters")["changed"] is True, run.explain()
    assert writes == {"logs:DeleteSubscriptionFilter": len(groups)}
    run, writes, _reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=absent))
    assert (run.result("filters")["changed"], writes) == (False, {})
    assert [sorted(filters_of(logs, group)) for group in groups] == [[], [], [], ["das-archive"]]


def test_a_group_that_cannot_take_the_filter_refuses_the_whole_list(playbook, logs, destinations, more_groups,
                                                                    endpoint):
    groups = more_groups
    missing = groups[0].replace("/postgresql", "-missing/postgresql")
    for name in ("first", "second"):
        logs.put_subscription_filter(logGroupName=groups[3], filterName=name, filterPattern="",
                                     destinationArn=destinations["lambda"])
    variables = {"log_groups": [groups[0], missing, groups[1], groups[3]], "filter_name": "pgaudit-alerts",
                 "pattern": PATTERN, "destination": destinations["lambda"]}

    for check in (True, False):
        run, writes, _reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=variables, check=check))  # noqa: B023
        result = run.result("filters")
        assert result.get("failed") is True and result["changed"] is False, result
        assert writes == {}
        assert result["msg"].startswith(
            f"Subscription filter pgaudit-alerts refused for 2 of the 4 log groups ({missing}, {groups[3]}); "
            "nothing was changed on any of them."), result["msg"]
        assert result["log_groups_refused"] == [missing, groups[3]]
        assert result["reasons"][0].startswith(f"Log group {missing} does not exist; create it first")
        assert result["reasons"][1].startswith(f"Log group {groups[3]} already has 2 subscription filters")
        # Refused by the module, not by AWS.
        assert "error" not in result and "boto3_version" not in result
    assert [sorted(filters_of(logs, group)) for group in groups] == [[], [], [], ["first", "second"]]

    # A name CloudWatch Logs would refuse is found before any call; bad options before any call too.
    bad_name = dict(variables, log_groups=[groups[0], "/aws/rds/cluster/no spaces/postgresql"])
    run, writes, reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=bad_name))
    result = run.result("filters")
    assert result.get("failed") is True and (writes, reads) == ({}, 0), result
    assert result["log_groups_refused"] == ["/aws/rds/cluster/no spaces/postgresql"]
    bad_role = dict(variables, log_groups=groups[:2], destination=destinations["kinesis"])
    run, writes, reads = _counted(endpoint, lambda: playbook(MANY, extra_vars=bad_role))
    result = run.result("filters")
    assert result.get("failed") is True and (writes, reads) == ({}, 0), result
    assert result["msg"].startswith(f"Invalid options for subscription filter pgaudit-alerts on {groups[0]}, "
                                    f"{groups[1]}: role_arn is required for a kinesis destination"), result["msg"]


BOTH_FORMS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: both
      dbaudit.postgresql.logs_subscription_filter:
        log_group_name: "{{ group }}"
        log_group_names: ["{{ group }}"]
        filter_name: x
        state: absent
      ignore_errors: true
    - name: neither
      dbaudit.postgresql.logs_subscription_filter:
        filter_name: x
        state: absent
      ignore_errors: true
    - name: none
      dbaudit.postgresql.logs_subscription_filter:
        log_group_names: []
        filter_name: x
        filter_pattern: ""
        destination_arn: "{{ lambda }}"
"""


def test_one_form_at_a_time_and_an_empty_list_changes_nothing(playbook, destinations):
    run = playbook(BOTH_FORMS, extra_vars=destinations)
    assert "mutually exclusive: log_group_name|log_group_names" in run.result("both")["msg"]
    assert "one of the following is required: log_group_name, log_group_names" in run.result("neither")["msg"]
    assert (run.result("none")["changed"], run.result("none")["log_groups"]) == (False, [])


def test_throttled_calls_are_retried_until_every_group_has_the_filter(playbook, logs, destinations, more_groups,
                                                                      emulator_config):
    # CloudWatch Logs allows 5 DescribeSubscriptionFilters and 5 PutSubscriptionFilter a second per account and
    # region; a list of groups meets that quota, and each call backs off and retries on its throttling error.
    emulator_config({"throttle_rate": 0.6, "throttle_services": ["logs"], "seed": 13})
    variables = {"log_groups": more_groups, "filter_name": "pgaudit-alerts", "pattern": PATTERN,
                 "destination": destinations["lambda"]}
    run = playbook(MANY, extra_vars=variables)
    result = run.result("filters")
    assert result["changed"] is True and not result.get("failed"), run.explain()
    emulator_config({"throttle_rate": 0.0})
    assert all(filters_of(logs, group)["pgaudit-alerts"]["filterPattern"] == PATTERN for group in more_groups)
