"""module_utils.alert_filter_pattern: the subscription filter derived from the pgAudit alert rules lets every rule's
lines through (judged by the sandbox pipeline's own CloudWatch Logs pattern matcher on real-shaped audit lines), and a
given filter that keeps a rule's lines out is refused by run_inputs before any change."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))
sys.path.insert(0, str(CHECKOUT))
sys.path.insert(0, str(CHECKOUT / "lambdas" / "common"))
sys.path.insert(0, str(CHECKOUT / "lambdas" / "audit_alert"))

from ansible_collections.dbaudit.postgresql.plugins.filter.alert_filter_pattern import alert_filter_pattern  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import alert_filter_pattern as afp  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import run_inputs  # noqa: E402
from pgaudit_lines import parse_entry  # noqa: E402  (how audit_alert reads the lines)
from sandbox.pipeline import filter_pattern  # noqa: E402

PREFIX = "2026-11-24 14:50:34.167 UTC:127.0.0.1(43638):app@postgres:[17070]:LOG:  AUDIT: SESSION,1,1,"
LINES = {
    "DDL": PREFIX + "DDL,CREATE TABLE,TABLE,public.t,CREATE TABLE t (id int),<not logged>",
    "FUNCTION": PREFIX + "FUNCTION,EXECUTE,FUNCTION,public.f,SELECT f(),<not logged>",
    "MISC": PREFIX + "MISC,VACUUM,,,VACUUM,<not logged>",
    "MISC_SET": PREFIX + "MISC_SET,SET,,,SET x = 1,<not logged>",
    "READ": PREFIX + "READ,SELECT,TABLE,public.t,SELECT * FROM t,<not logged>",
    "ROLE": PREFIX + "ROLE,GRANT,TABLE,,GRANT SELECT ON t TO y,<not logged>",
    "WRITE": PREFIX + "WRITE,INSERT,TABLE,public.t,\"INSERT INTO t VALUES (1, 2)\",<not logged>",
}
NOT_AUDIT = "2026-11-24 14:50:34.167 UTC:127.0.0.1(43638):app@postgres:[17070]:LOG:  connection authorized"

RULE_SETS = [
    [{"name": "role-changes", "classes": ["ROLE"]}],
    [{"name": "role-changes", "classes": ["ROLE"]}, {"name": "schema", "classes": ["DDL"]}],
    [{"name": "writes", "classes": ["write", "ddl"], "objects": ["payroll.*"]}],
    [{"name": "misc", "classes": ["misc*"]}],
    [{"name": "all-but-reads", "exclude_classes": ["READ"]}],
    [{"name": "everything"}],
    [{"name": "by-user", "users": ["intruder"]}, {"name": "roles", "classes": ["ROLE"]}],
]


def passed(pattern: str) -> set:
    matcher = filter_pattern.parse(pattern)
    return {name for name, line in LINES.items() if matcher.matches(line)}


@pytest.mark.parametrize("rules", RULE_SETS, ids=lambda rules: "+".join(r["name"] for r in rules))
def test_derived_pattern_lets_through_every_class_a_rule_takes(rules):
    pattern = afp.derived_filter_pattern(rules)
    wanted = set().union(*(afp.rule_classes(rule) for rule in rules))
    assert wanted <= passed(pattern), pattern
    assert run_inputs.input_problems({"dbaudit_pgaudit_alerting_rules": rules,
                                      "dbaudit_pgaudit_alerting_filter_pattern": pattern}) == []
    assert alert_filter_pattern(rules) == pattern


def test_derived_patterns_are_narrow_and_never_mix_and_with_or():
    assert afp.derived_filter_pattern([{"name": "r", "classes": ["ROLE"]}]) == '"AUDIT:" ",ROLE,"'
    ddl_and_role = afp.derived_filter_pattern(RULE_SETS[1])
    assert ddl_and_role == '?",DDL," ?",ROLE,"'
    assert passed(ddl_and_role) == {"DDL", "ROLE"}
    assert not filter_pattern.parse(ddl_and_role).matches(NOT_AUDIT)
    assert afp.derived_filter_pattern([{"name": "e"}]) == '"AUDIT:"'
    assert afp.derived_filter_pattern([]) == '"AUDIT:"'
    assert afp.rule_classes({"name": "m", "classes": ["misc*"]}) == ("MISC", "MISC_SET")
    assert afp.rule_classes({"name": "m", "classes": ["misc"]}) == ("MISC",)


def test_default_filter_with_a_ddl_rule_is_refused_before_any_change():
    rules = RULE_SETS[1]
    found = run_inputs.input_problems({"dbaudit_pgaudit_alerting_rules": rules,
                                       "dbaudit_pgaudit_alerting_filter_pattern": '"AUDIT:" ",ROLE,"'})
    assert len(found) == 1
    assert found[0].startswith("dbaudit_pgaudit_alerting_rules[1] (schema): the subscription filter")
    assert "never lets DDL audit lines through, so the rule can never fire" in found[0]
    assert '?",DDL," ?",ROLE,"' in found[0]


@pytest.mark.parametrize(("pattern", "rules", "blocked"), [
    ('"AUDIT:" ",ROLE,"', [{"name": "w", "classes": ["WRITE", "ROLE"]}], "WRITE"),  # a named class left out
    ('?",ROLE," ?",READ,"', [{"name": "d", "classes": ["DDL"]}], "DDL"),
    ('"AUDIT:" -",DDL,"', [{"name": "d", "classes": ["DDL"]}], "DDL"),
    ('",READ,"', [{"name": "r", "classes": ["ROLE"]}], "ROLE"),
])
def test_given_filters_that_keep_a_rules_classes_out(pattern, rules, blocked):
    [problem] = run_inputs.input_problems({"dbaudit_pgaudit_alerting_rules": rules,
                                           "dbaudit_pgaudit_alerting_filter_pattern": pattern})
    assert f"never lets {blocked} audit lines through" in problem
    assert blocked not in passed(pattern)


@pytest.mark.parametrize(("pattern", "rules"), [
    ('"AUDIT:"', RULE_SETS[1]),
    ('"AUDIT:" "payroll"', [{"name": "d", "classes": ["DDL"]}]),  # other terms are the user's business
    ('"AUDIT:" ",ROLE,"', [{"name": "everything"}]),  # a rule on every class still gets the ROLE lines
    ("", RULE_SETS[1]),  # empty: the role derives it
    ('{ $.class = "DDL" }', RULE_SETS[1]),  # JSON patterns are not judged
])
def test_given_filters_that_feed_the_rules(pattern, rules):
    assert run_inputs.input_problems({"dbaudit_pgaudit_alerting_rules": rules,
                                      "dbaudit_pgaudit_alerting_filter_pattern": pattern}) == []


def test_a_given_filter_is_checked_against_the_default_rule_and_must_be_a_string():
    assert run_inputs.input_problems({"dbaudit_pgaudit_alerting_filter_pattern": '"AUDIT:" ",DDL,"'})[0].startswith(
        "dbaudit_pgaudit_alerting_rules[0] (role-changes)")
    assert "must be a CloudWatch Logs filter pattern" in run_inputs.input_problems(
        {"dbaudit_pgaudit_alerting_filter_pattern": 42})[0]


def test_the_sample_lines_are_what_audit_alert_reads_as_their_class():
    assert set(afp.LOG_CLASSES) == set(LINES)
    for name, line in LINES.items():
        assert parse_entry(line).audit_class == name
