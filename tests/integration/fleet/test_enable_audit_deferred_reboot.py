"""reboot_policy next_maintenance_window: enable_audit prepares the parameter group but reboots nothing, the
instances stay pending, the database steps wait for the reboot (pgAudit refuses CREATE EXTENSION before it is
loaded) and say so, and audit_report shows the pending reboot without calling it drift."""

from __future__ import annotations

import json

from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
REPORT = CHECKOUT / "playbooks" / "audit_report.yml"
WAIT = "dbaudit.postgresql.pgaudit : Database steps wait for the reboot the policy defers"


def test_deferred_reboot_leaves_instances_pending_and_database_steps_waiting(
        sandbox_env, aws_client, tmp_path, unique_name):
    rds = aws_client("rds")
    name = unique_name("deferred-")
    make_cluster(rds, name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {"dbaudit_reboot_policy": "next_maintenance_window",
                                                    "dbaudit_das_enabled": False}})

    run = run_playbook(ENABLE, sandbox_env, inventory=inventory)

    assert run.rc == 0, run.explain()
    cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
    assert {m["DBClusterParameterGroupStatus"] for m in cluster["DBClusterMembers"]} == {"pending-reboot"}
    assert f"{name}-1 reboot (next_maintenance_window)" in run.result(WAIT, name)["msg"]
    assert not [t for t in run.tasks() if t["task"]["name"].startswith("dbaudit.postgresql.pgaudit : The pgaudit ext")
                and not t["hosts"][name].get("skipped")]

    report = run_playbook(REPORT, sandbox_env, inventory=inventory, extra_vars={"dbaudit_report_dir": str(tmp_path)})
    assert report.rc == 0, report.explain()
    [row] = json.loads((tmp_path / "audit_report.json").read_text())["clusters"]
    assert row["pending_reboot"] == [f"{name}-1"]
    assert not [line for line in row["drift"] if "pending a reboot" in line], row["drift"]
