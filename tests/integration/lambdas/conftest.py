"""Fixtures of the Lambda integration tests: real KMS, Firehose -> S3, SNS -> SQS on the emulator.

moto cannot run Lambda functions (invocation needs Docker), so the handlers are called in this
process, with boto3 pointed at the emulator through ``AWS_ENDPOINT_URL`` exactly as the Lambda
runtime would configure it. Everything they call (KMS Decrypt with its encryption context,
Firehose DirectPut writing to S3, SNS delivering to an SQS subscriber) is the emulator's.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

LAMBDAS = Path(__file__).resolve().parents[3] / "lambdas"
for path in (LAMBDAS, LAMBDAS / "common"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

ACCOUNT = "123456789012"
FUNCTION_VARIABLES = ("DAS_RESOURCE_ID", "FIREHOSE_STREAM_NAME", "INTERNAL_USERS", "ALERT_RULES", "ALERT_TOPIC_ARN",
                      "ALERT_MODE", "ALERT_SUBJECT_PREFIX", "ALERT_WINDOW_SECONDS", "ALERT_INCLUDE_STATEMENT",
                      "LOG_SQL_TEXT", "DATA_KEY_CACHE_MAX_ENTRIES", "DATA_KEY_CACHE_MAX_AGE_SECONDS",
                      "DELIVERY_TIME_RESERVE_MS")


@dataclass
class AlertSink:
    """An SNS topic with an SQS queue subscribed: what a person's e-mail would receive."""

    topic_arn: str
    queue_url: str
    sqs: object

    def messages(self, expected: int = 1, timeout: float = 10.0) -> list[dict]:
        """The SNS notifications in the queue (Subject, Message), waiting for ``expected`` of them."""
        found: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in answer.get("Messages", []):
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            if len(found) >= expected and not answer.get("Messages"):
                break
        return found


@pytest.fixture
def lambda_environment(sandbox_env, monkeypatch):
    """Environment of a Lambda container pointed at the emulator; returns a setter for function config."""
    aws = sandbox_env["aws"]
    for name, value in {"AWS_ENDPOINT_URL": aws["endpoint_url"], "AWS_ACCESS_KEY_ID": aws["access_key_id"],
                        "AWS_SECRET_ACCESS_KEY": aws["secret_access_key"], "AWS_DEFAULT_REGION": aws["region"],
                        "AWS_REGION": aws["region"]}.items():
        monkeypatch.setenv(name, value)
    from das_decrypt import handler as das_handler
    from dbaudit_alerts import aws_clients

    from audit_alert import handler as alert_handler

    def reset():
        aws_clients.forget_clients()
        das_handler.reset_function()
        alert_handler.reset_function()

    def configure(**values):
        """Set exactly these function variables (the others unset) and start a fresh container."""
        for name in FUNCTION_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))
        reset()

    configure()
    yield configure
    reset()


@pytest.fixture
def kms_key(aws_client):
    return aws_client("kms").create_key(Description="das test key")["KeyMetadata"]["KeyId"]


@pytest.fixture
def firehose_to_s3(aws_client, unique_name):
    """A DirectPut delivery stream writing to a fresh bucket; returns (stream name, reader of delivered lines)."""
    s3, firehose = aws_client("s3"), aws_client("firehose")
    bucket = unique_name("das-events-")
    s3.create_bucket(Bucket=bucket)
    stream = unique_name("das-events-")
    firehose.create_delivery_stream(
        DeliveryStreamName=stream, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose",
                                            "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "activity/",
                                            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}})

    def delivered() -> list[dict]:
        lines = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                lines.extend(json.loads(line) for line in body.decode("utf-8").splitlines() if line)
        return lines

    yield stream, delivered
    firehose.delete_delivery_stream(DeliveryStreamName=stream)


@pytest.fixture
def alert_sink(aws_client, unique_name):
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic_arn = sns.create_topic(Name=unique_name("db-audit-alerts-"))["TopicArn"]
    queue_url = sqs.create_queue(QueueName=unique_name("alerts-"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return AlertSink(topic_arn, queue_url, sqs)
