"""``enable_audit --check --diff`` from the states a first rollout starts in (default group, custom group, stream
stopped, no log group, reboot policies that differ) changes nothing, fails nowhere, and predicts per host what the
real run then does: the same tasks change, the same instances are rebooted (or left pending) in the same order.
And from a server that does not load pgaudit yet, the check shows the extension and the audit settings the real run
creates after its reboot instead of failing."""

from __future__ import annotations

from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook

PLAYBOOK = CHECKOUT / "playbooks" / "enable_audit.yml"
REBOOT = "dbaudit.postgresql.pgaudit : Rolling reboot of the instances whose parameters are pending a reboot"
WAITING = "dbaudit.postgresql.pgaudit : Report what waits for a reboot"
EXTENSION = "dbaudit.postgresql.pgaudit : The pgaudit extension in every database, and the object auditing role"
SETTINGS = "dbaudit.postgresql.pgaudit : Audit settings per application role or database, from its profile"


def changed_tasks(run, host: str) -> list[str]:
    names = []
    for task in run.tasks():
        result = task["hosts"].get(host)
        if result and result.get("changed"):
            names.append(task["task"]["name"])
    return names


def custom_group(rds, name: str) -> str:
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=name,
                                          DBParameterGroupFamily="aurora-postgresql15", Description="the team's own")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=[{
        "ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements",
        "ApplyMethod": "pending-reboot"}])
    return name


def own_databases(pg_connect, hosts) -> dict:
    """A database of its own per host, without the extension: emulated clusters all log in to the sandbox's one
    server, and on a shared database the real run's canary would create the extension the others' checks predict
    (the real run of the later waves then finds it there; the prediction depends on which test ran first)."""
    from psycopg2 import sql

    conn = pg_connect()
    databases = {}
    with conn.cursor() as cur:
        for host in hosts:
            databases[host] = host.replace("-", "_")
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(databases[host])))
    return databases


def test_check_run_predicts_what_the_real_run_does(sandbox_env, aws_client, emulator_config, tmp_path, unique_name,
                                                   pg_connect):
    rds = aws_client("rds")
    base = unique_name("cvr-")
    default_rolling, custom_rolling, default_deferred = f"{base}-a", f"{base}-b", f"{base}-c"
    make_cluster(rds, default_rolling)  # default.aurora-postgresql15, stream stopped, no log group
    group = custom_group(rds, f"{base}-team-group")
    rds.create_db_cluster(DBClusterIdentifier=custom_rolling, Engine="aurora-postgresql", EngineVersion="15.4",
                          MasterUsername="postgres", MasterUserPassword="not-used-here",
                          DBClusterParameterGroupName=group)
    for number in (1, 2):  # a reader and the writer: the reader reboots first
        rds.create_db_instance(DBInstanceIdentifier=f"{custom_rolling}-{number}", DBClusterIdentifier=custom_rolling,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    make_cluster(rds, default_deferred)
    hosts = (default_rolling, custom_rolling, default_deferred)
    databases = own_databases(pg_connect, hosts)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {
        default_rolling: {"dbaudit_databases": [databases[default_rolling]]},
        custom_rolling: {"dbaudit_das_enabled": False, "dbaudit_databases": [databases[custom_rolling]]},
        default_deferred: {"dbaudit_das_enabled": False, "dbaudit_reboot_policy": "next_maintenance_window",
                           "dbaudit_databases": [databases[default_deferred]]},
    })

    emulator_config({"reset_stats": True})
    check = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, check=True, diff=True)
    stats = emulator_config({})["stats"]
    assert check.rc == 0, check.explain()
    assert stats["writes"] == 0, stats["operations"]

    real = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory)
    assert real.rc == 0, real.explain()

    for host in hosts:
        assert changed_tasks(check, host) == changed_tasks(real, host), host
        assert changed_tasks(real, host), host  # a first rollout changes every kind of cluster
    for host in (default_rolling, custom_rolling):  # rebooted now: each one's own database gets the extension
        assert EXTENSION in changed_tasks(real, host), host
    for host in (default_rolling, custom_rolling):
        predicted, made = check.result(REBOOT, host), real.result(REBOOT, host)
        assert predicted["rebooted"] == made["rebooted"] and made["rebooted"], host
    assert check.result(REBOOT, custom_rolling)["rebooted"] == [f"{custom_rolling}-2", f"{custom_rolling}-1"]
    # Left to the maintenance window: the check names the instance the real run leaves pending.
    assert f"{default_deferred}-1" in check.result(WAITING, default_deferred)["msg"]
    assert check.result(WAITING, default_deferred)["msg"] == real.result(WAITING, default_deferred)["msg"]


