"""Two job slices at once on a first run: two real ansible-playbook runs of das_alerting and pgaudit_alerting,
started together over the two halves of a four-cluster inventory (what an AWX job template with two slices does),
on an account where no alerting piece exists yet. Both must succeed, and every cluster of both halves must be
covered: the decrypt function may read its stream (the policy no run can shrink), an event source mapping per
stream, a subscription filter per log group, audit_alert invocable from the log groups; one key per alias.

The runs race for real against the emulator (moto over HTTP, threaded): KMS keys by alias, IAM roles, the topics,
the bucket, the delivery stream, the queue, the functions and the Lambda permission are all created by both."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from alerting_testing import PREPARE_CLUSTERS, inline_policy_statements, write_inventory
from harness import run_playbook

BOTH_ROLES = """
- name: Alerting of one slice
  hosts: all
  gather_facts: false
  roles:
    - role: dbaudit.postgresql.das_alerting
    - role: dbaudit.postgresql.pgaudit_alerting
"""


def boto(sandbox_env, service):
    import boto3

    aws = sandbox_env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


def test_two_slices_at_once_on_a_first_run_both_succeed_and_cover_every_cluster(sandbox_env, tmp_path):
    prefix = f"s{uuid.uuid4().hex[:8]}"
    clusters = [f"{prefix}-c{n}" for n in range(1, 5)]
    inventory = write_inventory(tmp_path, clusters, dbaudit_das_alerting_name=f"{prefix}-das",
                                dbaudit_pgaudit_alerting_name=f"{prefix}-pga")
    prepared = run_playbook(PREPARE_CLUSTERS, sandbox_env, inventory=inventory)
    assert prepared.rc == 0, prepared.explain()

    halves = [",".join(clusters[:2]), ",".join(clusters[2:])]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda half: run_playbook(BOTH_ROLES, sandbox_env, inventory=inventory,
                                                       args=["--limit", half]), halves))
    for run in runs:
        assert run.rc == 0, run.explain()

    iam, lam, rds, logs, kms = (boto(sandbox_env, s) for s in ("iam", "lambda", "rds", "logs", "kms"))
    account, region = boto(sandbox_env, "sts").get_caller_identity()["Account"], sandbox_env["aws"]["region"]
    read = {s["Sid"]: s for s in inline_policy_statements(iam, f"{prefix}-das-decrypt")}["ReadActivityStreams"]
    assert read["Resource"] == f"arn:aws:kinesis:{region}:{account}:stream/aws-rds-das-*"

    streams = {f"arn:aws:kinesis:{region}:{account}:stream/"
               + rds.describe_db_clusters(DBClusterIdentifier=c)["DBClusters"][0]["ActivityStreamKinesisStreamName"]
               for c in clusters}
    mappings = lam.list_event_source_mappings(FunctionName=f"{prefix}-das-decrypt")["EventSourceMappings"]
    assert sorted(m["EventSourceArn"] for m in mappings) == sorted(streams)

    alert_arn = f"arn:aws:lambda:{region}:{account}:function:{prefix}-pga-alert"
    for cluster in clusters:
        filters = logs.describe_subscription_filters(
            logGroupName=f"/aws/rds/cluster/{cluster}/postgresql")["subscriptionFilters"]
        assert [f["destinationArn"] for f in filters] == [alert_arn], cluster
    statements = json.loads(lam.get_policy(FunctionName=f"{prefix}-pga-alert")["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["logs-rds-log-groups"]

    # Each alias names one enabled key; a key made by the run that lost an alias waits for deletion, none is left
    # enabled without an alias.
    for alias in (f"alias/{prefix}-das-alerting", f"alias/{prefix}-pga-alerting"):
        assert kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyState"] == "Enabled"
    aliased = {a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    ours = [k["KeyId"] for k in kms.list_keys()["Keys"]
            if "alert" in kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"].get("Description", "")
            and kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"]
    assert [key for key in ours if key not in aliased] == []
