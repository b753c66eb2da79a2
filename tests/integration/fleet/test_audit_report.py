"""audit_report.yml after enable_audit: every cluster reported with what is there and no drift, read without
a single write call and in bulk; then a drifted parameter group and a reset role setting are reported as
exactly those differences, and dbaudit_fail_on_drift makes the run fail."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile

import pytest
from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook
from psycopg2 import sql

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
REPORT = CHECKOUT / "playbooks" / "audit_report.yml"


@pytest.fixture(scope="module")
def fleet(sandbox_env, tmp_path_factory):
    """Two clusters converged by enable_audit, with an application role on profile strict."""
    import boto3
    import psycopg2

    aws, pg = sandbox_env["aws"], sandbox_env["postgres"]
    rds = boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                       aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])
    suffix = uuid.uuid4().hex[:8]
    clusters = [f"rep-a-{suffix}", f"rep-b-{suffix}"]
    role = f"rep_app_{suffix}"
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], dbname="postgres", user=pg["user"],
                            password=pg["password"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    for name in clusters:
        make_cluster(rds, name)
    inventory = tmp_path_factory.mktemp("inventory") / "inventory.yml"
    policies = [{"role": role, "profile": "strict", "database": "postgres"}]
    write_inventory(inventory, sandbox_env, {name: {"dbaudit_role_policies": policies} for name in clusters})
    converge = run_playbook(ENABLE, sandbox_env, inventory=inventory)
    assert converge.rc == 0, converge.explain()
    yield dict(rds=rds, clusters=clusters, role=role, inventory=inventory, admin=conn)
    conn.close()


def report_of(run, output_dir):
    assert (output_dir / "audit_report.json").exists(), run.explain()
    return json.loads((output_dir / "audit_report.json").read_text())


def test_report_of_a_converged_fleet(fleet, sandbox_env, emulator_config, tmp_path):
    emulator_config({"reset_stats": True})
    run = run_playbook(REPORT, sandbox_env, inventory=fleet["inventory"],
                       extra_vars={"dbaudit_report_dir": str(tmp_path), "dbaudit_fail_on_drift": True})
    stats = emulator_config({})["stats"]
    assert run.rc == 0, run.explain()
    report = report_of(run, tmp_path)
    assert [row["host"] for row in report["clusters"]] == fleet["clusters"]
    assert report["clusters_with_drift"] == 0
    for row in report["clusters"]:
        assert row["drift"] == [] and row["found"]
        assert row["parameter_group_custom"] and row["pgaudit_preloaded"] and row["pending_reboot"] == []
        assert row["pgaudit_parameters"]["pgaudit.role"] == "rds_pgaudit"
        assert row["extension"]["postgres"] and row["log_export"] and row["log_retention_days"] == 7
        assert row["activity_stream"] == {"status": "started", "mode": "async"}
        [setting] = [s for s in row["role_settings"] if s["role"] == fleet["role"]]
        assert setting["database"] == "postgres" and setting["pgaudit.log"] == "role,ddl,write"
    # Read only, and in bulk: no write call at all; one describe of the clusters for the fleet.
    assert stats["writes"] == 0, stats["operations"]
    assert stats["operations"]["rds:DescribeDBClusters"] == 1
    assert stats["operations"]["rds:DescribeDBClusterParameters"] == len(fleet["clusters"])  # one group each
    page = (tmp_path / "audit_report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and fleet["clusters"][0] in page
    assert not re.search(r"<script|<link|src=|href=|url\(", page)
    assert fleet["clusters"][1] in (tmp_path / "audit_report.md").read_text()


def test_drift_is_reported_as_exactly_what_changed_and_fails_when_asked(fleet, sandbox_env, tmp_path):
    rds, (steady, drifted), role = fleet["rds"], fleet["clusters"], fleet["role"]
    group = rds.describe_db_clusters(DBClusterIdentifier=drifted)["DBClusters"][0]["DBClusterParameterGroup"]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "pgaudit.log_catalog", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    with fleet["admin"].cursor() as cursor:
        cursor.execute(sql.SQL("ALTER ROLE {} IN DATABASE postgres SET pgaudit.log = 'role'").format(
            sql.Identifier(role)))
    try:
        run = run_playbook(REPORT, sandbox_env, inventory=fleet["inventory"],
                           extra_vars={"dbaudit_report_dir": str(tmp_path), "dbaudit_fail_on_drift": True})
        report = report_of(run, tmp_path)
    finally:
        rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
            {"ParameterName": "pgaudit.log_catalog", "ParameterValue": "0", "ApplyMethod": "immediate"}])
        with fleet["admin"].cursor() as cursor:
            cursor.execute(sql.SQL("ALTER ROLE {} IN DATABASE postgres SET pgaudit.log = 'role,ddl,write'").format(
                sql.Identifier(role)))

    assert run.rc != 0
    drift = {row["host"]: row["drift"] for row in report["clusters"]}
    role_drift = f"role {role} in database postgres: pgaudit.log is role (profile strict: role,ddl,write)"
    # Both clusters map to the one sandbox database, so the role setting drifts for both.
    assert drift[steady] == [role_drift]
    assert drift[drifted] == [f"parameter group {group}: pgaudit.log_catalog is 1 (policy: 0)", role_drift]
    assert report["clusters_with_drift"] == 2


def test_a_misspelled_profile_is_drift_never_compliance(fleet, sandbox_env, tmp_path):
    """A policy naming a profile that does not exist cannot be compared: reported as an unresolvable policy for
    that cluster (role, database, the name, the known profiles) and failing the run, never as no drift."""
    steady, misspelled = fleet["clusters"]
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {
        steady: {"dbaudit_role_policies": [{"role": fleet["role"], "profile": "strict", "database": "postgres"}]},
        misspelled: {"dbaudit_role_policies": [{"role": fleet["role"], "profile": "stricct", "database": "postgres"}]}})
    run = run_playbook(REPORT, sandbox_env, inventory=inventory,
                       extra_vars={"dbaudit_report_dir": str(tmp_path), "dbaudit_fail_on_drift": True})
    report = report_of(run, tmp_path)
    drift = {row["host"]: row["drift"] for row in report["clusters"]}
    assert drift == {steady: [], misspelled: [
        f"role {fleet['role']} in database postgres: unresolvable policy: profile stricct is not defined in "
        "dbaudit_audit_profiles (known profiles: baseline, full, strict)"]}
    assert run.rc != 0 and "1 cluster(s) drift from policy" in run.stdout


def test_shared_preload_libraries_of_a_group_that_sets_none_is_the_engine_default(fleet, sandbox_env, tmp_path,
                                                                                  emulator_config, unique_name):
    """A cluster on the default group (it sets no shared_preload_libraries) shows what the engine preloads
    (the catalog's default, pg_stat_statements), read once per family; not []."""
    fresh = [unique_name("rep-def-"), unique_name("rep-def-")]
    for name in fresh:
        make_cluster(fleet["rds"], name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {} for name in fresh})
    emulator_config({"reset_stats": True})
    run = run_playbook(REPORT, sandbox_env, inventory=inventory, extra_vars={"dbaudit_report_dir": str(tmp_path)})
    stats = emulator_config({})["stats"]
    assert run.rc == 0, run.explain()
    for row in report_of(run, tmp_path)["clusters"]:
        assert row["parameter_group"] == "default.aurora-postgresql15" and not row["pgaudit_preloaded"]
        assert row["shared_preload_libraries"] == ["pg_stat_statements"]
        assert row["shared_preload_libraries_source"] == "engine-default"
        assert ("parameter group default.aurora-postgresql15: shared_preload_libraries 'pg_stat_statements' "
                "lacks pgaudit") in row["drift"]
    # One family, read once (paginated: the catalog holds more than a page of cluster parameters).
    pages = stats["operations"]["rds:DescribeEngineDefaultClusterParameters"]
    assert 1 <= pages <= 4, stats["operations"]


