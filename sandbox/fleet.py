"""An emulated fleet on the sandbox: N Aurora PostgreSQL clusters and the inventory for them.

Each cluster exists twice, as production has it: as an RDS resource in the AWS emulator
(cluster, writer and reader instances, parameter groups) and as a database on the sandbox
PostgreSQL server (``demo_cluster_NN``) that stands in for the cluster's endpoint. Every
cluster's database has the same application roles; the audit policy for a sandbox cluster is
therefore applied per role *in that database*, so clusters do not share settings.

``python -m sandbox fleet --clusters N [--engine-versions 13.12,16.2]`` creates what is missing
(re-running is harmless; the versions go round the clusters, 15.4 by default) and writes
``inventories/sandbox/fleet.yml``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from . import state

ENGINE = "aurora-postgresql"
ENGINE_VERSION = "15.4"
INSTANCE_CLASS = "db.r6g.large"
# Some clusters start on a custom group that already preloads other libraries, as long-lived
# clusters do; enable_audit must add pgaudit and keep these.
# The SQS queue subscribed to the alert topics in the sandbox inventory (group_vars/all.yml).
INBOX_QUEUE = "dbaudit-demo-inbox"
LEGACY_GROUP_PREFIX = "legacy-"
LEGACY_LIBRARIES = "pg_stat_statements,pg_hint_plan"
APP_ROLES = ("app_user", "report_user", "etl_user")
INVENTORY = state.CHECKOUT / "inventories" / "sandbox" / "fleet.yml"


def cluster_ids(count: int) -> list[str]:
    return [f"demo-cluster-{n:02d}" for n in range(1, count + 1)]


def database_for(cluster_id: str) -> str:
    return cluster_id.replace("-", "_")


def _client(env: dict, service: str):
    import boto3

    aws = env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


def _rds(env: dict):
    return _client(env, "rds")


def ensure_inbox(env: dict) -> str:
    """The demo inbox: an SQS queue the alert topics deliver to, standing in for email. Its URL."""
    return _client(env, "sqs").create_queue(QueueName=INBOX_QUEUE)["QueueUrl"]


def family(engine_version: str) -> str:
    """aurora-postgresql15 for 15.4 (the fleet's engine is Aurora PostgreSQL, major 10 and later)."""
    return f"{ENGINE}{engine_version.split('.')[0]}"


def legacy_group(engine_version: str) -> str:
    """The long-lived custom group of the clusters of one major: legacy-aurora-postgresql15."""
    return LEGACY_GROUP_PREFIX + family(engine_version)


LEGACY_GROUP = legacy_group(ENGINE_VERSION)


def _ensure_legacy_group(rds, engine_version: str) -> None:
    name = legacy_group(engine_version)
    try:
        rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=name)
    except rds.exceptions.DBParameterGroupNotFoundFault:
        rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=name,
                                              DBParameterGroupFamily=family(engine_version),
                                              Description="long-lived custom group of the demo fleet")
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=name,
        Parameters=[{"ParameterName": "shared_preload_libraries", "ParameterValue": LEGACY_LIBRARIES,
                     "ApplyMethod": "pending-reboot"}])


def _cluster_exists(rds, cluster_id: str) -> bool:
    try:
        rds.describe_db_clusters(DBClusterIdentifier=cluster_id)
    except rds.exceptions.DBClusterNotFoundFault:
        return False
    return True


def _ensure_cluster(rds, cluster_id: str, legacy: bool, engine_version: str = ENGINE_VERSION) -> None:
    if not _cluster_exists(rds, cluster_id):
        kwargs = {"DBClusterParameterGroupName": legacy_group(engine_version)} if legacy else {}
        rds.create_db_cluster(DBClusterIdentifier=cluster_id, Engine=ENGINE, EngineVersion=engine_version,
                              MasterUsername="postgres", MasterUserPassword="sandbox-not-used",
                              Tags=[{"Key": "audit_profile", "Value": "baseline"}], **kwargs)
    members = {i["DBInstanceIdentifier"] for i in rds.describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])["DBInstances"]}
    for suffix in ("1", "2"):
        instance_id = f"{cluster_id}-{suffix}"
        if instance_id not in members:
            rds.create_db_instance(DBInstanceIdentifier=instance_id, DBClusterIdentifier=cluster_id,
                                   Engine=ENGINE, DBInstanceClass=INSTANCE_CLASS)


def _ensure_databases(env: dict, clusters: list[str]) -> None:
    import psycopg2
    from psycopg2 import sql

    pg = env["postgres"]
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"],
                            dbname=pg["database"])
    conn.autocommit = True
    with conn.cursor() as cur:
        for role in APP_ROLES:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if not cur.fetchone():
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role)),
                            [app_password(env, role)])
        for cluster_id in clusters:
            database = database_for(cluster_id)
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if not cur.fetchone():
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    conn.close()
    for cluster_id in clusters:
        conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"],
                                dbname=database_for(cluster_id))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, customer text, amount numeric)")
            cur.execute("ALTER TABLE orders OWNER TO app_user")
            cur.execute(sql.SQL("GRANT SELECT ON orders TO {}, {}").format(
                sql.Identifier("report_user"), sql.Identifier("etl_user")))
        conn.close()


def app_password(env: dict, role: str) -> str:
    """Sandbox application roles' passwords, derived from the sandbox's own secret."""
    import hashlib

    return hashlib.sha256(f"{env['postgres']['password']}:{role}".encode()).hexdigest()[:24]


def write_inventory(env: dict, clusters: list[str], path: Path = INVENTORY) -> Path:
    hosts = {}
    for cluster_id in clusters:
        hosts[cluster_id] = {
            "dbaudit_cluster_id": cluster_id,
            "dbaudit_databases": [database_for(cluster_id)],
        }
    inventory = {
        "all": {"children": {"sandbox_clusters": {"hosts": hosts}}},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Generated by `python -m sandbox fleet`; do not edit. Policy lives in group_vars/.\n"
    path.write_text(header + yaml.safe_dump(inventory, sort_keys=True), encoding="utf-8")
    return path


def ensure_clusters(env: dict, clusters: list[str], engine_version: str = ENGINE_VERSION) -> list[str]:
    """Clusters outside the demo fleet's numbering (each on a default group, with its database), for a test that
    needs a cluster no other test touches."""
    rds = _rds(env)
    for cluster_id in clusters:
        _ensure_cluster(rds, cluster_id, legacy=False, engine_version=engine_version)
    _ensure_databases(env, clusters)
    return clusters


def ensure(env: dict, count: int, inventory: Path = INVENTORY,
           engine_versions: tuple[str, ...] = (ENGINE_VERSION,)) -> list[str]:
    """The fleet of ``count`` clusters, the engine versions taken in turn (a cluster made already keeps its own)."""
    clusters = cluster_ids(count)
    rds = _rds(env)
    for engine_version in engine_versions:
        _ensure_legacy_group(rds, engine_version)
    for index, cluster_id in enumerate(clusters):
        _ensure_cluster(rds, cluster_id, legacy=index % 2 == 0,
                        engine_version=engine_versions[index % len(engine_versions)])
    _ensure_databases(env, clusters)
    ensure_inbox(env)
    write_inventory(env, clusters, inventory)
    return clusters
