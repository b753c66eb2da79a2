"""inventories/aws_example as a user copies it, over the emulator with the real amazon.aws.aws_rds inventory plugin
(boto3 honours AWS_ENDPOINT_URL): the audit_profile tag chooses each cluster's profile, applied to every role in its
databases with a per-role exception on top; the login is the cluster's writer endpoint; every AWS call goes to the
inventory's region; an untagged cluster is refused by preflight.

The clusters live in eu-west-1, the example's region, while the environment says us-east-1 (the sandbox's): a call
that did not get the inventory's region would not find them. What the sandbox changes in the copy, and why, is in
SANDBOX_OVERRIDES; the writer endpoints (unresolvable names the emulator makes up) reach the one sandbox server
through libpq's PGHOSTADDR, which connects to that address and leaves the host name as given."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid

import boto3
import yaml
from fleet_testing import run_once_result
from harness import BIN, CHECKOUT, ansible_env, run_playbook
from psycopg2 import sql

REGION = "eu-west-1"
PLAYBOOKS = CHECKOUT / "playbooks"
# IAM database authentication cannot run here: log in as the sandbox's PGUSER / PGPASSWORD. One server stands in
# for every cluster: each cluster's databases are one database of its own on it.
SANDBOX_OVERRIDES = {
    "dbaudit_login_iam_auth": False,
    "dbaudit_login_user": "",
    "dbaudit_databases": ["{{ inventory_hostname | replace('-', '_') }}"],
}


def database_settings(admin) -> dict:
    """pgaudit.log per (role or None, database) on the sandbox server."""
    with admin.cursor() as cursor:
        cursor.execute("SELECT r.rolname, d.datname, s.setconfig FROM pg_db_role_setting s "
                       "JOIN pg_database d ON d.oid = s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole")
        rows = cursor.fetchall()
    return {(role, database): setting.split("=", 1)[1] for role, database, config in rows for setting in config
            if setting.startswith("pgaudit.log=")}


def module_args(run, hosts) -> list[dict]:
    """The arguments every module of the run was called with, for the given hosts."""
    return [result["invocation"]["module_args"] for task in run.tasks()
            for host, result in task["hosts"].items()
            if host in hosts and isinstance(result.get("invocation"), dict)]


def test_aws_example_inventory_audits_tagged_clusters_by_their_tag_and_refuses_untagged(
        sandbox_env, pg_connect, tmp_path):
    aws, pg = sandbox_env["aws"], sandbox_env["postgres"]
    assert aws["region"] != REGION
    rds = boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=REGION,
                       aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])
    suffix = uuid.uuid4().hex[:8]
    strict, baseline, untagged = f"ex-strict-{suffix}", f"ex-base-{suffix}", f"ex-none-{suffix}"
    etl = f"etl_{suffix}"
    admin = pg_connect()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(etl)))
        for cluster, tags in ((strict, {"audit_profile": "strict"}), (baseline, {"audit_profile": "baseline"}),
                              (untagged, {})):
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cluster.replace("-", "_"))))
            rds.create_db_cluster(DBClusterIdentifier=cluster, Engine="aurora-postgresql", EngineVersion="15.4",
                                  MasterUsername="postgres", MasterUserPassword="not-used-here", Port=pg["port"],
                                  Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
            rds.create_db_instance(DBInstanceIdentifier=f"{cluster}-1", DBClusterIdentifier=cluster,
                                   Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    endpoints = {c: rds.describe_db_clusters(DBClusterIdentifier=c)["DBClusters"][0]["Endpoint"]
                 for c in (strict, baseline, untagged)}

    # The example as it is, plus the sandbox's overrides (a group the plugin makes, so they win over all.yml) and
    # one per-role exception, where a user would put it: in host_vars.
    inventory_dir = tmp_path / "aws_example"
    shutil.copytree(CHECKOUT / "inventories" / "aws_example", inventory_dir)
    (inventory_dir / "group_vars" / "aws_rds.yml").write_text(yaml.safe_dump(SANDBOX_OVERRIDES), encoding="utf-8")
    (inventory_dir / "host_vars").mkdir()
    (inventory_dir / "host_vars" / f"{strict}.yml").write_text(yaml.safe_dump({"dbaudit_role_exceptions": [
        {"role": etl, "database": strict.replace("-", "_"), "profile": "baseline"}]}), encoding="utf-8")
    inventory = inventory_dir / "aws_rds.yml"
    env = {"PGHOSTADDR": pg["host"]}

    listed = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(inventory), "--list"], capture_output=True,
                            text=True, env=ansible_env(sandbox_env, env), cwd=CHECKOUT, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr
    groups = json.loads(listed.stdout)
    assert {strict, baseline, untagged} <= set(groups["dbaudit_targets"]["hosts"])
    assert f"{strict}-1" not in groups["_meta"]["hostvars"]  # Aurora members are not hosts: their cluster is
    assert untagged in groups["audit_profile_untagged"]["hosts"]
    assert strict in groups["audit_profile_strict"]["hosts"]

    limit = ["--limit", f"{strict},{baseline},{untagged}"]  # other tests' clusters may be in the region too
    refused = run_playbook(PLAYBOOKS / "enable_audit.yml", sandbox_env, inventory=inventory, args=limit, env=env)
    assert refused.rc != 0, refused.explain()
    preflight = run_once_result(refused, "Check every cluster at once (engine, version, status, instance classes, "
                                         "DAS support, KMS key)")
    assert preflight["failing_hosts"] == [untagged], preflight["hosts"]
    [problem] = preflight["hosts"][untagged]["problems"]
    assert "no audit_profile tag" in problem and "dbaudit_default_profile" in problem, problem
    assert any(untagged in line and "no audit_profile tag" in line for line in preflight["table"])
    assert rds.describe_db_clusters(DBClusterIdentifier=strict)["DBClusters"][0][
        "DBClusterParameterGroup"].startswith("default."), "nothing may change when preflight refuses a cluster"

    run = run_playbook(PLAYBOOKS / "enable_audit.yml", sandbox_env, inventory=inventory, env=env,
                       args=limit + ["-e", "dbaudit_skip_failing_hosts=true"])
    assert run.rc == 0, run.explain()

    settings = database_settings(admin)
    strict_db, baseline_db, untagged_db = (c.replace("-", "_") for c in (strict, baseline, untagged))
    assert settings[(None, strict_db)] == "role,ddl,write"  # the tag's profile, for every role in the database
    assert settings[(etl, strict_db)] == "role,ddl"  # the per-role exception on top
    assert settings[(None, baseline_db)] == "role,ddl"
    assert not [key for key in settings if key[1] == untagged_db], settings

    for cluster in (strict, baseline):
        described = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]
        assert described["DBClusterParameterGroup"] == f"{cluster}-dbaudit", described
        assert described.get("ActivityStreamStatus") == "started", described
    assert rds.describe_db_clusters(DBClusterIdentifier=untagged)["DBClusters"][0][
        "DBClusterParameterGroup"].startswith("default.")

    # The login is each cluster's writer endpoint, and every AWS call (ours, amazon.aws's) got the region.
    for cluster in (strict, baseline):
        logins = {args["login_host"] for args in module_args(run, {cluster}) if "login_iam_auth" in args
                  and "servers" not in args}
        assert logins == {endpoints[cluster]}, logins
    [servers] = [args["servers"] for args in module_args(run, {strict, baseline, untagged}) if "servers" in args]
    assert {server["name"]: server["login_host"] for server in servers} == endpoints
    regions = [args["region"] for args in module_args(run, {strict, baseline}) if "region" in args]
    assert len(regions) >= 10 and set(regions) == {REGION}, regions

    # audit_report reads the same inventory (region included) and finds what enable_audit applied.
    report_dir = tmp_path / "report"
    report = run_playbook(PLAYBOOKS / "audit_report.yml", sandbox_env, inventory=inventory, env=env,
                          args=["--limit", f"{strict},{baseline}"],
                          extra_vars={"dbaudit_report_dir": str(report_dir), "dbaudit_fail_on_drift": True})
    assert report.rc == 0, report.explain()
    clusters = json.loads((report_dir / "audit_report.json").read_text())["clusters"]
    assert sorted(row["drift"] == [] for row in clusters) == [True, True], clusters
