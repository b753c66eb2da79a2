"""A DDL alert rule gets its lines: the subscription filter derived from the rules (what pgaudit_alerting subscribes
with when dbaudit_pgaudit_alerting_filter_pattern is empty) lets a DDL pgAudit line of the real sandbox PostgreSQL
through the sandbox pipeline (which applies filter patterns as CloudWatch Logs does; moto ignores them) to the
deployed audit_alert zip, which alerts; a SELECT is neither let through nor alerted. Nothing is mocked."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from harness import wait_for
from psycopg2 import sql

from sandbox import fleet, inbox

CHECKOUT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alert_filter_pattern import (  # noqa: E402
    derived_filter_pattern)

ZIP = CHECKOUT / "roles" / "alerting_common" / "files" / "lambda" / "audit_alert-python3.12-x86_64.zip"
ROLE_ARN = "arn:aws:iam::123456789012:role/sandbox-lambda"
AUDITED = "app_user"
RULES = [{"name": "role-changes", "classes": ["ROLE"]}, {"name": "schema-changes", "classes": ["DDL"]}]


def test_ddl_rule_gets_ddl_lines_through_the_derived_filter(sandbox_env, aws_client, unique_name):
    if not ZIP.exists():
        pytest.skip(f"{ZIP} missing: run `python lambdas/build_zips.py` first")
    pattern = derived_filter_pattern(RULES)
    assert pattern == '?",DDL," ?",ROLE,"'
    lam, sns, sqs, logs, rds, iam = (aws_client(n) for n in ("lambda", "sns", "sqs", "logs", "rds", "iam"))
    # A cluster of its own: a log group takes two subscription filters, and the fleet's first cluster already
    # carries the alerting roles' filters when other suites ran first.
    cluster_id = fleet.ensure_clusters(sandbox_env, [unique_name("ddl-cluster-")])[0]
    rds.modify_db_cluster(DBClusterIdentifier=cluster_id, ApplyImmediately=True,
                          CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql"]})
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=ROLE_ARN.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust))
    topic = sns.create_topic(Name=unique_name("ddl-alerts-"))["TopicArn"]
    queue = sqs.create_queue(QueueName=unique_name("ddl-inbox-"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    function = unique_name("ddl-alert-")
    arn = lam.create_function(
        FunctionName=function, Runtime="python3.12", Role=ROLE_ARN, Timeout=60, Handler="audit_alert.handler.handler",
        Code={"ZipFile": ZIP.read_bytes()},
        Environment={"Variables": {"ALERT_TOPIC_ARN": topic, "ALERT_SUBJECT_PREFIX": "[ddl]",
                                   "ALERT_RULES": json.dumps(RULES)}})["FunctionArn"]
    group = f"/aws/rds/cluster/{cluster_id}/postgresql"
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    filter_name = unique_name("ddl-")
    logs.put_subscription_filter(logGroupName=group, filterName=filter_name, filterPattern=pattern,
                                 destinationArn=arn)
    try:
        time.sleep(3)  # one poll of the pipeline's subscription delivery
        marker = f"ddl_marker_{int(time.time())}"
        pg = sandbox_env["postgres"]
        database = fleet.database_for(cluster_id)
        admin = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"],
                                 dbname=database)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET pgaudit.log = 'ddl, read'").format(
                sql.Identifier(AUDITED), sql.Identifier(database)))
        admin.close()
        conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=AUDITED, dbname=database,
                                password=fleet.app_password(sandbox_env, AUDITED))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"SELECT '{marker}_read' AS marker")
            cur.execute(sql.SQL("CREATE TEMP TABLE {} (id int)").format(sql.Identifier(marker)))
        conn.close()

        received: list[dict] = []

        def ddl_alert():
            received.extend(inbox.read_messages(sqs, queue, wait_seconds=1, max_batches=2))
            return any(marker in item["message"] and "schema-changes" in (item["subject"] or "") + item["message"]
                       for item in received)

        assert wait_for(ddl_alert, timeout=120, interval=1), f"alerts received: {inbox.format_messages(received)}"
        assert not any(f"{marker}_read" in item["message"] for item in received)
    finally:
        logs.delete_subscription_filter(logGroupName=group, filterName=filter_name)
        lam.delete_function(FunctionName=function)
