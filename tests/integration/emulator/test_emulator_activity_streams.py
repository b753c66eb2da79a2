"""Database Activity Streams on the emulator: start/stop, the fields, the Kinesis stream and AWS's errors.

What AWS answers to start_activity_stream (abridged):
    {"KmsKeyId": "alias/das", "KinesisStreamName": "aws-rds-das-cluster-ABCD...", "Status": "starting",
     "Mode": "async", "ApplyImmediately": true}
"""

from __future__ import annotations

import pytest
from emulator_testing import describe_cluster, error_of, wait_until

from sandbox import aws_reads


@pytest.fixture
def kms_key(aws_client, unique_name):
    """A customer managed key with an alias: (key id, key ARN, alias name, alias ARN)."""
    kms = aws_client("kms")
    key = kms.create_key(Description="das")["KeyMetadata"]
    alias = f"alias/{unique_name('das-')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    alias_arn = key["Arn"].split(":key/")[0] + ":" + alias
    return key["KeyId"], key["Arn"], alias, alias_arn


def stream_fields(rds, cluster_id):
    cluster = describe_cluster(rds, cluster_id)
    return {name: value for name, value in cluster.items() if name.startswith("ActivityStream")}


def stream_names(aws_client):
    return aws_reads.kinesis_stream_names(aws_client("kinesis"))


@pytest.mark.parametrize("key_form", [0, 1, 2, 3], ids=["key-id", "key-arn", "alias", "alias-arn"])
def test_start_and_stop_with_any_form_of_key(rds, aws_client, make_cluster, kms_key, key_form):
    cluster = make_cluster()
    cluster_id, arn = cluster["DBClusterIdentifier"], cluster["DBClusterArn"]
    expected_stream = f"aws-rds-das-{cluster['DbClusterResourceId']}"
    assert stream_fields(rds, cluster_id) == {"ActivityStreamStatus": "stopped"}

    started = rds.start_activity_stream(ResourceArn=arn, Mode="async", KmsKeyId=kms_key[key_form],
                                        ApplyImmediately=True)
    assert (started["Status"], started["Mode"], started["KinesisStreamName"]) == ("starting", "async",
                                                                                  expected_stream)
    assert stream_fields(rds, cluster_id)["ActivityStreamStatus"] == "starting"
    assert describe_cluster(rds, cluster_id)["Status"] == "configuring-activity-stream"
    assert expected_stream in stream_names(aws_client)
    wait_until(lambda: stream_fields(rds, cluster_id)["ActivityStreamStatus"] == "started")
    assert stream_fields(rds, cluster_id) == {
        "ActivityStreamStatus": "started", "ActivityStreamMode": "async",
        "ActivityStreamKmsKeyId": kms_key[0], "ActivityStreamKinesisStreamName": expected_stream}
    assert describe_cluster(rds, cluster_id)["Status"] == "available"

    stopped = rds.stop_activity_stream(ResourceArn=arn, ApplyImmediately=True)
    assert (stopped["Status"], stopped["KinesisStreamName"], stopped["KmsKeyId"]) == (
        "stopping", expected_stream, kms_key[0])
    assert stream_fields(rds, cluster_id)["ActivityStreamStatus"] == "stopping"
    assert expected_stream not in stream_names(aws_client)
    wait_until(lambda: stream_fields(rds, cluster_id) == {"ActivityStreamStatus": "stopped"})


def test_started_twice_or_stopped_when_stopped(rds, make_cluster, kms_key):
    cluster = make_cluster()
    arn, cluster_id = cluster["DBClusterArn"], cluster["DBClusterIdentifier"]
    code, status, message = error_of(rds.stop_activity_stream, ResourceArn=arn, ApplyImmediately=True)
    assert (code, status) == ("InvalidParameterCombination", 400)
    assert message.endswith("expected to be started, but is stopped")

    rds.start_activity_stream(ResourceArn=arn, Mode="sync", KmsKeyId=kms_key[2], ApplyImmediately=False)
    assert error_of(rds.start_activity_stream, ResourceArn=arn, Mode="sync", KmsKeyId=kms_key[2],
                    ApplyImmediately=True)[:2] == ("InvalidDBClusterStateFault", 400)
    wait_until(lambda: stream_fields(rds, cluster_id)["ActivityStreamStatus"] == "started")
    assert stream_fields(rds, cluster_id)["ActivityStreamMode"] == "sync"
    with pytest.raises(rds.exceptions.InvalidDBClusterStateFault):
        rds.start_activity_stream(ResourceArn=arn, Mode="async", KmsKeyId=kms_key[2], ApplyImmediately=True)
    rds.stop_activity_stream(ResourceArn=arn, ApplyImmediately=True)
    wait_until(lambda: stream_fields(rds, cluster_id)["ActivityStreamStatus"] == "stopped")


def test_keys_that_cannot_be_used(rds, aws_client, make_cluster, unique_name):
    arn = make_cluster()["DBClusterArn"]
    for key in ("alias/aws/rds", f"alias/{unique_name('missing-')}", "0b0c3e3a-0000-4000-8000-000000000000"):
        code, status, _unused = error_of(rds.start_activity_stream, ResourceArn=arn, Mode="async", KmsKeyId=key,
                                         ApplyImmediately=True)
        assert (code, status) == ("KMSKeyNotAccessibleFault", 400), key
    kms = aws_client("kms")
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    assert error_of(rds.start_activity_stream, ResourceArn=arn, Mode="async", KmsKeyId=disabled,
                    ApplyImmediately=True)[0] == "KMSKeyNotAccessibleFault"
    assert describe_cluster(rds, arn.split(":")[-1])["ActivityStreamStatus"] == "stopped"


