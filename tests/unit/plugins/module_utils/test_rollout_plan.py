"""The rollout plan's pure parts: waves as Ansible's serial makes them, and what a shared group change reaches."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils.rollout_plan import (  # noqa: E402
    assign_waves, group_to_change, group_would_change, plan_lines, shared_group_plan, wave_problems, wave_sizes)


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
