"""das_decrypt's alerts name the cluster a DBA knows, not only the resource id the activity stream carries.

The names come from the emulator's RDS over HTTP (``describe_db_clusters`` filtered by
``db-cluster-resource-id``, which the sandbox adds to moto); the records are real Encryption SDK messages
under data keys of the emulator's KMS, the alert goes through a real SNS topic into an SQS queue.
"""

from __future__ import annotations

import json

from botocore.exceptions import ClientError
from lambda_testing import LambdaContext

from sandbox import das_records


def make_cluster(rds, name: str) -> str:
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="15.4",
                          MasterUsername="postgres", MasterUserPassword="not-used-here")
    return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["DbClusterResourceId"]


def test_a_resource_id_is_named_once_per_container_and_a_miss_is_retried_later(
        lambda_environment, aws_client, unique_name):
    from das_decrypt.cluster_names import ClusterNames

    rds = aws_client("rds")
    name = unique_name("named-")
    resource_id = make_cluster(rds, name)
    make_cluster(rds, unique_name("other-"))
    now = [0.0]
    names = ClusterNames(rds, retry_seconds=60, clock=lambda: now[0])

    assert names.name(resource_id) == name
    assert names.name(resource_id) == name and names.calls == 1
    missing = "cluster-" + "Q" * 26
    assert names.name(missing) == "" and names.name(missing) == "" and names.calls == 2
    now[0] = 61.0
    assert names.name(missing) == "" and names.calls == 3
    assert names.name("prod-cluster") == "" and names.calls == 3  # not a resource id: nothing to look up


def test_a_refused_lookup_costs_the_name_not_the_alert():
    from das_decrypt.cluster_names import ClusterNames

    class Refusing:
        """Stands in for RDS answering AccessDenied: the emulator does not enforce IAM."""

        def describe_db_clusters(self, **_kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "DescribeDBClusters")

    names = ClusterNames(Refusing())
    assert names.name("cluster-ABC") == "" and names.name("cluster-ABC") == "" and names.calls == 1


def test_alert_shows_the_cluster_identifier_and_its_resource_id(
        lambda_environment, aws_client, kms_key, firehose_to_s3, alert_sink, unique_name):
    from das_decrypt import handler

    kms, rds = aws_client("kms"), aws_client("rds")
    name = unique_name("orders-")
    resource_id = make_cluster(rds, name)
    key = das_records.new_data_key(kms, kms_key, resource_id)
    grant = das_records.das_record([das_records.activity_event(**{
        "class": "ROLE", "command": "GRANT", "dbUserName": "mallory",
        "commandText": "GRANT SELECT ON cards TO mallory"})], key, cluster_id=resource_id)
    stream, _delivered = firehose_to_s3
    lambda_environment(FIREHOSE_STREAM_NAME=stream, ALERT_TOPIC_ARN=alert_sink.topic_arn,
                       ALERT_RULES=json.dumps([{"name": "role-changes", "classes": ["ROLE"]}]),
                       ALERT_SUBJECT_PREFIX="[db-audit-test]")

    assert handler.handler(das_records.kinesis_event([grant], resource_id), LambdaContext()) == {
        "batchItemFailures": []}

    (alert,) = alert_sink.messages(expected=1)
    assert alert["Subject"] == f"[db-audit-test] role-changes: GRANT by mallory@appdb on {name}"
    lines = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in alert["Message"].splitlines()
             if ":" in line}
    assert lines["Cluster"] == name and lines["clusterResourceId"] == resource_id
