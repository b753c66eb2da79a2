"""disable_audit.yml on clusters converged by enable_audit: ``--check --diff`` shows what would change and
changes nothing; the run stops the activity stream, resets the role's pgAudit settings, drops pgaudit from
shared_preload_libraries and stops the log export while keeping the log group; a second run changes
nothing; enable_audit then brings everything back."""

from __future__ import annotations

import sys
from pathlib import Path

from harness import CHECKOUT, run_playbook
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fleet"))
from fleet_testing import cluster_state, make_cluster, write_inventory  # noqa: E402

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
DISABLE = CHECKOUT / "playbooks" / "disable_audit.yml"
EVERYTHING = {"dbaudit_disable_preload": True, "dbaudit_disable_log_export": True}


def preload(rds, group: str) -> list:
    for page in rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=group):
        for parameter in page["Parameters"]:
            if parameter["ParameterName"] == "shared_preload_libraries":
                return [lib.strip() for lib in parameter.get("ParameterValue", "").split(",") if lib.strip()]
    return []


def role_setting(pg_connect, role: str) -> list:
    with pg_connect().cursor() as cursor:
        cursor.execute("SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                       "JOIN pg_database d ON d.oid = s.setdatabase WHERE r.rolname = %s AND d.datname = 'postgres'",
                       [role])
        row = cursor.fetchone()
    return [entry for entry in (row[0] if row else []) if entry.startswith("pgaudit.")]


def snapshot(rds, pg_connect, clusters: list, role: str) -> dict:
    state = {}
    for name in clusters:
        group, das, exports = cluster_state(rds, name)
        state[name] = {"group": group, "das": das, "exports": exports, "preload": preload(rds, group)}
    state["role"] = role_setting(pg_connect, role)
    return state


def test_disable_then_enable_round_trip(sandbox_env, aws_client, pg_connect, tmp_path, unique_name):
    rds, logs = aws_client("rds"), aws_client("logs")
    clusters = [unique_name("dis-a-"), unique_name("dis-b-")]
    role = unique_name("dis_app_").replace("-", "_")
    admin = pg_connect()
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    for name in clusters:
        make_cluster(rds, name)
    inventory = tmp_path / "inventory.yml"
    policies = [{"role": role, "profile": "strict", "database": "postgres"}]
    write_inventory(inventory, sandbox_env, {clusters[0]: {"dbaudit_role_policies": policies}, clusters[1]: {}})
    converge = run_playbook(ENABLE, sandbox_env, inventory=inventory)
    assert converge.rc == 0, converge.explain()
    enabled = snapshot(rds, pg_connect, clusters, role)
    for name in clusters:
        assert enabled[name]["das"] in ("started", "starting"), enabled
        assert "pgaudit" in enabled[name]["preload"] and "postgresql" in enabled[name]["exports"], enabled
    assert "pgaudit.log=role,ddl,write" in enabled["role"]

    # --check --diff: every cluster would change, and nothing does.
    check = run_playbook(DISABLE, sandbox_env, inventory=inventory, check=True, diff=True, extra_vars=EVERYTHING)
    assert check.rc == 0, check.explain()
    assert all(check.changed(name) > 0 for name in clusters), check.stats
    assert "pgaudit" in check.stdout and "role,ddl,write" in check.stdout, check.stdout[-3000:]
    assert snapshot(rds, pg_connect, clusters, role) == enabled

    disable = run_playbook(DISABLE, sandbox_env, inventory=inventory, extra_vars=EVERYTHING)
    assert disable.rc == 0, disable.explain()
    disabled = snapshot(rds, pg_connect, clusters, role)
    for name in clusters:
        assert disabled[name]["das"] in ("stopped", "stopping"), disabled
        assert "pgaudit" not in disabled[name]["preload"], disabled
        assert "postgresql" not in disabled[name]["exports"], disabled
        # The data already collected stays: the log group is not deleted.
        groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/rds/cluster/{name}/postgresql")["logGroups"]
        assert [g["logGroupName"] for g in groups] == [f"/aws/rds/cluster/{name}/postgresql"]
    assert disabled["role"] == []

    again = run_playbook(DISABLE, sandbox_env, inventory=inventory, extra_vars=EVERYTHING)
    assert again.rc == 0, again.explain()
    assert [again.changed(name) for name in clusters] == [0, 0], again.stats
    assert snapshot(rds, pg_connect, clusters, role) == disabled

    back = run_playbook(ENABLE, sandbox_env, inventory=inventory)
    assert back.rc == 0, back.explain()
    restored = snapshot(rds, pg_connect, clusters, role)
    for name in clusters:
        assert restored[name]["das"] in ("started", "starting"), restored
        assert "pgaudit" in restored[name]["preload"] and "postgresql" in restored[name]["exports"], restored
    assert "pgaudit.log=role,ddl,write" in restored["role"]


def test_disable_on_a_cluster_never_enabled_changes_nothing(sandbox_env, aws_client, tmp_path, unique_name):
    """A cluster on its default.* group, without a stream or an export: nothing to undo, nothing fails."""
    rds = aws_client("rds")
    name = unique_name("dis-fresh-")
    make_cluster(rds, name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {}})
    before = cluster_state(rds, name)
    run = run_playbook(DISABLE, sandbox_env, inventory=inventory, extra_vars=EVERYTHING)
    assert run.rc == 0, run.explain()
    assert run.changed(name) == 0, run.stats
    assert cluster_state(rds, name) == before
