"""enable_audit over an emulated fleet: the RDS side converges, keeps libraries, and re-runs clean. End to end
through the alerting it deployed, with nothing mocked (pgAudit on the real server -> log shipper and DAS emitter ->
the shipped zips run by the sandbox pipeline): a GRANT alerts from both paths, naming the cluster; an audited
statement no rule matches (a DDL) alerts from neither; both reach S3 through Firehose. (This was also
tests/integration/pipeline/test_pipeline_end_to_end.py, with the zips deployed by boto3; merged here.)"""

from __future__ import annotations

import shutil
import uuid

from fleet_testing import rollout_tasks, run_once_result
from harness import CHECKOUT, run_playbook, wait_for

from sandbox import aws_reads
from sandbox.demo_activity import delivered_events
from sandbox.inbox import read_messages

PLAYBOOK = CHECKOUT / "playbooks" / "enable_audit.yml"
# Printed on every run by collections we depend on, whatever the arguments (README, "Warnings from upstream").
UPSTREAM_WARNINGS = (
    # amazon.aws.lambda_info 10.x deprecates its own 'function' return key on every call (pgaudit_alerting reads
    # the function's resource policy with it); with it, core's hint on turning deprecation warnings off.
    "The returned key 'function', which returned a dictionary of dictionaries, is deprecated",
    "Deprecation warnings can be disabled by setting",
)
SUBSCRIBE = ("dbaudit.postgresql.pgaudit_alerting : "
             "Subscription filter to the function, on the play's log groups at once")


def _preload(rds, group):
    for page in rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=group):
        for parameter in page["Parameters"]:
            if parameter["ParameterName"] == "shared_preload_libraries":
                return parameter.get("ParameterValue", "").split(",")
    return []


def _subscribed(run) -> list[list[dict]]:
    """What pgaudit_alerting's one subscription task did, per module call: each log group's entry."""
    return [item["log_groups"] for item in run_once_result(run, SUBSCRIBE)["results"] if not item.get("skipped")]


def _ran(run, name: str, per_task: bool = False):
    """The hosts a task ran on (not skipped); per_task: one entry per task run (a serial play's wave runs it anew)."""
    ran = [host for task in run.tasks() if task["task"]["name"] == name
           for host, result in task["hosts"].items() if not result.get("skipped")]
    return ran if per_task else set(ran)


