"""rds_activity_stream refusals (RDS for PostgreSQL, burstable instances, the aws/rds key, a missing
key, a started stream with another mode) fail with the reason and leave the cluster as it was;
force_restart restarts; check mode starts nothing."""

from __future__ import annotations

import contextlib

import pytest

from sandbox import aws_reads

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: das
      dbaudit.postgresql.rds_activity_stream:
        cluster_identifier: "{{ cluster }}"
        kms_key_id: "{{ key | default(omit) }}"
        mode: "{{ mode | default('async') }}"
        force_restart: "{{ force | default(false) }}"
        apply_immediately: true
"""


def stream_state(rds, cluster_id):
    cluster = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    return cluster.get("ActivityStreamStatus") or "stopped", cluster.get("ActivityStreamMode")


def das_streams(aws_client):
    return [name for name in aws_reads.kinesis_stream_names(aws_client("kinesis")) if name.startswith("aws-rds-das-")]


def refused(run, *fragments):
    assert run.rc != 0, run.explain()
    result = run.result("das")
    assert result.get("failed") and not result.get("changed"), result
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]


@pytest.fixture
def rds_postgres_instance(rds, unique_name):
    identifier = unique_name("rdspg")
    rds.create_db_instance(DBInstanceIdentifier=identifier, Engine="postgres", EngineVersion="15.4",
                           DBInstanceClass="db.m6g.large", MasterUsername="dbadmin",
                           MasterUserPassword="not-a-secret-1", AllocatedStorage=20)
    yield identifier
    with contextlib.suppress(Exception):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)


def test_unsupported_targets_and_keys_are_refused_before_any_change(playbook, rds, aws_client, make_cluster,
                                                                    customer_key, rds_postgres_instance):
    streams_before = das_streams(aws_client)

    refused(playbook(PLAY, extra_vars={"cluster": rds_postgres_instance, "key": customer_key["alias"]}),
            "RDS for PostgreSQL", "pgAudit")

    burstable = make_cluster(instance_classes=("db.r6g.large", "db.t4g.medium"), prefix="burst")
    refused(playbook(PLAY, extra_vars={"cluster": burstable, "key": customer_key["alias"]}),
            "burstable", f"{burstable}-2 (db.t4g.medium)")
    assert stream_state(rds, burstable) == ("stopped", None)

    cluster = make_cluster(instance_classes=("db.r6g.large",))
    refused(playbook(PLAY, extra_vars={"cluster": cluster, "key": "alias/aws/rds"}), "AWS managed", "customer managed")
    refused(playbook(PLAY, extra_vars={"cluster": cluster, "key": "alias/no-such-key"}), "no such KMS key")
    refused(playbook(PLAY, extra_vars={"cluster": cluster}), "kms_key_id is required")
    assert stream_state(rds, cluster) == ("stopped", None)
    assert das_streams(aws_client) == streams_before


def test_check_mode_then_mode_change_needs_force_restart(playbook, rds, aws_client, make_cluster, customer_key):
    cluster = make_cluster(instance_classes=("db.r6g.large",))
    names = {"cluster": cluster, "key": customer_key["id"]}

    checked = playbook(PLAY, extra_vars=names, check=True)
    assert checked.rc == 0, checked.explain()
    assert checked.result("das")["changed"] and checked.result("das")["status"] == "started"
    assert stream_state(rds, cluster) == ("stopped", None)

    started = playbook(PLAY, extra_vars=names)
    assert started.rc == 0 and started.result("das")["status"] == "started", started.explain()

    refused(playbook(PLAY, extra_vars={**names, "mode": "sync"}), "mode async", "sync", "force_restart")
    assert stream_state(rds, cluster) == ("started", "async")

    restarted = playbook(PLAY, extra_vars={**names, "mode": "sync", "force": True})
    assert restarted.rc == 0, restarted.explain()
    assert restarted.result("das")["changed"] and restarted.result("das")["mode"] == "sync"
    assert stream_state(rds, cluster) == ("started", "sync")

    same = playbook(PLAY, extra_vars={**names, "mode": "sync", "key": customer_key["alias_arn"]})
    assert same.rc == 0 and not same.result("das")["changed"], same.explain()


INFO = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: one
      dbaudit.postgresql.rds_activity_stream_info:
        cluster_identifier: "{{ cluster }}"
    - name: all
      dbaudit.postgresql.rds_activity_stream_info:
"""


def test_info_reads_one_cluster_or_all(playbook, rds, make_cluster, customer_key):
    started = make_cluster(instance_classes=("db.r6g.large",), prefix="info")
    stopped = make_cluster(instance_classes=("db.r6g.large",), prefix="info")
    run = playbook(PLAY, extra_vars={"cluster": started, "key": customer_key["alias"]})
    assert run.rc == 0, run.explain()

    info = playbook(INFO, extra_vars={"cluster": started})
    assert info.rc == 0, info.explain()
    [one] = info.result("one")["activity_streams"]
    assert (one["cluster_identifier"], one["status"], one["mode"]) == (started, "started", "async")
    assert one["kinesis_stream_name"].startswith("aws-rds-das-")
    by_id = {e["cluster_identifier"]: e for e in info.result("all")["activity_streams"]}
    assert by_id[started]["status"] == "started" and by_id[stopped]["status"] == "stopped"
    assert by_id[stopped]["kinesis_stream_name"] is None


DEFERRED = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: das
      dbaudit.postgresql.rds_activity_stream:
        cluster_identifier: "{{ cluster }}"
        kms_key_id: "{{ key }}"
        state: "{{ state | default('started') }}"
        apply_immediately: false
"""


def test_deferred_start_is_pending_until_the_window_and_not_started_twice(playbook, rds, aws_client, make_cluster,
                                                                          customer_key, emulator_config,
                                                                          sandbox_env):
    from sandbox.emulator_control import run_maintenance_window

    emulator_config({"maintenance_window": "hold"})
    cluster = make_cluster(instance_classes=("db.r6g.large",), prefix="window")
    names = {"cluster": cluster, "key": customer_key["alias"]}

    checked = playbook(DEFERRED, extra_vars=names, check=True)
    assert checked.rc == 0, checked.explain()
    assert (checked.result("das")["changed"], checked.result("das")["status"]) == (True, "pending maintenance window")

    first = playbook(DEFERRED, extra_vars=names)
    assert first.rc == 0, first.explain()
    result = first.result("das")
    assert (result["changed"], result["status"], result["pending"]) == (True, "pending maintenance window", "start")
    assert result["kinesis_stream_name"] is None
    assert stream_state(rds, cluster) == ("starting", "async")

    again = playbook(DEFERRED, extra_vars=names)
    assert again.rc == 0, again.explain()
    assert (again.result("das")["changed"], again.result("das")["status"]) == (False, "pending maintenance window")
    assert "pending the cluster's maintenance window" in " ".join(again.result("das").get("warnings", []))

    refused(playbook(DEFERRED, extra_vars={**names, "state": "stopped"}), "pending its maintenance window")

    assert run_maintenance_window(sandbox_env["aws"]["endpoint_url"], [cluster]) == [cluster]
    after = playbook(DEFERRED, extra_vars=names)
    assert after.rc == 0, after.explain()
    assert (after.result("das")["changed"], after.result("das")["status"]) == (False, "started")
    assert after.result("das")["kinesis_stream_name"] in das_streams(aws_client)
