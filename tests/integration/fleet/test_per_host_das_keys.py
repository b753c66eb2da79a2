"""Activity stream keys set per host: a fleet where one group of clusters brings its own KMS key
(``dbaudit_das_kms_key_id``), one uses the default alias the role creates the key for, and one its own alias. The
activity_stream role finds or makes a key once per play; which host comes first in a wave must not decide which key
the others get. Run in one wave (``dbaudit_waves: ['100%']``) so that the three are in the same batch, first the host
that needs no key; the re-run goes in the default waves (a canary, then the rest). The DAS alerting pipeline is
deployed over the three: each stream is mapped to the decrypt function whatever key encrypts it, which audit_report
checks."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook

from sandbox.emulator_control import control

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
REPORT = CHECKOUT / "playbooks" / "audit_report.yml"


def client(sandbox_env, service):
    aws = sandbox_env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


def key_arn_of(kms, reference: str) -> str:
    return kms.describe_key(KeyId=reference)["KeyMetadata"]["Arn"]


@pytest.fixture(scope="module")
def fleet(sandbox_env, tmp_path_factory):
    rds, kms = client(sandbox_env, "rds"), client(sandbox_env, "kms")
    suffix = uuid.uuid4().hex[:8]
    own_key = kms.create_key(Description="brought by the team")["KeyMetadata"]["Arn"]
    hosts = {"given": f"keys-a-given-{suffix}", "default": f"keys-b-default-{suffix}",
             "alias": f"keys-c-alias-{suffix}"}
    own_alias = f"alias/dbaudit-das-{suffix}"
    for name in hosts.values():
        make_cluster(rds, name)
    inventory = tmp_path_factory.mktemp("keys") / "inventory.yml"
    write_inventory(inventory, sandbox_env, {
        hosts["given"]: {"dbaudit_das_kms_key_id": own_key},
        hosts["default"]: {},
        hosts["alias"]: {"dbaudit_das_key_alias": own_alias}})
    alerting = {"dbaudit_das_alerting_enabled": True, "dbaudit_das_alerting_name": f"keys-{suffix}"}
    endpoint = sandbox_env["aws"]["endpoint_url"]
    control(endpoint, {"reset_stats": True})
    check = run_playbook(ENABLE, sandbox_env, inventory=inventory, check=True, diff=True,
                         extra_vars=dict(alerting, dbaudit_waves=["100%"]))
    check_writes = control(endpoint, {})["stats"]["writes"]
    first = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars=dict(alerting, dbaudit_waves=["100%"]))
    return dict(rds=rds, kms=kms, hosts=hosts, own_key=own_key, own_alias=own_alias, inventory=inventory,
                first=first, alerting=alerting, check=check, check_writes=check_writes)


def test_the_check_run_from_the_first_rollout_predicts_every_start_and_writes_nothing(fleet):
    check = fleet["check"]
    assert check.rc == 0, check.explain()
    assert fleet["check_writes"] == 0
    # Each start is predicted, the one on a key still to be made under its alias.
    starts = dict((host, result) for task in check.tasks()
                  if task["task"]["name"].endswith("activity_stream : Activity stream")
                  for host, result in task["hosts"].items())
    assert sorted(starts) == sorted(fleet["hosts"].values())
    assert all(result.get("changed") for result in starts.values()), starts
    # The DAS alerting of streams the check run did not start: the pipeline's pieces are predicted, each stream's
    # mapping is left to the real run, and it says so.
    unstarted = "dbaudit.postgresql.das_alerting : Activity stream pending its maintenance window, or not started " \
                "yet in a check run"
    for host in fleet["hosts"].values():
        assert "not started yet (a check run starts none)" in check.result(unstarted, host)["msg"]
    function = fleet["alerting"]["dbaudit_das_alerting_name"] + "-decrypt"
    [made] = [result for task in check.tasks()
              if task["task"]["name"] == f"dbaudit.postgresql.alerting_common : Lambda function {function}"
              for result in task["hosts"].values()]
    assert made.get("changed"), made


def test_each_cluster_streams_under_the_key_its_variables_name(fleet, sandbox_env):
    first, rds, kms, hosts = fleet["first"], fleet["rds"], fleet["kms"], fleet["hosts"]
    assert first.rc == 0, first.explain()
    expected = {hosts["given"]: fleet["own_key"], hosts["default"]: key_arn_of(kms, "alias/dbaudit-das"),
                hosts["alias"]: key_arn_of(kms, fleet["own_alias"])}
    got = {}
    for name in hosts.values():
        cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
        assert cluster.get("ActivityStreamStatus") == "started", name
        got[name] = key_arn_of(kms, cluster["ActivityStreamKmsKeyId"])
    assert got == expected
    # Each stream is read by the decrypt function, whichever key encrypts it.
    function = fleet["alerting"]["dbaudit_das_alerting_name"] + "-decrypt"
    mappings = client(sandbox_env, "lambda").list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    streams = {rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["ActivityStreamKinesisStreamName"]
               for name in hosts.values()}
    assert {m["EventSourceArn"].rsplit("/", 1)[1] for m in mappings} == streams


def test_the_rerun_in_waves_changes_and_writes_nothing(fleet, sandbox_env, emulator_config):
    emulator_config({"reset_stats": True})
    again = run_playbook(ENABLE, sandbox_env, inventory=fleet["inventory"], extra_vars=fleet["alerting"])
    stats = emulator_config({})["stats"]
    assert again.rc == 0, again.explain()
    changed_tasks = [(t["task"]["name"], h, r.get("msg")) for t in again.tasks() for h, r in t["hosts"].items()
                     if r.get("changed")]
    hosts = list(fleet["hosts"].values())
    assert {host: again.changed(host) for host in hosts} == dict.fromkeys(hosts, 0), changed_tasks
    assert stats["writes"] == 0, stats["operations"]


def test_audit_report_finds_every_stream_alerted(fleet, sandbox_env, tmp_path):
    run = run_playbook(REPORT, sandbox_env, inventory=fleet["inventory"],
                       extra_vars=dict(fleet["alerting"], dbaudit_report_dir=str(tmp_path), dbaudit_fail_on_drift=True))
    assert run.rc == 0, run.explain()
    rows = {row["host"]: row for row in json.loads((tmp_path / "audit_report.json").read_text())["clusters"]}
    assert {host: rows[host]["drift"] for host in fleet["hosts"].values()} == dict.fromkeys(fleet["hosts"].values(), [])
