"""enable_audit's preflight: every cluster is checked before any is changed, one table says what is wrong,
and the run stops before its first wave - or, with dbaudit_skip_failing_hosts, rolls out only the others.

Clusters are made in the emulator for this test; each is mapped to the sandbox server's ``postgres``
database, with no application role policies, so only the preflight and the RDS side are exercised."""

from __future__ import annotations

from fleet_testing import cluster_state, make_cluster, rollout_tasks, run_once_result, write_inventory
from harness import CHECKOUT, run_playbook

PLAYBOOK = CHECKOUT / "playbooks" / "enable_audit.yml"
PREFLIGHT = "Check every cluster at once (engine, version, status, instance classes, DAS support, KMS key)"


def fleet(rds, unique_name):
    good, burstable, wrong_login, missing, deferred = (unique_name(f"pf-{kind}-")
                                                       for kind in ("ok", "t3", "pw", "gone", "mw"))
    make_cluster(rds, good)
    make_cluster(rds, burstable, "db.t3.medium")
    make_cluster(rds, wrong_login)
    # Its reboots wait for the maintenance window, but starting its stream at once would restart it now.
    make_cluster(rds, deferred)
    hosts = {good: {}, burstable: {}, wrong_login: {"dbaudit_login_password": "not-the-password"}, missing: {},
             deferred: {"dbaudit_reboot_policy": "next_maintenance_window"}}
    return good, burstable, wrong_login, missing, deferred, hosts


def test_one_table_of_every_problem_and_nothing_changed(sandbox_env, aws_client, tmp_path, unique_name):
    rds = aws_client("rds")
    good, burstable, wrong_login, missing, deferred, hosts = fleet(rds, unique_name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, hosts)
    before = {name: cluster_state(rds, name) for name in (good, burstable, wrong_login, deferred)}

    run = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory)

    assert run.rc != 0
    preflight = run_once_result(run, PREFLIGHT)
    assert preflight["failing_hosts"] == sorted([burstable, wrong_login, missing, deferred])
    assert preflight["hosts"][good]["problems"] == []
    assert preflight["hosts"][good]["instance_classes"] == ["db.r6g.large"]
    assert any("burstable" in p and "db.t3.medium" in p for p in preflight["hosts"][burstable]["problems"])
    assert any(p.startswith("cannot connect to PostgreSQL") and "password" in p
               for p in preflight["hosts"][wrong_login]["problems"])
    assert preflight["hosts"][missing]["problems"] == [f"cluster {missing} not found in this account and region"]
    [restart] = preflight["hosts"][deferred]["problems"]
    assert "restarts the cluster at once" in restart and "next_maintenance_window" in restart
    # One table with a line per host, and the bulk read: one describe of clusters and one of instances.
    table = "\n".join(preflight["table"])
    for host in hosts:
        assert host in table
    assert preflight["api_calls"]["describe_db_clusters"] == 1
    assert preflight["api_calls"]["describe_db_instances"] == 1
    # Nothing was changed anywhere, the good cluster included: the run stopped before the first wave.
    assert {name: cluster_state(rds, name) for name in before} == before
    assert rollout_tasks(run) == []
    assert run.changed(good) == 0


def test_skip_failing_hosts_rolls_out_the_others_only(sandbox_env, aws_client, tmp_path, unique_name):
    rds = aws_client("rds")
    good, burstable, wrong_login, missing, deferred, hosts = fleet(rds, unique_name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, hosts)
    before = {name: cluster_state(rds, name) for name in (burstable, wrong_login, deferred)}

    run = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, extra_vars={"dbaudit_skip_failing_hosts": True})

    assert run.rc == 0, run.explain()
    group, stream, exports = cluster_state(rds, good)
    assert not group.startswith("default.") and stream == "started" and exports == ("postgresql",)
    assert {name: cluster_state(rds, name) for name in before} == before
    for host in (burstable, wrong_login, missing, deferred):
        assert run.changed(host) == 0
