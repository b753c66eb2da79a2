"""module_utils.rds: calls through botocore's Stubber (pagination, batches, one error path that
names the call and the resource, throttling retried), member summaries, reboot order, the waiter;
module_utils.rds_activity_stream: key references and refusals."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import rds  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import rds_activity_stream as das  # noqa: E402

KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:eu-west-1:123456789012:key/{KEY}"
CLUSTER_ARN = "arn:aws:rds:eu-west-1:123456789012:cluster:prod-db"


@pytest.fixture
def client():
    return boto3.client("rds", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def test_describe_parameters_reads_every_page(client):
    with Stubber(client) as stub:
        stub.add_response("describe_db_cluster_parameters",
                          {"Parameters": [{"ParameterName": "a"}], "Marker": "m1"},
                          {"DBClusterParameterGroupName": "g", "MaxRecords": 100})
        stub.add_response("describe_db_cluster_parameters", {"Parameters": [{"ParameterName": "b"}]},
                          {"DBClusterParameterGroupName": "g", "MaxRecords": 100, "Marker": "m1"})
        assert [p["ParameterName"] for p in rds.describe_parameters(client, "cluster", "g")] == ["a", "b"]
        stub.assert_no_pending_responses()


def test_engine_defaults_read_every_page(client):
    with Stubber(client) as stub:
        stub.add_response("describe_engine_default_parameters",
                          {"EngineDefaults": {"Parameters": [{"ParameterName": "a"}], "Marker": "m"}},
                          {"DBParameterGroupFamily": "postgres16", "MaxRecords": 100})
        stub.add_response("describe_engine_default_parameters",
                          {"EngineDefaults": {"Parameters": [{"ParameterName": "b"}]}},
                          {"DBParameterGroupFamily": "postgres16", "MaxRecords": 100, "Marker": "m"})
        defaults = rds.describe_engine_defaults(client, "instance", "postgres16")
        assert [p["ParameterName"] for p in defaults] == ["a", "b"]


def test_modify_sends_batches_of_twenty(client):
    changes = [{"name": f"p{i}", "after": "1", "apply_method": "pending-reboot"} for i in range(25)]
    with Stubber(client) as stub:
        for batch in (changes[:20], changes[20:]):
            stub.add_response("modify_db_parameter_group", {"DBParameterGroupName": "g"}, {
                "DBParameterGroupName": "g",
                "Parameters": [{"ParameterName": c["name"], "ParameterValue": "1", "ApplyMethod": "pending-reboot"}
                               for c in batch]})
        rds.modify_parameters(client, "instance", "g", changes)
        stub.assert_no_pending_responses()


def test_errors_name_the_call_and_the_resource(client):
    with Stubber(client) as stub:
        stub.add_client_error("modify_db_cluster_parameter_group", "InvalidParameterValue",
                              "Could not find parameter with name: pgaudit.logg")
        with pytest.raises(rds.AnsibleRDSError) as raised:
            rds.modify_parameters(client, "cluster", "audit-pg", [{"name": "pgaudit.logg", "after": "ddl",
                                                                   "apply_method": "immediate"}])
    assert raised.value.message == "Failed to modify cluster parameter group audit-pg"
    assert rds.error_code(raised.value.exception) == "InvalidParameterValue"


def test_throttling_is_retried(client):
    with Stubber(client) as stub:
        for _unused in range(3):
            stub.add_client_error("describe_db_clusters", "Throttling", "Rate exceeded", http_status_code=400)
        stub.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "prod-db"}]})
        assert rds.describe_cluster(client, "prod-db")["DBClusterIdentifier"] == "prod-db"


def test_missing_resources_are_none(client):
    with Stubber(client) as stub:
        stub.add_client_error("describe_db_clusters", "DBClusterNotFoundFault", "not found", http_status_code=404)
        stub.add_client_error("describe_db_parameter_groups", "DBParameterGroupNotFound", "nf", http_status_code=404)
        stub.add_client_error("delete_db_cluster_parameter_group", "DBParameterGroupNotFound", "nf",
                              http_status_code=404)
        assert rds.describe_cluster(client, "gone") is None
        assert rds.describe_parameter_group(client, "instance", "gone") is None
        assert rds.delete_parameter_group(client, "cluster", "gone") is False


def test_stopping_a_stopped_stream_is_no_error(client):
    with Stubber(client) as stub:
        stub.add_client_error("stop_activity_stream", "InvalidParameterCombination",
                              "The activity stream is expected to be started, but is stopped")
        stub.add_response("stop_activity_stream", {"Status": "stopping"})
        stub.add_client_error("stop_activity_stream", "InvalidDBClusterStateFault", "busy")
        assert rds.stop_activity_stream(client, CLUSTER_ARN, True) is False
        assert rds.stop_activity_stream(client, CLUSTER_ARN, True) is True
        with pytest.raises(rds.AnsibleRDSError, match=f"stop the activity stream of {CLUSTER_ARN}"):
            rds.stop_activity_stream(client, CLUSTER_ARN, True)


def _instance(identifier, apply_status="in-sync", status="available", klass="db.r6g.large"):
    return {"DBInstanceIdentifier": identifier, "DBInstanceStatus": status, "DBInstanceClass": klass,
            "DBParameterGroups": [{"DBParameterGroupName": "g", "ParameterApplyStatus": apply_status}]}


CLUSTER = {"DBClusterIdentifier": "c", "DBClusterMembers": [
    {"DBInstanceIdentifier": "c-1", "IsClusterWriter": True, "DBClusterParameterGroupStatus": "pending-reboot"},
    {"DBInstanceIdentifier": "c-3", "IsClusterWriter": False, "DBClusterParameterGroupStatus": "pending-reboot"},
    {"DBInstanceIdentifier": "c-2", "IsClusterWriter": False, "DBClusterParameterGroupStatus": "in-sync"},
]}


def test_members_pending_and_reboot_order():
    members = rds.cluster_members(CLUSTER, [_instance("c-3"), _instance("c-1"), _instance("c-2", "pending-reboot")])
    assert [(m["db_instance_identifier"], m["writer"], m["pending_reboot"]) for m in members] == [
        ("c-1", True, True), ("c-2", False, True), ("c-3", False, True)]
    assert [m["db_instance_identifier"] for m in rds.reboot_order(members)] == ["c-2", "c-3", "c-1"]
    assert not rds.is_settled(members[0])
    standalone = rds.cluster_members(None, [_instance("solo")])[0]
    assert standalone["writer"] and rds.is_settled(standalone) and not standalone["pending_reboot"]
    assert not rds.is_settled(rds.cluster_members(None, [_instance("solo", status="rebooting")])[0])
    assert not rds.is_settled(rds.cluster_members(None, [_instance("solo", apply_status="applying")])[0])


def test_wait_for_polls_until_done_and_times_out_naming_what():
    seen = iter(["rebooting", "rebooting", "available"])
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    assert rds.wait_for(lambda: next(seen), lambda s: s == "available", "x", 60, sleep=sleep,
                        clock=lambda: now[0]) == "available"
    assert sleeps == [1.0, 1.5]
    with pytest.raises(rds.AnsibleRDSError, match=r"Timeout after 10s waiting for c-1 to reboot; last seen: 'reb"):
        rds.wait_for(lambda: "rebooting", lambda s: False, "c-1 to reboot", 10, sleep=sleep, clock=lambda: now[0])


@pytest.mark.parametrize("value, identifier", [
    (CLUSTER_ARN, "prod-db"), ("prod-db", "prod-db"), ("arn:aws:rds:eu-west-1:123456789012:db:solo", "solo")])
def test_identifier_from_arn(value, identifier):
    assert rds.identifier_from_arn(value) == identifier


@pytest.mark.parametrize("reference, key_id", [
    (KEY, KEY), (KEY_ARN, KEY), ("mrk-" + "a" * 32, "mrk-" + "a" * 32),
    ("alias/das", None), ("arn:aws:kms:eu-west-1:123456789012:alias/das", None), (None, None), ("", None)])
def test_key_id_from_reference(reference, key_id):
    assert das.key_id_from_reference(reference) == key_id


def test_cluster_refusals():
    aurora = {"DBClusterIdentifier": "c", "Engine": "aurora-postgresql", "EngineMode": "provisioned"}
    assert das.cluster_refusals(aurora, [_instance("c-1")]) == []
    assert "pgAudit" in das.cluster_refusals(dict(aurora, Engine="postgres"), [])[0]
    assert "Aurora PostgreSQL" in das.cluster_refusals(dict(aurora, Engine="aurora-mysql"), [])[0]
    assert "Serverless v1" in das.cluster_refusals(dict(aurora, EngineMode="serverless"), [])[0]
    assert "Serverless v2" in das.cluster_refusals(aurora, [_instance("c-1", klass="db.serverless")])[0]
    refusal = das.cluster_refusals(aurora, [_instance("c-1"), _instance("c-2", klass="db.t4g.medium")])
    assert len(refusal) == 1 and "c-2 (db.t4g.medium)" in refusal[0]


def test_key_refusals():
    customer = {"KeyId": KEY, "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "KeyState": "Enabled"}
    assert das.key_refusals("alias/das", customer) == []
    assert "no such KMS key" in das.key_refusals("alias/gone", None)[0]
    assert "AWS managed" in das.key_refusals(KEY, dict(customer, KeyManager="AWS"))[0]
    assert "AWS managed" in das.key_refusals("alias/aws/rds", customer)[0]
    assert "AWS managed" in das.key_refusals("arn:aws:kms:eu-west-1:123456789012:alias/aws/rds", customer)[0]
    assert "symmetric" in das.key_refusals(KEY, dict(customer, KeySpec="RSA_2048"))[0]
    assert "Disabled" in das.key_refusals(KEY, dict(customer, KeyState="Disabled"))[0]


def test_restart_reasons_and_described_stream():
    cluster = {"ActivityStreamStatus": "started", "ActivityStreamMode": "async", "ActivityStreamKmsKeyId": KEY,
               "ActivityStreamKinesisStreamName": "aws-rds-das-cluster-X", "DbClusterResourceId": "cluster-X"}
    current = das.described_stream(cluster)
    assert current == {"status": "started", "mode": "async", "kms_key_id": KEY,
                       "kinesis_stream_name": "aws-rds-das-cluster-X"}
    assert das.stream_kinesis_name(cluster) == "aws-rds-das-cluster-X"
    assert das.restart_reasons(current, "async", KEY) == []
    assert das.restart_reasons(current, "async", None) == []
    assert len(das.restart_reasons(current, "sync", "other")) == 2
    assert das.described_stream({})["status"] == "stopped"
