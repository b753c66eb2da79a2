"""dbaudit_das_apply_immediately false: AWS starts the activity stream in the cluster's maintenance window (the
emulator holds it until the test plays the window). enable_audit succeeds and says the stream is pending, the
activity stream alerting skips that cluster instead of failing, and a run after the window attaches it."""

from __future__ import annotations

from fleet_testing import make_cluster, write_inventory
from harness import CHECKOUT, run_playbook

from sandbox.emulator_control import run_maintenance_window

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
STREAM = "dbaudit.postgresql.activity_stream : Activity stream"
PENDING = ("dbaudit.postgresql.das_alerting : Activity stream pending its maintenance window, or not started yet in a "
           "check run")


def mappings_of(lam, function: str) -> list[str]:
    try:
        mappings = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    except lam.exceptions.ResourceNotFoundException:
        return []
    return [mapping["EventSourceArn"] for mapping in mappings]


def test_deferred_stream_start_is_reported_pending_and_alerting_attaches_after_the_window(
        sandbox_env, aws_client, tmp_path, unique_name, emulator_config):
    emulator_config({"maintenance_window": "hold"})
    rds, lam = aws_client("rds"), aws_client("lambda")
    name = unique_name("dswin-")
    pipeline = unique_name("dsw")
    make_cluster(rds, name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {"dbaudit_reboot_policy": "next_maintenance_window",
                                                    "dbaudit_das_apply_immediately": False}})
    extra = {"dbaudit_das_alerting_enabled": True, "dbaudit_das_alerting_name": pipeline}

    first = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars=extra)

    assert first.rc == 0, first.explain()
    stream = first.result(STREAM, name)
    assert (stream["changed"], stream["status"], stream["pending"]) == (True, "pending maintenance window", "start")
    assert "run again after it starts" in first.result(PENDING, name)["msg"]
    assert mappings_of(lam, f"{pipeline}-decrypt") == []

    second = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars=extra)
    assert second.rc == 0, second.explain()
    assert (second.result(STREAM, name)["changed"], second.result(STREAM, name)["status"]) == (
        False, "pending maintenance window")

    assert run_maintenance_window(sandbox_env["aws"]["endpoint_url"], [name]) == [name]
    after = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars=extra)
    assert after.rc == 0, after.explain()
    assert after.result(STREAM, name)["status"] == "started"
    cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
    assert [arn.rsplit("/", 1)[-1] for arn in mappings_of(lam, f"{pipeline}-decrypt")] == [
        cluster["ActivityStreamKinesisStreamName"]]