def test_alerting_that_does_not_reach_a_cluster_is_drift(fleet, sandbox_env, aws_client, tmp_path, unique_name):
    """The decrypt function's policy, left by a concurrent run without one cluster's stream, key and resource
    id, is drift naming that cluster; the other cluster, still named and mapped, has none. The DAS alerting
    stack is not deployed here (slow): its decrypt role, policy, function and event source mappings are made
    with boto3 against the emulator, as roles/das_alerting names them, to test what the report reads."""
    iam, lam, kinesis, kms = (aws_client(s) for s in ("iam", "lambda", "kinesis", "kms"))
    covered, dropped = fleet["clusters"]
    pipeline = unique_name("rep-das-")
    function = f"{pipeline}-decrypt"
    streams, keys, resource_ids = {}, {}, {}
    for name in fleet["clusters"]:
        cluster = fleet["rds"].describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
        stream = kinesis.describe_stream_summary(StreamName=cluster["ActivityStreamKinesisStreamName"])
        streams[name] = stream["StreamDescriptionSummary"]["StreamARN"]
        keys[name] = kms.describe_key(KeyId=cluster["ActivityStreamKmsKeyId"])["KeyMetadata"]["Arn"]
        resource_ids[name] = cluster["DbClusterResourceId"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role_arn = iam.create_role(RoleName=function, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # What a concurrent run leaves: the policy names only the covered cluster.
    iam.put_role_policy(RoleName=function, PolicyName=function, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "ReadActivityStreams", "Effect": "Allow", "Action": ["kinesis:GetRecords", "kinesis:ListShards"],
             "Resource": [streams[covered]]},
            {"Sid": "DecryptActivityDataKeys", "Effect": "Allow", "Action": ["kms:Decrypt"],
             "Resource": [keys[covered]],
             "Condition": {"StringEquals": {"kms:EncryptionContext:aws:rds:dbc-id": [resource_ids[covered]]}}}]}))
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    lam.create_function(FunctionName=function, Runtime="python3.12", Role=role_arn, Handler="handler.handler",
                        Code={"ZipFile": package.getvalue()})
    for name in fleet["clusters"]:
        lam.create_event_source_mapping(EventSourceArn=streams[name], FunctionName=function,
                                        StartingPosition="LATEST", Enabled=False)
    run = run_playbook(REPORT, sandbox_env, inventory=fleet["inventory"],
                       extra_vars={"dbaudit_report_dir": str(tmp_path), "dbaudit_fail_on_drift": True,
                                   "dbaudit_das_alerting_enabled": "true", "dbaudit_das_alerting_name": pipeline})
    report = report_of(run, tmp_path)
    drift = {row["host"]: row["drift"] for row in report["clusters"]}
    stream_name = streams[dropped].rsplit("/", 1)[-1]
    key_id = keys[dropped].rsplit("/", 1)[-1]
    assert drift == {covered: [], dropped: [
        f"alerting does not reach cluster {dropped}: the decrypt function's policy {function} does not name its "
        f"activity stream {stream_name}",
        f"alerting does not reach cluster {dropped}: the decrypt function's policy {function} does not allow "
        f"kms:Decrypt with its stream key {key_id} for resource id {resource_ids[dropped]}"]}
    assert run.rc != 0
    # The pipeline's bucket and delivery stream were not made here: hardening warnings, not drift.
    warnings = report["hardening"]["warnings"]
    assert any(w.startswith(f"pipeline {pipeline}: bucket ") and w.endswith("does not exist") for w in warnings)
