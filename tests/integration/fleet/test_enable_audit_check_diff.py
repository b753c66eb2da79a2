"""``--check --diff`` on a drifted cluster: enable_audit shows the drift (pgaudit dropped from the parameter
group, an application role's audit classes reset) and changes nothing; the clusters that did not drift
report no change."""

from __future__ import annotations

from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook
from psycopg2 import sql

PLAYBOOK = CHECKOUT / "playbooks" / "enable_audit.yml"


def preload(rds, group: str) -> str:
    for page in rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=group):
        for parameter in page["Parameters"]:
            if parameter["ParameterName"] == "shared_preload_libraries":
                return parameter.get("ParameterValue", "")
    return ""


def role_setting(pg_connect, role: str) -> list:
    with pg_connect().cursor() as cursor:
        cursor.execute("SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                       "JOIN pg_database d ON d.oid = s.setdatabase WHERE r.rolname = %s AND d.datname = 'postgres'",
                       [role])
        row = cursor.fetchone()
    return row[0] if row else []


def test_check_diff_shows_the_drift_and_changes_nothing(sandbox_env, aws_client, pg_connect, tmp_path, unique_name):
    rds = aws_client("rds")
    drifted, steady = unique_name("drift-"), unique_name("steady-")
    role = unique_name("app_").replace("-", "_")
    admin = pg_connect()
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    for name in (drifted, steady):
        make_cluster(rds, name)
    inventory = tmp_path / "inventory.yml"
    policies = [{"role": role, "profile": "strict", "database": "postgres"}]
    write_inventory(inventory, sandbox_env, {drifted: {"dbaudit_role_policies": policies}, steady: {}})
    converge = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory)
    assert converge.rc == 0, converge.explain()
    assert "pgaudit.log=role,ddl,write" in role_setting(pg_connect, role)

    # Drift: someone puts the group back to the libraries it had, and resets the role's audit classes.
    group = rds.describe_db_clusters(DBClusterIdentifier=drifted)["DBClusters"][0]["DBClusterParameterGroup"]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[{
        "ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements",
        "ApplyMethod": "pending-reboot"}])
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("ALTER ROLE {} IN DATABASE postgres RESET pgaudit.log").format(sql.Identifier(role)))

    check = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, check=True, diff=True)

    assert check.rc == 0, check.explain()
    assert check.changed(drifted) > 0 and check.changed(steady) == 0
    changed_tasks = [(t["task"]["name"], t["hosts"][drifted]) for t in check.tasks()
                     if drifted in t["hosts"] and t["hosts"][drifted].get("changed")]
    # A looped task keeps each item's diff in its results.
    diffs = repr([[result.get("diff")] + [item.get("diff") for item in result.get("results", [])]
                  for _name, result in changed_tasks])
    assert "pgaudit" in diffs and "role,ddl,write" in diffs, changed_tasks
    # Nothing was changed.
    assert preload(rds, group) == "pg_stat_statements"
    assert not any(entry.startswith("pgaudit.log=") for entry in role_setting(pg_connect, role))
