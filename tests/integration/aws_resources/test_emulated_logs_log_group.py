"""dbaudit.postgresql.logs_log_group through ansible-playbook against the emulator: a log group that holds
events keeps them through every retention CloudWatch Logs accepts, and a retention it does not accept is
refused before any call that writes.

The emulator refuses retentions outside AWS's list in PutRetentionPolicy as AWS does
(sandbox/emulator/logs_retention.py), so a module that passed a bad value through would fail there;
these tests check that ours never gets that far. amazon.aws.cloudwatchlogs_log_group 10.x deleted the
group (events included) on 2192, 2557, 2922 and 3288, and on -5 or 42 created then deleted a new one.
"""

from __future__ import annotations

import time

import pytest

from sandbox.emulator.call_counter import is_read
from sandbox.emulator_control import control

ALLOWED = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
MESSAGES = ["AUDIT: SESSION,1,1,ROLE,GRANT,TABLE,,GRANT SELECT ON t TO y,<not logged>",
            "AUDIT: SESSION,2,1,DDL,CREATE TABLE,TABLE,public.t,CREATE TABLE t (id int),<not logged>"]

EVERY_RETENTION = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: retention
      dbaudit.postgresql.logs_log_group:
        log_group_name: "{{ group }}"
        retention_days: "{{ item }}"
      loop: "{{ retentions }}"
      diff: true
"""

ONE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: group
      dbaudit.postgresql.logs_log_group:
        log_group_name: "{{ group }}"
        retention_days: "{{ retention | default(omit) }}"
        never_expire: "{{ never_expire | default(omit) }}"
        keep_existing_retention: "{{ keep | default(false) }}"
      diff: true
      ignore_errors: true
"""


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


@pytest.fixture
def endpoint(sandbox_env):
    return sandbox_env["aws"]["endpoint_url"]


def writes_during(endpoint: str, run):
    """Runs ``run()`` and returns (its result, the emulator's write operations meanwhile)."""
    control(endpoint, {"reset_stats": True})
    result = run()
    operations = control(endpoint)["stats"]["operations"]
    return result, {name: n for name, n in operations.items() if not is_read(name)}


def describe(logs, group: str) -> dict | None:
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] if g["logGroupName"] == group]
    return found[0] if found else None


def events(logs, group: str) -> list[str]:
    return [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]


@pytest.fixture
def group_with_events(logs, unique_name):
    """A cluster's postgresql log group with a stream holding two AUDIT lines, as RDS would leave it."""
    group = f"/aws/rds/cluster/{unique_name('c')}/postgresql"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="instance-1")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="instance-1",
                        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(MESSAGES)])
    assert events(logs, group) == MESSAGES
    yield group
    if describe(logs, group):
        logs.delete_log_group(logGroupName=group)  # the test's own clean-up, not the module's


def test_every_accepted_retention_keeps_the_group_and_its_events(playbook, logs, endpoint, group_with_events):
    group = group_with_events
    created = describe(logs, group)["creationTime"]
    variables = {"group": group, "retentions": ALLOWED}

    # Check mode: every value would be set, nothing is written.
    run, writes = writes_during(endpoint, lambda: playbook(EVERY_RETENTION, extra_vars=variables, check=True))
    assert run.rc == 0, run.explain()
    assert writes == {}
    assert describe(logs, group).get("retentionInDays") is None

    # Every value in turn, on the group that holds the events.
    run, writes = writes_during(endpoint, lambda: playbook(EVERY_RETENTION, extra_vars=variables))
    assert run.rc == 0, run.explain()
    results = run.result("retention")["results"]
    assert [r["item"] for r in results] == ALLOWED
    previous = None
    for result in results:
        # Each step found the group there (nothing deleted it in the step before) and read back the new value.
        assert result["existed"] is True, result
        assert result["changed"] is True, result
        assert result["log_group"]["retention_in_days"] == result["item"], result
        assert result["diff"] == {"before": {"exists": True, "retention_in_days": previous},
                                  "after": {"exists": True, "retention_in_days": result["item"]}}
        previous = result["item"]
    assert writes == {"logs:PutRetentionPolicy": len(ALLOWED)}
    after = describe(logs, group)
    assert after["retentionInDays"] == 3653
    assert after["creationTime"] == created  # the same group, not a new one of the same name
    assert events(logs, group) == MESSAGES

    # Seven years, given as a string as -e passes it; then again: no change, no write.
    for expected_changed in (True, False):
        run, writes = writes_during(endpoint, lambda: playbook(ONE, extra_vars={"group": group, "retention": "2557"}))
        assert run.result("group")["changed"] is expected_changed, run.explain()
        assert writes == ({"logs:PutRetentionPolicy": 1} if expected_changed else {})
    assert describe(logs, group)["retentionInDays"] == 2557
    assert events(logs, group) == MESSAGES