def test_check_from_a_server_that_does_not_load_pgaudit_shows_the_extension(
        sandbox_env, aws_client, unloaded_postgres, tmp_path, unique_name):
    rds = aws_client("rds")
    cluster = unique_name("unloaded-")
    make_cluster(rds, cluster)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {cluster: {
        "dbaudit_das_enabled": False, "dbaudit_login_port": unloaded_postgres["port"],
        "dbaudit_login_password": unloaded_postgres["password"],
        "dbaudit_role_policies": [{"database": "postgres", "profile": "strict"}]}})

    check = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, check=True, diff=True)

    assert check.rc == 0, check.explain()
    extension = check.result(EXTENSION, cluster)
    assert extension["changed"] and 'CREATE EXTENSION "pgaudit"' in extension["queries"]
    assert any("not loaded yet" in warning for warning in extension.get("warnings", []))
    # The settings are checked against the pgAudit the server has installed, and predicted with a warning.
    settings = check.result(SETTINGS, cluster)
    assert settings["changed"] and settings["targets"][0]["after"]["pgaudit.log"] == "role,ddl,write", settings
    assert any("not in shared_preload_libraries" in warning for warning in settings.get("warnings", []))


def test_check_with_both_alerting_pipelines_from_a_first_rollout(sandbox_env, aws_client, emulator_config, tmp_path,
                                                                 unique_name):
    # A fresh cluster (default group, stream stopped, no log group) and fresh pipelines: the check run starts no
    # stream and makes no log group, and must not fail on their absence. It writes nothing, shows each pipeline's
    # function to be created, and says the stream's mapping is left to the real run, which attaches both.
    rds = aws_client("rds")
    cluster = unique_name("cvr-alert-")
    make_cluster(rds, cluster)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {cluster: {}})
    names = {"dbaudit_das_alerting_enabled": True, "dbaudit_das_alerting_name": f"{cluster}-das",
             "dbaudit_pgaudit_alerting_enabled": True, "dbaudit_pgaudit_alerting_name": f"{cluster}-pga"}

    emulator_config({"reset_stats": True})
    check = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, check=True, diff=True, extra_vars=names)
    stats = emulator_config({})["stats"]
    assert check.rc == 0, check.explain()
    assert stats["writes"] == 0, stats["operations"]
    for function in (f"{cluster}-das-decrypt", f"{cluster}-pga-alert"):
        [predicted] = [result for task in check.tasks()
                       if task["task"]["name"] == f"dbaudit.postgresql.alerting_common : Lambda function {function}"
                       for result in task["hosts"].values()]
        assert predicted.get("changed"), (function, predicted)
    assert "not started yet (a check run starts none)" in check.result(
        "dbaudit.postgresql.das_alerting : Activity stream pending its maintenance window, or not started yet in a "
        "check run", cluster)["msg"]

    real = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, extra_vars=names)
    assert real.rc == 0, real.explain()
    stream = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["ActivityStreamKinesisStreamName"]
    mappings = aws_client("lambda").list_event_source_mappings(FunctionName=f"{cluster}-das-decrypt")
    assert [m["EventSourceArn"].rsplit("/", 1)[1] for m in mappings["EventSourceMappings"]] == [stream]
    [subscription] = aws_client("logs").describe_subscription_filters(
        logGroupName=f"/aws/rds/cluster/{cluster}/postgresql")["subscriptionFilters"]
    assert subscription["destinationArn"].endswith(f":function:{cluster}-pga-alert")
