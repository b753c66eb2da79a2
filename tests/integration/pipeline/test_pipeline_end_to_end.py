"""End to end on a real sandbox: pgAudit -> log shipper / DAS emitter -> the sandbox's Lambda runner.

The shipped zips (``python lambdas/build_zips.py``, roles/alerting_common/files/lambda/) are deployed to the emulator
with boto3: das_decrypt on the cluster's activity stream (Kinesis mapping, Firehose -> S3) and
audit_alert on the cluster's log group (subscription filter); both alert to an SNS topic with an
SQS queue subscribed. An audited user then runs a GRANT and a SELECT on the cluster's database of
the sandbox PostgreSQL. Nothing is mocked: the pipeline process of the sandbox runs the zips.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import psycopg2
import pytest
from harness import LogTail, wait_for
from psycopg2 import sql

from sandbox import fleet, inbox

CHECKOUT = Path(__file__).resolve().parents[3]
ZIPS = CHECKOUT / "roles" / "alerting_common" / "files" / "lambda"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sandbox-lambda"
AUDITED = "app_user"


def _zip(function: str) -> bytes:
    path = ZIPS / f"{function}-python3.12-x86_64.zip"
    if not path.exists():
        pytest.skip(f"{path} missing: run `python lambdas/build_zips.py` first")
    return path.read_bytes()


def _ensure_role(iam) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=ROLE_ARN.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust))


@pytest.fixture
def cluster(sandbox_env, aws_client, tmp_path):
    """demo-cluster-01 with its log export on and its activity stream started."""
    cluster_id = fleet.ensure(sandbox_env, 1, inventory=tmp_path / "fleet.yml")[0]
    rds, kms = aws_client("rds"), aws_client("kms")
    described = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    if "postgresql" not in described.get("EnabledCloudwatchLogsExports", []):
        rds.modify_db_cluster(DBClusterIdentifier=cluster_id, ApplyImmediately=True,
                              CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql"]})
    if described.get("ActivityStreamStatus") in (None, "stopped"):
        key = kms.create_key(Description="das key")["KeyMetadata"]["KeyId"]
        rds.start_activity_stream(ResourceArn=described["DBClusterArn"], Mode="async", KmsKeyId=key,
                                  ApplyImmediately=True)

    def started():
        current = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
        return current if current.get("ActivityStreamStatus") == "started" else None

    current = wait_for(started, timeout=30, interval=0.5)
    assert current, "the activity stream did not start"
    return current


@pytest.fixture
def deployed(sandbox_env, aws_client, unique_name, cluster):
    services = ("lambda", "sns", "sqs", "s3", "firehose", "logs")
    lam, sns, sqs, s3, firehose, logs = (aws_client(name) for name in services)
    _ensure_role(aws_client("iam"))
    topic = sns.create_topic(Name=unique_name("alerts-"))["TopicArn"]
    queue = sqs.create_queue(QueueName=unique_name("inbox-"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    bucket = unique_name("das-events-")
    s3.create_bucket(Bucket=bucket)
    delivery = unique_name("das-")
    firehose.create_delivery_stream(
        DeliveryStreamName=delivery, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE_ARN, "BucketARN": f"arn:aws:s3:::{bucket}",
                                            "Prefix": "activity/"})
    resource_id = cluster["DbClusterResourceId"]
    names = {}
    for function, variables in (
            ("das_decrypt", {"FIREHOSE_STREAM_NAME": delivery, "ALERT_TOPIC_ARN": topic,
                             "ALERT_SUBJECT_PREFIX": "[das]"}),
            ("audit_alert", {"ALERT_TOPIC_ARN": topic, "ALERT_SUBJECT_PREFIX": "[pgaudit]"})):
        name = unique_name(function.replace("_", "-") + "-")
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE_ARN, Timeout=60,
                            Handler=f"{function}.handler.handler", Code={"ZipFile": _zip(function)},
                            Environment={"Variables": variables})
        names[function] = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    stream_arn = f"arn:aws:kinesis:{sandbox_env['aws']['region']}:{ACCOUNT}:stream/aws-rds-das-{resource_id}"
    pipeline_log = LogTail(sandbox_env["pipeline"]["log_file"])
    mapping = lam.create_event_source_mapping(FunctionName=names["das_decrypt"], EventSourceArn=stream_arn,
                                              StartingPosition="LATEST", BatchSize=100,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    group = f"/aws/rds/cluster/{cluster['DBClusterIdentifier']}/postgresql"
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    logs.put_subscription_filter(logGroupName=group, filterName=unique_name("audit-"),
                                 filterPattern='"AUDIT:"', destinationArn=names["audit_alert"])
    # The mapping starts at LATEST, so nothing may be logged before the runner holds an iterator on the stream:
    # wait for its first invocation of the function (on a heartbeat). A fixed pause is not enough once earlier
    # tests have left functions behind, whose invocations make each of the runner's polls take seconds.
    decrypt_name = names["das_decrypt"].rsplit(":", 1)[1]
    seen = []
    assert wait_for(lambda: seen.append(pipeline_log.read()) or f'"invocation": "{decrypt_name}"' in "".join(seen),
                    timeout=120, interval=0.5), "the pipeline never invoked the mapped function"
    time.sleep(2)  # and one more poll for the subscription filter

    def delivered():
        lines = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8")
                lines.extend(json.loads(line) for line in body.splitlines() if line)
        return lines

    yield {"queue": queue, "sqs": sqs, "delivered": delivered, "cluster_id": cluster["DBClusterIdentifier"],
           "database": fleet.database_for(cluster["DBClusterIdentifier"])}
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    for arn in names.values():
        lam.delete_function(FunctionName=arn)


def _as_audited_user(sandbox_env, database: str, statements: list[str]) -> None:
    pg = sandbox_env["postgres"]
    admin = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"],
                             dbname=database)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET pgaudit.log = 'role, read'").format(
            sql.Identifier(AUDITED), sql.Identifier(database)))
    admin.close()
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=AUDITED, dbname=database,
                            password=fleet.app_password(sandbox_env, AUDITED))
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    conn.close()


def test_grant_alerts_from_both_paths_select_does_not(sandbox_env, deployed):
    marker = f"pipeline_{int(time.time())}"
    _as_audited_user(sandbox_env, deployed["database"],
                     [f"SELECT '{marker}' AS marker, count(*) FROM orders",
                      f"GRANT SELECT ON orders TO report_user /* {marker} */"])
    received: list[dict] = []

    def both_paths():
        received.extend(inbox.read_messages(deployed["sqs"], deployed["queue"], wait_seconds=1, max_batches=2))
        subjects = " ".join(item["subject"] or "" for item in received)
        return "[das]" in subjects and "[pgaudit]" in subjects

    assert wait_for(both_paths, timeout=90, interval=1), f"alerts received: {received}"
    alerts = inbox.format_messages(received)
    assert "GRANT" in alerts
    assert not any("SELECT '" + marker in item["message"] for item in received), alerts
    # Both paths name the cluster as a DBA knows it (das_decrypt looks it up from the stream's resource id).
    for item in received:
        assert f"Cluster: {deployed['cluster_id']}" in " ".join(item["message"].split()), item["message"]

    def session_in_s3():
        events = [event for event in deployed["delivered"]() if marker in (event.get("commandText") or "")]
        commands = {event.get("command") for event in events}
        return events if {"GRANT", "SELECT"} <= commands else None

    events = wait_for(session_in_s3, timeout=90, interval=1)
    assert events, f"S3 holds: {deployed['delivered']()[-5:]}"
    grant = next(event for event in events if event["command"] == "GRANT")
    assert grant["dbUserName"] == AUDITED and grant["class"] == "ROLE"