@pytest.mark.parametrize("bad", [-5, 42, 0, "abc"])
def test_a_retention_aws_refuses_is_refused_before_any_write(playbook, logs, endpoint, group_with_events,
                                                             unique_name, bad):
    group = group_with_events
    logs.put_retention_policy(logGroupName=group, retentionInDays=90)
    missing = f"/aws/rds/cluster/{unique_name('c')}/postgresql"
    for name in (group, missing):
        variables = {"group": name, "retention": bad}
        run, writes = writes_during(endpoint, lambda: playbook(ONE, extra_vars=variables))  # noqa: B023 - called now
        result = run.result("group")
        assert result.get("failed") is True, result
        assert "retention_days" in result["msg"], result["msg"]
        assert writes == {}, writes
    assert describe(logs, missing) is None  # not created (then deleted) as amazon.aws did
    assert describe(logs, group)["retentionInDays"] == 90
    assert events(logs, group) == MESSAGES


def test_never_expire_and_keep_existing_retention(playbook, logs, endpoint, group_with_events, unique_name):
    group = group_with_events
    logs.put_retention_policy(logGroupName=group, retentionInDays=90)

    # An existing group's retention is left alone when asked to, whatever the retention given.
    run, writes = writes_during(endpoint, lambda: playbook(ONE, extra_vars={"group": group, "retention": 365,
                                                                            "keep": True}))
    assert run.result("group")["changed"] is False, run.explain()
    assert run.result("group")["existed"] is True
    assert writes == {}
    assert describe(logs, group)["retentionInDays"] == 90

    # A missing one is created with it (check mode first: nothing created).
    missing = f"/aws/lambda/{unique_name('f')}"
    run, writes = writes_during(endpoint, lambda: playbook(ONE, extra_vars={"group": missing, "retention": 365,
                                                                            "keep": True}, check=True))
    assert run.result("group")["changed"] is True, run.explain()
    assert run.result("group")["existed"] is False
    assert writes == {} and describe(logs, missing) is None
    run = playbook(ONE, extra_vars={"group": missing, "retention": 365, "keep": True})
    assert run.result("group")["changed"] is True, run.explain()
    assert run.result("group")["diff"] == {"before": {"exists": False, "retention_in_days": None},
                                           "after": {"exists": True, "retention_in_days": 365}}
    assert describe(logs, missing)["retentionInDays"] == 365
    logs.delete_log_group(logGroupName=missing)

    # Never expire removes the retention policy, keeps the events; twice changes once.
    for expected_changed in (True, False):
        run, writes = writes_during(endpoint, lambda: playbook(ONE, extra_vars={"group": group,
                                                                                "never_expire": True}))
        assert run.result("group")["changed"] is expected_changed, run.explain()
        assert writes == ({"logs:DeleteRetentionPolicy": 1} if expected_changed else {})
    assert describe(logs, group).get("retentionInDays") is None
    assert events(logs, group) == MESSAGES

    # Neither a retention nor never_expire: refused, nothing written.
    run, writes = writes_during(endpoint, lambda: playbook(ONE, extra_vars={"group": group}))
    assert run.result("group").get("failed") is True
    assert "give retention_days" in run.result("group")["msg"]
    assert writes == {}
