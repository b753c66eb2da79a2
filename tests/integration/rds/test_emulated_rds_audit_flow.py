"""The whole pgAudit + DAS flow on one Aurora cluster, through ansible-playbook against the emulator:
copy the group off default.*, set pgAudit parameters, attach, pending-reboot, rolling reboot,
in-sync, log export, activity stream started with a customer managed key, then stopped with 30% of RDS and
KMS calls throttled. The same start under throttling, at fleet scale (ten clusters, every service throttled,
through enable_audit), is tests/integration/fleet/test_enable_audit_throttled.py."""

from __future__ import annotations

from rds_readback import cluster_parameter, members

from sandbox import aws_reads

START = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: group
      dbaudit.postgresql.rds_parameter_group:
        name: "{{ group }}"
        source_group: default.aurora-postgresql15
        description: pgAudit for {{ cluster }}
        preload_libraries: [pgaudit]
        parameters:
          pgaudit.log: ddl,role
          pgaudit.log_catalog: false
          pgaudit.role: rds_pgaudit
        tags:
          audit_profile: baseline
    - name: attach
      dbaudit.postgresql.rds_parameter_group_attachment:
        cluster_identifier: "{{ cluster }}"
        cluster_parameter_group: "{{ group }}"
    - name: reboot plan
      dbaudit.postgresql.rds_reboot:
        cluster_identifier: "{{ cluster }}"
      check_mode: true
    - name: reboot
      dbaudit.postgresql.rds_reboot:
        cluster_identifier: "{{ cluster }}"
    - name: log export
      dbaudit.postgresql.rds_log_exports:
        cluster_identifier: "{{ cluster }}"
    - name: activity stream
      dbaudit.postgresql.rds_activity_stream:
        cluster_identifier: "{{ cluster }}"
        kms_key_id: "{{ key_alias }}"
        apply_immediately: true
"""

RERUN = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: group
      dbaudit.postgresql.rds_parameter_group:
        name: "{{ group }}"
        preload_libraries: [pgaudit]
        parameters:
          pgaudit.log: DDL, ROLE
          pgaudit.log_catalog: "0"
          pgaudit.role: rds_pgaudit
        tags:
          audit_profile: baseline
    - name: attach
      dbaudit.postgresql.rds_parameter_group_attachment:
        cluster_identifier: "{{ cluster }}"
        cluster_parameter_group: "{{ group }}"
    - name: reboot
      dbaudit.postgresql.rds_reboot:
        cluster_identifier: "{{ cluster_arn }}"
    - name: log export
      dbaudit.postgresql.rds_log_exports:
        cluster_identifier: "{{ cluster }}"
    - name: activity stream
      dbaudit.postgresql.rds_activity_stream:
        cluster_identifier: "{{ cluster_arn }}"
        kms_key_id: "{{ key_arn }}"
        apply_immediately: true
"""

STOP = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: stop
      dbaudit.postgresql.rds_activity_stream:
        cluster_identifier: "{{ cluster }}"
        state: stopped
        apply_immediately: true
    - name: stop again
      dbaudit.postgresql.rds_activity_stream:
        cluster_identifier: "{{ cluster }}"
        state: stopped
        apply_immediately: true