@pytest.mark.parametrize(("instance_classes", "cluster_kwargs"), [
    (("db.r6g.large", "db.t4g.medium"), {}),
    (("db.serverless",), {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2}}),
], ids=["burstable", "serverless-v2"])
def test_unsupported_clusters(rds, aws_client, make_cluster, kms_key, instance_classes, cluster_kwargs):
    cluster = make_cluster(instance_classes=instance_classes, **cluster_kwargs)
    code, status, _unused = error_of(rds.start_activity_stream, ResourceArn=cluster["DBClusterArn"], Mode="async",
                                     KmsKeyId=kms_key[0], ApplyImmediately=True)
    assert (code, status) == ("InvalidDBClusterStateFault", 400)
    assert f"aws-rds-das-{cluster['DbClusterResourceId']}" not in stream_names(aws_client)


def test_rds_for_postgresql_has_no_activity_streams(rds, unique_name, kms_key):
    instance_id = unique_name("pg-i-")
    instance = rds.create_db_instance(DBInstanceIdentifier=instance_id, Engine="postgres", EngineVersion="15.4",
                                      DBInstanceClass="db.m6g.large", MasterUsername="postgres",
                                      MasterUserPassword="not-used-1", AllocatedStorage=20)["DBInstance"]
    try:
        code, status, message = error_of(rds.start_activity_stream, ResourceArn=instance["DBInstanceArn"],
                                         Mode="async", KmsKeyId=kms_key[0], ApplyImmediately=True)
        assert (code, status) == ("InvalidDBInstanceState", 400) and "postgres" in message
    finally:
        rds.delete_db_instance(DBInstanceIdentifier=instance_id, SkipFinalSnapshot=True)


def test_unknown_cluster_and_modify_activity_stream(rds, make_cluster, kms_key):
    arn = make_cluster()["DBClusterArn"]
    missing = arn.rsplit(":", 1)[0] + ":no-such-cluster"
    assert error_of(rds.start_activity_stream, ResourceArn=missing, Mode="async", KmsKeyId=kms_key[0],
                    ApplyImmediately=True)[:2] == ("DBClusterNotFoundFault", 404)
    assert error_of(rds.stop_activity_stream, ResourceArn=missing, ApplyImmediately=True)[:2] == (
        "DBClusterNotFoundFault", 404)
    assert error_of(rds.modify_activity_stream, ResourceArn=arn, AuditPolicyState="locked")[0] == (
        "InvalidParameterCombination")
    assert error_of(rds.start_activity_stream, ResourceArn=arn, Mode="fast", KmsKeyId=kms_key[0],
                    ApplyImmediately=True)[0] == "InvalidParameterValue"


def test_held_start_and_stop_wait_for_the_maintenance_window(rds, aws_client, make_cluster, kms_key,
                                                             emulator_config, sandbox_env):
    from sandbox.emulator_control import run_maintenance_window

    emulator_config({"maintenance_window": "hold"})
    cluster = make_cluster()
    cluster_id, arn = cluster["DBClusterIdentifier"], cluster["DBClusterArn"]
    expected_stream = f"aws-rds-das-{cluster['DbClusterResourceId']}"

    rds.start_activity_stream(ResourceArn=arn, Mode="async", KmsKeyId=kms_key[2], ApplyImmediately=False)
    assert stream_fields(rds, cluster_id) == {"ActivityStreamStatus": "starting", "ActivityStreamMode": "async",
                                              "ActivityStreamKmsKeyId": kms_key[0]}
    assert describe_cluster(rds, cluster_id)["Status"] == "available"
    assert expected_stream not in stream_names(aws_client)
    assert error_of(rds.start_activity_stream, ResourceArn=arn, Mode="async", KmsKeyId=kms_key[0],
                    ApplyImmediately=False)[0] == "InvalidDBClusterStateFault"

    endpoint = sandbox_env["aws"]["endpoint_url"]
    assert cluster_id in run_maintenance_window(endpoint, [cluster_id])
    assert expected_stream in stream_names(aws_client)
    wait_until(lambda: stream_fields(rds, cluster_id)["ActivityStreamStatus"] == "started")
    assert stream_fields(rds, cluster_id)["ActivityStreamKinesisStreamName"] == expected_stream
    assert run_maintenance_window(endpoint, [cluster_id]) == []

    rds.stop_activity_stream(ResourceArn=arn, ApplyImmediately=False)
    assert stream_fields(rds, cluster_id)["ActivityStreamStatus"] == "stopping"
    assert describe_cluster(rds, cluster_id)["Status"] == "available"
    assert expected_stream in stream_names(aws_client)
    assert run_maintenance_window(endpoint, [cluster_id]) == [cluster_id]
    wait_until(lambda: stream_fields(rds, cluster_id) == {"ActivityStreamStatus": "stopped"})
    assert expected_stream not in stream_names(aws_client)
