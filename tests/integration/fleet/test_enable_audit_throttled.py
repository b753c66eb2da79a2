"""With 30% of AWS calls answered with throttling errors (the emulator's fault switch, every service), a
10-cluster rollout still converges: every module retries throttled calls, and enable_audit sets botocore's
standard retry mode with more attempts for the amazon.aws modules it uses."""

from __future__ import annotations

from fleet_testing import cluster_state, make_cluster, write_inventory
from harness import CHECKOUT, run_playbook

PLAYBOOK = CHECKOUT / "playbooks" / "enable_audit.yml"
CLUSTERS = 10


def test_ten_clusters_converge_with_thirty_percent_of_calls_throttled(sandbox_env, aws_client, emulator_config,
                                                                      tmp_path, unique_name):
    rds = aws_client("rds")
    clusters = [unique_name(f"thr{number:02d}-") for number in range(CLUSTERS)]
    for name in clusters:
        make_cluster(rds, name)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {} for name in clusters})

    emulator_config({"throttle_rate": 0.3, "throttle_services": "all", "seed": 30, "reset_stats": True})
    run = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory, timeout=1500)
    stats = emulator_config({})["stats"]
    emulator_config({"throttle_rate": 0.0})

    assert run.rc == 0, run.explain()
    assert stats["throttled"] >= 0.2 * stats["requests"], stats
    for name in clusters:
        group, stream, exports = cluster_state(rds, name)
        assert not group.startswith("default.") and stream == "started" and exports == ("postgresql",), name

    # Converged means converged: a second run, unthrottled, has nothing left to do.
    again = run_playbook(PLAYBOOK, sandbox_env, inventory=inventory)
    assert again.rc == 0, again.explain()
    assert {name: again.changed(name) for name in clusters} == {name: 0 for name in clusters}