def test_enable_audit_converges_and_second_run_changes_nothing(sandbox_env, aws_client, tmp_path, pg_connect, pg_log):
    from sandbox import fleet

    inventory = tmp_path / "inventory"
    shutil.copytree(CHECKOUT / "inventories" / "sandbox" / "group_vars", inventory / "group_vars")
    clusters = fleet.ensure(sandbox_env, 3, inventory / "fleet.yml")
    rds = aws_client("rds")
    groups_before = {c["DBClusterIdentifier"]: c["DBClusterParameterGroup"]
                     for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"] in clusters}

    first = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory)
    assert first.rc == 0, first.explain()
    assert all(first.changed(cluster) > 0 for cluster in clusters)
    # What preflight read is not read again, and nothing is made twice: the rollout takes each cluster's parameter
    # group from the fleet read, attaches only the copies of default.* groups (a custom group is changed in place),
    # finds the activity streams' key once for all waves, and the alerting leaves alone the log groups the pgaudit
    # role made.
    assert not _ran(first, "dbaudit.postgresql.pgaudit : Read the cluster")
    assert _ran(first, "dbaudit.postgresql.pgaudit : Cluster uses the group") == {
        cluster for cluster, group in groups_before.items() if group.startswith("default.")}
    assert len(_ran(first, "dbaudit.postgresql.activity_stream : Customer managed KMS key for the activity streams "
                           "(one per alias)", per_task=True)) == 1
    assert not _ran(first, "dbaudit.postgresql.pgaudit_alerting : Log group of this host's postgresql log, with a "
                           "retention when the pgaudit role has not made it")
    # Every cluster's log group subscribed, by one module call for the play (not one per cluster).
    log_groups = sorted(f"/aws/rds/cluster/{cluster}/postgresql" for cluster in clusters)
    [subscribed] = _subscribed(first)
    assert sorted(g["log_group_name"] for g in subscribed) == log_groups and all(g["changed"] for g in subscribed)

    for cluster in rds.describe_db_clusters()["DBClusters"]:
        if cluster["DBClusterIdentifier"] not in clusters:
            continue
        group = cluster["DBClusterParameterGroup"]
        assert not group.startswith("default."), cluster["DBClusterIdentifier"]
        libraries = _preload(rds, group)
        assert "pgaudit" in libraries and "pg_stat_statements" in libraries
        if group == fleet.LEGACY_GROUP:
            assert libraries == ["pg_stat_statements", "pg_hint_plan", "pgaudit"]
        assert {m["DBClusterParameterGroupStatus"] for m in cluster["DBClusterMembers"]} == {"in-sync"}
        assert cluster["EnabledCloudwatchLogsExports"] == ["postgresql"]
        assert cluster["ActivityStreamStatus"] == "started"
        assert cluster["ActivityStreamKinesisStreamName"] in aws_reads.kinesis_stream_names(aws_client("kinesis"))

    groups = aws_client("logs").describe_log_groups(logGroupNamePrefix="/aws/rds/cluster/demo-cluster-")["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in groups} == {
        f"/aws/rds/cluster/{cluster}/postgresql": 30 for cluster in clusters}

    # The database side: each cluster's database has the extension and the profiles per role.
    admin = pg_connect()
    with admin.cursor() as cur:
        cur.execute("SELECT r.rolname, d.datname, s.setconfig FROM pg_db_role_setting s "
                    "JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase "
                    "WHERE d.datname = ANY(%s)", [[fleet.database_for(c) for c in clusters]])
        settings = {(role, db): config for role, db, config in cur.fetchall()}
    for cluster in clusters:
        assert "pgaudit.log=role,ddl" in settings[("app_user", fleet.database_for(cluster))]
        assert "pgaudit.log=role,ddl,write" in settings[("etl_user", fleet.database_for(cluster))]
        with pg_connect(dbname=fleet.database_for(cluster)).cursor() as cur:
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'pgaudit'")
            assert cur.fetchone() is not None

    pg_log.read()
    app = pg_connect(dbname=fleet.database_for(clusters[0]), user="app_user",
                     password=fleet.app_password(sandbox_env, "app_user"))
    with app.cursor() as cur:
        cur.execute("SELECT count(*) FROM orders")
        cur.execute("GRANT SELECT ON orders TO report_user")
    seen: list[str] = []
    assert wait_for(lambda: seen.append(pg_log.read()) or "GRANT SELECT ON orders" in "".join(seen)), \
        "the GRANT by app_user was not audited"
    audit = [line for line in "".join(seen).splitlines() if "AUDIT:" in line and "app_user@" in line]
    assert [line.split(",")[3:5] for line in audit] == [["ROLE", "GRANT"]], audit
    # Audited (app_user's profile logs DDL) but matched by no alert rule (role-changes: ROLE only).
    marker = f"ddl_marker_{uuid.uuid4().hex[:8]}"
    with app.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE {marker} (id int)")
    seen = []
    assert wait_for(lambda: seen.append(pg_log.read()) or marker in "".join(seen)), "the DDL was not audited"
    audit = [line for line in "".join(seen).splitlines() if "AUDIT:" in line and "app_user@" in line]
    assert [line.split(",")[3:5] for line in audit] == [["DDL", "CREATE TABLE"]], audit

    # End to end through the alerting that enable_audit deployed (the sandbox pipeline plays Lambda, Kinesis
    # and the log subscription): the GRANT alerts from both paths, the SELECT from none, and the decrypted
    # activity stream events reach S3 through Firehose.
    sqs = aws_client("sqs")
    inbox = sqs.get_queue_url(QueueName=fleet.INBOX_QUEUE)["QueueUrl"]
    alerts: list[dict] = []
    wait_for(lambda: alerts.extend(read_messages(sqs, inbox)) or len(alerts) >= 2, timeout=120)
    grant_alerts = [a for a in alerts if "GRANT by app_user" in (a["subject"] or "")]
    paths = sorted(line.split("(")[-1].rstrip(").") for a in grant_alerts for line in a["message"].splitlines()
                   if line.startswith("Audit rule"))
    assert paths == ["Database Activity Stream", "pgAudit log"], alerts
    # Both paths name the cluster as a DBA knows it (das_decrypt looks it up from the stream's resource id).
    for alert in grant_alerts:
        assert f"Cluster: {clusters[0]}" in " ".join(alert["message"].split()), alert["message"]

    def granted_and_ddl():
        events = delivered_events(sandbox_env)
        grants = [e for e in events if "GRANT SELECT ON orders" in str(e.get("commandText"))]
        ddl = [e for e in events if marker in str(e.get("commandText"))]
        return (grants, ddl) if grants and ddl else None

    delivered = wait_for(granted_and_ddl, timeout=90, interval=2)
    assert delivered, delivered_events(sandbox_env)[-5:]
    grants, ddl = delivered
    assert [(e["dbUserName"], e["class"]) for e in grants] == [("app_user", "ROLE")], grants
    assert [(e["dbUserName"], e["class"]) for e in ddl] == [("app_user", "DDL")], ddl
    # das_decrypt has handled the DDL (it is in S3), so an alert for it would be in the queue by now.
    alerts.extend(read_messages(sqs, inbox))
    assert not [a for a in alerts if "SELECT count(*)" in a["message"] or marker in a["message"]], alerts

    second = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory)
    assert second.rc == 0, second.explain()
    assert [second.changed(cluster) for cluster in clusters] == [0, 0, 0]
    # A clean re-run warns of nothing the collection causes (deprecated options, a description it cannot change,
    # amazon.aws passing warnings= to exit_json); what upstream prints on every call is listed in README.
    caused = [w for w in second.warnings() if not any(known in w for known in UPSTREAM_WARNINGS)]
    assert not caused, caused
    # Both pipelines record what they were made from, so the converged re-run ran no alerting task at all.
    lam = aws_client("lambda")
    recorded = {}
    for function in ("dbaudit-pgaudit-alert", "dbaudit-das-decrypt"):
        arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
        recorded[function] = lam.list_tags(Resource=arn)["Tags"].get("dbaudit:inputs-sha256")
        assert recorded[function] and len(recorded[function]) == 64, recorded
    assert not rollout_tasks(second, ("dbaudit.postgresql.pgaudit_alerting", "dbaudit.postgresql.das_alerting",
                                      "dbaudit.postgresql.alerting_common")), rollout_tasks(second)

    # A changed alerting input (the alert subject's prefix) is applied to every host of that pipeline, and only of
    # that one; the run after it is converged again.
    changed_input = {"dbaudit_pgaudit_alerting_subject_prefix": "[audit changed]"}
    third = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, extra_vars=changed_input)
    assert third.rc == 0, third.explain()
    ran = rollout_tasks(third, ("dbaudit.postgresql.pgaudit_alerting", "dbaudit.postgresql.das_alerting"))
    assert ran and all(task.startswith("dbaudit.postgresql.pgaudit_alerting") for task in ran), ran
    [subscribed] = _subscribed(third)
    assert sorted(g["log_group_name"] for g in subscribed) == log_groups, subscribed
    arn = lam.get_function(FunctionName="dbaudit-pgaudit-alert")["Configuration"]["FunctionArn"]
    assert lam.list_tags(Resource=arn)["Tags"]["dbaudit:inputs-sha256"] not in (None, recorded["dbaudit-pgaudit-alert"])
    fourth = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, extra_vars=changed_input)
    assert fourth.rc == 0, fourth.explain()
    assert [fourth.changed(cluster) for cluster in clusters] == [0, 0, 0]
    assert not rollout_tasks(fourth, ("dbaudit.postgresql.pgaudit_alerting", "dbaudit.postgresql.das_alerting")), \
        rollout_tasks(fourth)
