"""One AWS region per run: the fleet is read and checked in one region (rds_fleet_audit_info and rds_audit_preflight
run once), so a host of another region would be judged by what the first region holds under its name.

The case that made it matter: ``prod`` in eu-west-1 and its namesake in us-east-1. Without the guard, enable_audit's
preflight finds the us-east-1 cluster for the eu-west-1 host, and the roles skip steps by that cluster's state. Each
playbook refuses such a run before anything is read or written: the emulator counts no write call, the database is
as it was, and a run over one region (a host setting the environment's region beside one that leaves it unset) is
not refused.

Real parts: ansible-playbook, the emulator over HTTP (its call counter), the sandbox PostgreSQL."""

from __future__ import annotations

import pytest
from fleet_testing import Counted, make_cluster, run_once_result, write_inventory
from harness import CHECKOUT, run_playbook

GUARD = "Refuse a run over more than one AWS region, before any change"
PLAYBOOKS = ["enable_audit.yml", "audit_report.yml", "disable_audit.yml"]


@pytest.fixture
def namesake_inventory(sandbox_env, aws_client, unique_name, tmp_path):
    """Two hosts of one cluster name: ``home`` in the sandbox's region, ``away`` in eu-west-1 (where no such cluster
    exists; its namesake is in the sandbox's region)."""
    name = unique_name("region-")
    make_cluster(aws_client("rds"), name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {
        "home": {"dbaudit_cluster_id": name},
        "away": {"dbaudit_cluster_id": name, "dbaudit_aws_region": "eu-west-1"},
    })
    return inventory


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_a_run_over_two_regions_is_refused_before_any_change(sandbox_env, pg_connect, namesake_inventory,
                                                             playbook, tmp_path):
    region = sandbox_env["aws"]["region"]
    assert region != "eu-west-1"
    with Counted(sandbox_env, pg_connect()) as counted:
        run = run_playbook(CHECKOUT / "playbooks" / playbook, sandbox_env, inventory=namesake_inventory,
                           extra_vars={"dbaudit_report_dir": str(tmp_path / "report")})
    assert run.rc != 0
    message = run_once_result(run, GUARD)["msg"]
    assert "in 2 AWS regions" in message
    assert f"eu-west-1: away; {region}: home" in message
    assert "Nothing was changed" in message
    assert counted.writes == 0, counted.write_operations
    assert not counted.database_changed
    # Refused first: no other task ran, and audit_report wrote no report that mixes the regions.
    assert [t["task"]["name"] for t in run.tasks()] == [GUARD]
    assert not (tmp_path / "report").exists()


def test_one_region_named_or_from_the_environment_is_not_refused(sandbox_env, aws_client, unique_name, tmp_path):
    region = sandbox_env["aws"]["region"]
    name = unique_name("region-")
    make_cluster(aws_client("rds"), name)
    inventory = tmp_path / "inventory.yml"
    # One host names the environment's region, one leaves it unset, a self-managed server names another (it has no
    # AWS side): one region.
    write_inventory(inventory, sandbox_env, {
        "named": {"dbaudit_cluster_id": name, "dbaudit_aws_region": region},
        "unset": {"dbaudit_cluster_id": name},
        "own": {"dbaudit_target": "self_managed", "dbaudit_aws_region": "eu-west-1"},
    })
    run = run_playbook(CHECKOUT / "playbooks" / "audit_report.yml", sandbox_env, inventory=inventory,
                       extra_vars={"dbaudit_report_dir": str(tmp_path / "report")})
    assert run.rc == 0, run.stdout[-3000:]
    [guard] = [t for t in run.tasks() if t["task"]["name"] == GUARD]
    assert all(result.get("skipped") for result in guard["hosts"].values())
    assert (tmp_path / "report" / "audit_report.json").exists()
