"""Helpers of the fleet tests: clusters made in the emulator for one test, mapped to the sandbox server's
``postgres`` database with no application role policies, and their state read back."""

from __future__ import annotations

import yaml

from sandbox.emulator_control import control


def run_once_result(run, name: str) -> dict:
    """A run_once task's result (the callback files it under whichever host ran it)."""
    [task] = [t for t in run.tasks() if t["task"]["name"] == name]
    [result] = task["hosts"].values()
    return result


def rollout_tasks(run, prefixes=("dbaudit.postgresql.",)) -> list[str]:
    """The role tasks a run got to, but the policy read that preflight makes (set_fact from the roles' defaults, and
    audit_profiles' argument check and debug, as the pgaudit role's dependency) and the alerting roles' fingerprint of
    each host's inputs (set_facts preflight compares with what the pipelines record, and the code they are made from,
    read once per run): what ran beyond preflight."""
    names = [t["task"]["name"] for t in run.tasks() if t["task"]["name"].startswith(prefixes)]
    return [name for name in names if not name.startswith("dbaudit.postgresql.audit_profiles : ")
            and not name.endswith("as enable_audit applies it")
            and not name.endswith((" : Fingerprint of this host's pipeline inputs and code",
                                   " : The pipeline's option names and code digest, once per run"))]


def make_cluster(rds, name: str, instance_class: str = "db.r6g.large", engine_version: str = "15.4") -> None:
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion=engine_version,
                          MasterUsername="postgres", MasterUserPassword="not-used-here")
    rds.create_db_instance(DBInstanceIdentifier=f"{name}-1", DBClusterIdentifier=name, Engine="aurora-postgresql",
                           DBInstanceClass=instance_class)


def write_inventory(path, sandbox_env, hosts: dict) -> None:
    pg = sandbox_env["postgres"]
    common = dict(ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}",
                  dbaudit_databases=["postgres"], dbaudit_role_policies=[],
                  dbaudit_login_host=pg["host"], dbaudit_login_port=pg["port"], dbaudit_login_user=pg["user"],
                  dbaudit_login_password=pg["password"], dbaudit_log_retention_days=7)
    inventory = {"all": {"vars": common, "hosts": {
        host: dict({"dbaudit_cluster_id": host}, **overrides) for host, overrides in hosts.items()}}}
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")


def cluster_state(rds, name: str) -> tuple:
    cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
    return cluster["DBClusterParameterGroup"], cluster.get("ActivityStreamStatus", "stopped"), tuple(
        cluster.get("EnabledCloudwatchLogsExports") or ())


def database_state(admin):
    """What a run could have changed in the databases: role/database settings, extensions, roles."""
    with admin.cursor() as cursor:
        cursor.execute("SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting ORDER BY 1, 2")
        settings = cursor.fetchall()
        cursor.execute("SELECT extname, extversion FROM pg_extension ORDER BY 1")
        extensions = cursor.fetchall()
        cursor.execute("SELECT rolname FROM pg_roles ORDER BY 1")
        roles = cursor.fetchall()
    return settings, extensions, roles


class Counted:
    """The emulator's write calls and the database state around one run."""

    def __init__(self, sandbox_env, admin):
        self.endpoint = sandbox_env["aws"]["endpoint_url"]
        self.admin = admin

    def __enter__(self):
        self.before = database_state(self.admin)
        control(self.endpoint, {"reset_stats": True})
        return self

    def __exit__(self, *exc):
        stats = control(self.endpoint, {})["stats"]
        self.writes = stats["writes"]
        self.write_operations = {op: n for op, n in stats["operations"].items() if n} if self.writes else {}
        self.database_changed = database_state(self.admin) != self.before
        return False
