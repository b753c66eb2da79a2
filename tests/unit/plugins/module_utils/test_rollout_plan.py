"""The rollout plan's pure parts: waves as Ansible's serial makes them, and what a shared group change reaches."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import (  # noqa: E402
    assign_waves, converged_lines, group_to_change, group_would_change, plan_lines, rollout_plan, shared_group_plan,
    wave_problems, wave_sizes)


@pytest.mark.parametrize("waves,total,sizes", [
    ([1, "50%", "100%"], 10, [1, 5, 4]),
    ([1, "50%", "100%"], 1, [1]),
    ([1, "50%", "100%"], 3, [1, 1, 1]),
    ([2], 5, [2, 2, 1]),
    (["30%"], 10, [3, 3, 3, 1]),
    (["1%"], 3, [1, 1, 1]),
    (["3"], 4, [3, 1]),
])
def test_wave_sizes_follow_serial(waves, total, sizes):
    assert wave_sizes(waves, total) == sizes


@pytest.mark.parametrize("waves", [[0], ["0"], [-1], ["150%"], ["0%"], ["abc"], [], "1", [True]])
def test_waves_that_hold_no_host_or_more_than_all_are_refused(waves):
    assert wave_problems(waves)


@pytest.mark.parametrize("waves", [None, [1, "50%", "100%"], ["1", "25%"], [5]])
def test_valid_waves(waves):
    assert wave_problems(waves) == []


def test_assign_waves_in_play_order():
    assert assign_waves(["a", "b", "c", "d"], [1, "50%", "100%"]) == {"a": 1, "b": 2, "c": 2, "d": 3}


def test_group_to_change():
    assert group_to_change("default.aurora-postgresql15", "", "c1", False) == "c1-dbaudit"
    assert group_to_change("custom", "", "c1", False) == "custom"
    assert group_to_change("default.aurora-postgresql15", "fleet-pg", "c1", False) == "fleet-pg"
    assert group_to_change("default.aurora-postgresql15", "", "c1", True) is None
    assert group_to_change("custom", "", "c1", True) == "custom"


def record(name, value, **extra):
    return dict(ParameterName=name, ParameterValue=value, ApplyType="static", DataType="list",
                IsModifiable=True, **extra)


def test_group_would_change():
    without = [record("shared_preload_libraries", "pg_stat_statements")]
    with_pgaudit = [record("shared_preload_libraries", "pg_stat_statements,pgaudit")]
    assert group_would_change(without, ["pgaudit"], None, False) is True
    assert group_would_change(with_pgaudit, ["pgaudit"], None, False) is False
    assert group_would_change(with_pgaudit, ["pgaudit"], None, True) is True
    assert group_would_change(without, ["pgaudit"], None, True) is False


def target(host, group, allow=False):
    return dict(host=host, cluster_identifier=host, group=group, allow_shared=allow)


def test_shared_group_reaching_outside_is_refused_for_every_host_on_it_unless_all_allow():
    targets = [target("a", "g"), target("b", "g"), target("c", "own")]
    in_use = {"g": ["a", "b", "x"], "own": ["c"]}
    waves = {"a": 1, "b": 2, "c": 2}
    plan = shared_group_plan(targets, in_use, {"g": True}, ["a", "b", "c"], waves)
    assert plan["a"]["outside_run"] == ["x"] and plan["a"]["refused"] and plan["b"]["refused"]
    assert not plan["c"]["refused"] and plan["c"]["clusters"] == ["c"]
    allowed = shared_group_plan([target("a", "g", True), target("b", "g", True)], in_use, {"g": True}, ["a", "b"],
                                {"a": 1, "b": 2})
    assert not allowed["a"]["refused"]
    unchanged = shared_group_plan(targets, in_use, {"g": False}, ["a", "b", "c"], waves)
    assert not unchanged["a"]["refused"]


def test_plan_names_the_wave_of_the_change_and_every_cluster_it_reaches():
    targets = [target("a", "g"), target("b", "g"), target("c", "g")]
    waves = {"a": 1, "b": 2, "c": 2}
    plan = shared_group_plan(targets, {"g": ["a", "b", "c"]}, {"g": True}, ["a", "b", "c"], waves)
    assert plan["c"]["changed_by"] == "a" and plan["c"]["changed_in_wave"] == 1
    assert plan_lines(plan, waves, False) == [
        "wave 1: a",
        "  changes g, shared: it reaches b (wave 2, pending a reboot until then), "
        "c (wave 2, pending a reboot until then)",
        "wave 2: b, c",
    ]


def test_converged_hosts_get_no_wave_and_drifting_ones_keep_serial_order():
    targets = [target("a", "own-a"), target("b", "own-b"), target("c", "own-c"), target("d", "own-d")]
    in_use = {f"own-{h}": [h] for h in "abcd"}

    def shared(rollout, waves):
        return shared_group_plan(targets, in_use, {}, rollout, waves)

    drift = {"a": [], "b": ["log export is off"], "c": [], "d": ["database orders: the extension is not installed"]}
    rollout, waves, _plan = rollout_plan(["a", "b", "c", "d"], drift, [1, "100%"], shared)
    assert rollout == ["b", "d"] and waves == {"b": 1, "d": 2}
    everything, _waves, _plan = rollout_plan(["a", "b", "c", "d"], {h: None for h in "abcd"}, [1], shared)
    assert everything == ["a", "b", "c", "d"]
    nothing, no_waves, _plan = rollout_plan(["a", "b"], {"a": [], "b": []}, [1], shared)
    assert nothing == [] and no_waves == {}


def test_a_converged_host_on_a_group_that_a_drifting_host_changes_joins_the_rollout():
    targets = [target("a", "g"), target("b", "g"), target("c", "own")]
    in_use = {"g": ["a", "b"], "own": ["c"]}

    def shared(rollout, waves):
        return shared_group_plan(targets, in_use, {"g": True, "own": False}, rollout, waves)

    rollout, waves, plan = rollout_plan(["a", "b", "c"], {"a": [], "b": ["pgaudit.log differs"], "c": []}, [1], shared)
    assert rollout == ["a", "b"] and waves == {"a": 1, "b": 2}
    assert not plan["a"]["refused"] and plan["a"]["outside_run"] == []
    unchanged, _waves, _plan = rollout_plan(
        ["a", "b", "c"], {"a": [], "b": ["log export is off"], "c": []}, [1],
        lambda rollout, waves: shared_group_plan(targets, in_use, {"g": False}, rollout, waves))
    assert unchanged == ["b"]


def test_converged_line_names_the_hosts_and_counts_the_rest():
    assert converged_lines([]) == []
    assert converged_lines(["a"]) == ["converged, nothing to change (no wave): 1 host: a"]
    line = converged_lines([f"h{n:02d}" for n in range(25)])[0]
    assert line.startswith("converged, nothing to change (no wave): 25 hosts: h00, h01") and line.endswith(
        "h19 and 5 more")
