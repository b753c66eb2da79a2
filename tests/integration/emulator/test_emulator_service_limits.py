"""The size limits a fleet meets, refused by the emulator as by AWS: the inline policies of one IAM role
(10,240 characters without whitespace), a Lambda function's resource policy (20,480 bytes), two subscription
filters per log group. The per-cluster designs the alerting roles had before (a stream ARN per cluster in the
decrypt role's policy, a Lambda permission per log group) are refused past about 45-66 clusters."""

from __future__ import annotations

import io
import json
import zipfile

from emulator_testing import error_of

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def stream_policy(clusters: int, indent: int | None = None) -> str:
    """The old decrypt policy's growing part: one Kinesis stream ARN per cluster (resource ids as RDS's)."""
    streams = [f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/aws-rds-das-cluster-{n:026d}" for n in range(clusters)]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadActivityStreams", "Effect": "Allow", "Action": ["kinesis:GetRecords"], "Resource": streams}]},
        indent=indent)


def test_role_inline_policies_over_10240_characters_are_refused(aws_client, unique_name):
    iam = aws_client("iam")
    role = unique_name("limit-role-")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)

    # Whitespace is not counted: an indented document under the limit is taken.
    assert len(stream_policy(90, indent=8)) > 10240
    iam.put_role_policy(RoleName=role, PolicyName="streams", PolicyDocument=stream_policy(90, indent=8))

    code, status, message = error_of(iam.put_role_policy, RoleName=role, PolicyName="streams",
                                     PolicyDocument=stream_policy(120))
    assert (code, status) == ("LimitExceeded", 409)
    assert message == f"Maximum policy size of 10240 bytes exceeded for role {role}"

    # All inline policies of the role count together; replacing a policy counts only its new version.
    code, _status, _message = error_of(iam.put_role_policy, RoleName=role, PolicyName="more",
                                       PolicyDocument=stream_policy(60))
    assert code == "LimitExceeded"
    iam.put_role_policy(RoleName=role, PolicyName="streams", PolicyDocument=stream_policy(10))
    iam.put_role_policy(RoleName=role, PolicyName="more", PolicyDocument=stream_policy(60))
    assert sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]) == ["more", "streams"]


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def new_function(aws_client, name: str) -> str:
    """A function of that name (and its role), to add permissions to."""
    role_arn = aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    aws_client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role_arn,
                                         Handler="handler.handler", Code={"ZipFile": function_zip()})
    return name


def test_lambda_resource_policy_over_20480_bytes_is_refused(aws_client, unique_name):
    lambda_, name = aws_client("lambda"), new_function(aws_client, unique_name("limit-fn-"))

    # One permission per cluster's log group, as pgaudit_alerting added them before.
    added = 0
    for number in range(100):
        cluster = f"fleet-cluster-{number:03d}"
        try:
            lambda_.add_permission(
                FunctionName=name, StatementId=f"logs-cluster-{cluster}", Action="lambda:InvokeFunction",
                Principal="logs.amazonaws.com", SourceAccount=ACCOUNT,
                SourceArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/rds/cluster/{cluster}/postgresql:*")
        except lambda_.exceptions.ClientError as error:
            assert error.response["Error"]["Code"] == "PolicyLengthExceededException"
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            assert error.response["Error"]["Message"].endswith("is bigger than the limit (20480).")
            break
        added += 1
    assert 35 <= added <= 66, added

    # The refused statement was not kept, and the policy stays under the limit.
    policy = lambda_.get_policy(FunctionName=name)["Policy"]
    assert len(json.loads(policy)["Statement"]) == added
    assert len(json.dumps(json.loads(policy), separators=(",", ":"))) <= 20480


def test_lambda_permission_with_a_statement_id_the_policy_holds_is_a_conflict(aws_client, unique_name):
    lambda_, name = aws_client("lambda"), new_function(aws_client, unique_name("sid-fn-"))
    permission = dict(FunctionName=name, StatementId="logs-rds-log-groups", Action="lambda:InvokeFunction",
                      Principal="logs.amazonaws.com", SourceAccount=ACCOUNT,
                      SourceArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/rds/*")
    lambda_.add_permission(**permission)
    code, status, message = error_of(lambda_.add_permission, **permission)
    assert (code, status) == ("ResourceConflictException", 409)
    assert "(logs-rds-log-groups) provided already exists" in message
    assert [s["Sid"] for s in json.loads(lambda_.get_policy(FunctionName=name)["Policy"])["Statement"]] == [
        "logs-rds-log-groups"]


def test_two_subscription_filters_per_log_group_and_either_can_be_updated(aws_client, unique_name):
    logs, kinesis = aws_client("logs"), aws_client("kinesis")
    group, stream = unique_name("/limit/group-"), unique_name("limit-stream-")
    logs.create_log_group(logGroupName=group)
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    destination = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{stream}"
    role = f"arn:aws:iam::{ACCOUNT}:role/logs-to-kinesis"
    for name in ("first", "second"):
        logs.put_subscription_filter(logGroupName=group, filterName=name, filterPattern="",
                                     destinationArn=destination, roleArn=role)

    code, status, _message = error_of(logs.put_subscription_filter, logGroupName=group, filterName="third",
                                      filterPattern="", destinationArn=destination, roleArn=role)
    assert (code, status) == ("LimitExceededException", 400)

    logs.put_subscription_filter(logGroupName=group, filterName="second", filterPattern="AUDIT",
                                 destinationArn=destination, roleArn=role)
    filters = logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    assert {f["filterName"]: f["filterPattern"] for f in filters} == {"first": "", "second": "AUDIT"}
