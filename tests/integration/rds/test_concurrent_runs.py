"""Two runs at once over the same clusters (two job slices, two operators): the run that loses a creation race
adopts what the other made, and an instance the other run already rebooted is not rebooted a second time.

The module functions run in this process against the emulator over HTTP; the rival run is played by the same
emulator's API, called by a thin proxy at the exact point between the module's read and its write (the only way
to make such a race deterministic here). Everything else - requests, errors, reboots - is the emulator's."""

from __future__ import annotations

import sys

from harness import CHECKOUT, Rival, wait_for
from rds_readback import cluster_parameter, members

sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.modules import rds_parameter_group  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import rds_reboot  # noqa: E402


def group_params(**overrides):
    params = dict(family=None, source_group="default.aurora-postgresql15", description="made by a race test",
                  parameters={}, preload_libraries=["pgaudit"], dynamic_apply_method="immediate", tags=None,
                  purge_tags=False)
    params.update(overrides)
    return params


def test_copy_of_a_default_group_that_another_run_made_meanwhile_is_adopted(rds, unique_name):
    name = unique_name("race-pg-")

    def other_run_copies_it():
        rds.copy_db_cluster_parameter_group(SourceDBClusterParameterGroupIdentifier="default.aurora-postgresql15",
                                            TargetDBClusterParameterGroupIdentifier=name,
                                            TargetDBClusterParameterGroupDescription="the other run's copy")

    client = Rival(rds, {"copy_db_cluster_parameter_group": other_run_copies_it})
    result = rds_parameter_group.ensure_present(client, False, "cluster", name, group_params())

    assert "copy_db_cluster_parameter_group" in client.calls  # this run did lose the race
    assert any("adopted" in warning for warning in result["warnings"])
    assert cluster_parameter(rds, name, "shared_preload_libraries") == "pg_stat_statements,pgaudit"
    again = rds_parameter_group.ensure_present(rds, False, "cluster", name, group_params())
    assert again["changed"] is False


def test_instance_rebooted_by_another_run_while_this_one_waited_is_not_rebooted_again(
        rds, make_cluster, make_group, emulator_config):
    group = make_group()
    cluster = make_cluster(instance_classes=("db.r6g.large",), parameter_group=group)
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[{
        "ParameterName": "shared_preload_libraries", "ParameterValue": "pgaudit", "ApplyMethod": "pending-reboot"}])
    pending = [state[3] for state in members(rds, cluster).values()]
    assert pending == ["pending-reboot"]
    emulator_config({"delays": {"reboot": 1}})
    reboots = []

    def other_run_reboots_it():
        rds.reboot_db_instance(DBInstanceIdentifier=f"{cluster}-1")
        reboots.append("rival")

    # The rival reboots between this run's plan (pending) and its own reboot call (while it waits for "available").
    client = Rival(rds, {})
    rebooter = rds_reboot.Rebooter(client, cluster, None, wait_timeout=60)
    original_wait = rebooter.wait_member

    def wait_member(identifier, done, what):
        if not reboots:
            other_run_reboots_it()
        return original_wait(identifier, done, what)

    rebooter.wait_member = wait_member
    result = rds_reboot.ensure_rebooted(rebooter, False, True, False, None)

    assert reboots == ["rival"]
    assert "reboot_db_instance" not in client.calls
    assert result["changed"] is False and result["rebooted"] == [] and result["not_pending"] == [f"{cluster}-1"]
    wait_for(lambda: members(rds, cluster)[f"{cluster}-1"][3] == "in-sync", timeout=30)