"""


def run_flow(playbook, rds, make_cluster, customer_key, unique_name):
    cluster = make_cluster()
    writer, readers = f"{cluster}-1", [f"{cluster}-2", f"{cluster}-3"]
    cluster_arn = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["DBClusterArn"]
    names = {"cluster": cluster, "cluster_arn": cluster_arn, "group": unique_name("audit-"),
             "key_alias": customer_key["alias"], "key_arn": customer_key["arn"]}
    first = playbook(START, extra_vars=names)
    assert first.rc == 0, first.explain()
    group = first.result("group")
    assert group["changed"] and group["reboot_required"]
    assert group["parameters"]["shared_preload_libraries"] == "pg_stat_statements,pgaudit"
    attach = first.result("attach")
    assert attach["changed"] and attach["cluster_parameter_group"] == names["group"]
    assert sorted(attach["pending_reboot"]) == sorted([writer, *readers])
    plan = first.result("reboot plan")
    assert plan["changed"] and plan["rebooted"] == [*readers, writer]
    reboot = first.result("reboot")
    assert reboot["rebooted"] == [*readers, writer]
    assert all(m["status"] == "available" and not m["pending_reboot"] for m in reboot["instances"])
    assert first.result("log export")["enabled_log_types"] == ["postgresql"]
    stream = first.result("activity stream")
    assert stream["changed"] and stream["status"] == "started" and stream["mode"] == "async"
    assert stream["kms_key_id"] == customer_key["id"]
    return names, stream, first


def check_started(rds, aws_client, names, stream, customer_key):
    cluster = names["cluster"]
    described = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]
    assert described["DBClusterParameterGroup"] == names["group"]
    assert described["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert described["ActivityStreamStatus"] == "started"
    assert described["ActivityStreamKinesisStreamName"] == f"aws-rds-das-{described['DbClusterResourceId']}"
    assert stream["kinesis_stream_name"] == described["ActivityStreamKinesisStreamName"]
    assert cluster_parameter(rds, names["group"], "shared_preload_libraries") == "pg_stat_statements,pgaudit"
    assert cluster_parameter(rds, names["group"], "pgaudit.log") == "ddl,role"
    assert {state[1:] for state in members(rds, cluster).values()} == {("available", "in-sync", "in-sync")}
    kinesis = aws_client("kinesis").describe_stream_summary(StreamName=stream["kinesis_stream_name"])
    assert kinesis["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"


def check_stopped(playbook, rds, aws_client, names, stream, after_playbook=None):
    stop = playbook(STOP, extra_vars=names)
    if after_playbook:
        after_playbook()
    assert stop.rc == 0, stop.explain()
    assert stop.result("stop")["changed"] and stop.result("stop")["status"] == "stopped"
    assert not stop.result("stop again")["changed"]
    described = rds.describe_db_clusters(DBClusterIdentifier=names["cluster"])["DBClusters"][0]
    assert described["ActivityStreamStatus"] == "stopped"
    streams = aws_reads.kinesis_stream_names(aws_client("kinesis"))
    assert stream["kinesis_stream_name"] not in streams


def test_full_flow_is_idempotent_and_reaches_every_state(playbook, rds, aws_client, make_cluster, customer_key,
                                                         unique_name, emulator_config):
    names, stream, _unused = run_flow(playbook, rds, make_cluster, customer_key, unique_name)
    check_started(rds, aws_client, names, stream, customer_key)

    # Same state, other spellings (pgaudit.log case and spaces, key ARN instead of alias, cluster ARN).
    again = playbook(RERUN, extra_vars=names)
    assert again.rc == 0, again.explain()
    assert again.changed() == 0, [t["task"]["name"] for t in again.tasks()
                                  if t["hosts"]["localhost"].get("changed")]
    assert again.result("reboot")["rebooted"] == []

    # Stopped with 30% of RDS and KMS calls throttled: the stop and its re-run retry and still say the truth.
    config = emulator_config({"throttle_rate": 0.3, "throttle_services": ["rds", "kms"], "reset_stats": True})
    assert config["throttle_rate"] == 0.3
    stats = {}
    check_stopped(playbook, rds, aws_client, names, stream,
                  after_playbook=lambda: stats.update(emulator_config({"throttle_rate": 0.0})["stats"]))
    assert stats["throttled"] > 0, stats  # the run really met throttling


FAILOVER = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: group
      dbaudit.postgresql.rds_parameter_group:
        name: "{{ group }}"
        source_group: default.aurora-postgresql15
        preload_libraries: [pgaudit]
    - name: attach
      dbaudit.postgresql.rds_parameter_group_attachment:
        cluster_identifier: "{{ cluster }}"
        cluster_parameter_group: "{{ group }}"
    - name: reboot
      dbaudit.postgresql.rds_reboot:
        cluster_identifier: "{{ cluster }}"
        failover: true
"""


def test_writer_by_failover_to_a_rebooted_reader(playbook, rds, make_cluster, unique_name):
    cluster = make_cluster(instance_classes=("db.r6g.large", "db.r6g.large"))
    run = playbook(FAILOVER, extra_vars={"cluster": cluster, "group": unique_name("fo-")})
    assert run.rc == 0, run.explain()
    reboot = run.result("reboot")
    assert reboot["rebooted"] == [f"{cluster}-2", f"{cluster}-1"]
    assert reboot["failed_over_to"] == f"{cluster}-2"
    state = members(rds, cluster)
    assert state[f"{cluster}-2"][0] and not state[f"{cluster}-1"][0]  # the reader is now the writer
    assert {s[1:] for s in state.values()} == {("available", "in-sync", "in-sync")}
