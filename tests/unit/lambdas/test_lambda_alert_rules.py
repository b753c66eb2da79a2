"""Alert rules: criteria, globs, exclusions, object names, validation."""

from __future__ import annotations

import pytest
from dbaudit_alerts.audit_event import AuditEvent, from_das_event
from dbaudit_alerts.rules import RuleError, matching_rules, parse_rules, rule_matches


def event(**fields) -> AuditEvent:
    base = {"source": "pgaudit", "user": "alice", "database": "appdb", "audit_class": "ROLE", "command": "GRANT",
            "object_name": "public.salaries"}
    base.update(fields)
    return AuditEvent(**base)


def test_criteria_all_must_hold_and_are_case_insensitive():
    (rule,) = parse_rules('[{"name": "r", "classes": ["role"], "users": ["ALICE"], "databases": ["app*"]}]')
    assert rule_matches(rule, event())
    assert not rule_matches(rule, event(database="other"))
    assert not rule_matches(rule, event(audit_class="READ"))


def test_exclusions_veto():
    (rule,) = parse_rules('[{"name": "r", "classes": ["ROLE"], "exclude_users": ["deploy_*"], '
                          '"exclude_commands": ["ALTER ROLE"]}]')
    assert rule_matches(rule, event())
    assert not rule_matches(rule, event(user="deploy_bot"))
    assert not rule_matches(rule, event(command="ALTER ROLE"))


def test_object_patterns_match_qualified_and_unqualified_names():
    (bare, qualified) = parse_rules('[{"name": "a", "objects": ["salaries"]}, {"name": "b", "objects": ["hr.*"]}]')
    assert rule_matches(bare, event(object_name="public.salaries"))
    assert rule_matches(bare, event(object_name="salaries"))
    assert not rule_matches(qualified, event(object_name="public.salaries"))
    assert rule_matches(qualified, event(object_name="hr.payroll"))


def test_empty_rule_matches_everything_and_order_is_kept():
    rules = parse_rules('[{"name": "all"}, {"name": "reads", "classes": "READ"}]')
    assert [r.name for r in matching_rules(rules, event(audit_class="READ"))] == ["all", "reads"]


def test_das_events_map_to_the_same_fields():
    das = from_das_event({"class": "DDL", "command": "DROP TABLE", "dbUserName": "bob", "databaseName": "d",
                          "objectName": "public.t", "remoteHost": "10.0.0.1", "remotePort": "5000",
                          "clusterId": "cluster-X", "instanceId": "db-Y", "newFieldIn1_4": 1})
    (rule,) = parse_rules('[{"name": "drops", "commands": ["DROP *"], "objects": ["t"]}]')
    assert rule_matches(rule, das)
    assert (das.client, das.cluster, das.instance) == ("10.0.0.1(5000)", "cluster-X", "db-Y")


@pytest.mark.parametrize("text, fragment", [
    ("not json", "not valid JSON"),
    ('{"name": "x"}', "JSON list"),
    ('[{"classes": ["ROLE"]}]', "'name'"),
    ('[{"name": "has space"}]', "'name'"),
    ('[{"name": "x", "exclude_user": ["a"]}]', "unknown field(s) exclude_user"),
    ('[{"name": "x", "users": [1]}]', "'users' must be a list"),
    ('[{"name": "x"}, {"name": "x"}]', "repeated: x"),
])
def test_bad_rules_are_refused_with_the_reason(text, fragment):
    with pytest.raises(RuleError, match=None) as caught:
        parse_rules(text)
    assert fragment in str(caught.value)
