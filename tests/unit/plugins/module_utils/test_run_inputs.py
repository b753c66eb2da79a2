"""module_utils.run_inputs: every rule the preflight (and each role's first task) applies to a run's variables
before any change, and the places that must agree with it (the lambdas' rule parser, the playbooks' list of
variables passed, the filter plugin)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))
sys.path.insert(0, str(CHECKOUT))
sys.path.insert(0, str(CHECKOUT / "lambdas" / "common"))

from ansible_collections.dbaudit.postgresql.plugins.filter.run_input_problems import run_input_problems  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import run_inputs  # noqa: E402
from dbaudit_alerts import rules as lambda_rules  # noqa: E402

PROFILES = yaml.safe_load((CHECKOUT / "roles/audit_profiles/defaults/main.yml").read_text())["dbaudit_audit_profiles"]


def problems(**variables):
    variables.setdefault("dbaudit_audit_profiles", PROFILES)
    return run_inputs.input_problems(variables)


# Policies and profiles ------------------------------------------------------------------------

def test_valid_policies_have_no_problem():
    assert problems(dbaudit_role_policies=[{"role": "app", "profile": "baseline"},
                                           {"database": "orders", "profile": "strict"},
                                           {"role": "app", "database": "orders", "profile": "full"}]) == []


def test_misspelled_profile_names_the_entry_and_the_known_profiles():
    found = problems(dbaudit_role_policies=[{"role": "app", "profile": "baseline"},
                                            {"role": "app", "profile": "basline"}])
    assert found == ["dbaudit_role_policies[1].profile: 'basline' is not defined in dbaudit_audit_profiles "
                     "(known profiles: baseline, full, strict)"]


@pytest.mark.parametrize("policy, expected", [
    ({"role": "app"}, "dbaudit_role_policies[0]: no profile given"),
    ({"profile": "baseline"}, "dbaudit_role_policies[0]: names neither a role nor a database"),
    ({"role": "", "profile": "baseline"}, "dbaudit_role_policies[0].role: must be a non-empty name"),
    ({"role": "app", "profile": "baseline", "databse": "x"}, "dbaudit_role_policies[0]: unknown key(s) databse"),
    ("app", "dbaudit_role_policies[0]: must be a dict"),
])
def test_malformed_policy(policy, expected):
    assert any(p.startswith(expected) for p in problems(dbaudit_role_policies=[policy])), problems(
        dbaudit_role_policies=[policy])


def test_invalid_class_in_a_custom_profile_is_found_once_however_many_policies_use_it():
    profiles = dict(PROFILES, custom={"log": ["role", "wirte"]})
    found = problems(dbaudit_audit_profiles=profiles,
                     dbaudit_role_policies=[{"role": "a", "profile": "custom"}, {"role": "b", "profile": "custom"}])
    assert len(found) == 1
    assert found[0].startswith(
        "dbaudit_audit_profiles.custom.log: invalid value for pgaudit.log: unknown class 'wirte'")


def test_misspelled_setting_name_in_a_profile():
    profiles = dict(PROFILES, custom={"logg": "role"})
    found = problems(dbaudit_audit_profiles=profiles, dbaudit_role_policies=[{"role": "a", "profile": "custom"}])
    assert found and found[0].startswith("dbaudit_audit_profiles.custom.logg: unknown pgAudit setting 'pgaudit.logg'")


def test_unused_profiles_are_not_checked():
    assert problems(dbaudit_audit_profiles=dict(PROFILES, draft={"log": "wirte"}), dbaudit_role_policies=[]) == []


def test_disabling_checks_setting_names_only():
    profiles = dict(PROFILES, custom={"log": "wirte"}, typo={"logg": "role"})
    policies = [{"role": "a", "profile": "custom"}, {"role": "b", "profile": "typo"}, {"role": "c", "profile": "nope"}]
    found = run_inputs.input_problems({"dbaudit_role_policies": policies, "dbaudit_audit_profiles": profiles,
                                       "dbaudit_log_retention_days": 42}, disabling=True)
    assert [p.split(":")[0] for p in found] == ["dbaudit_audit_profiles.typo", "dbaudit_role_policies[2].profile"]


# Retentions -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [-5, 0, 42, "42", "abc", None, True, 3654])
def test_retentions_cloudwatch_logs_refuses(value):
    found = problems(dbaudit_log_retention_days=value)
    assert len(found) == 1 and found[0].startswith("dbaudit_log_retention_days: retention")


@pytest.mark.parametrize("value", [1, 365, "30", 3653])
def test_retentions_cloudwatch_logs_accepts(value):
    assert problems(dbaudit_log_retention_days=value, dbaudit_pgaudit_alerting_log_retention_days=value,
                    dbaudit_das_alerting_log_retention_days=value) == []


@pytest.mark.parametrize("export", [False, "false", "no", 0])
def test_log_retention_is_unused_without_the_export(export):
    assert problems(dbaudit_log_export=export, dbaudit_log_retention_days=0) == []


def test_alerting_retentions_are_checked_by_name():
    found = problems(dbaudit_pgaudit_alerting_log_group_retention_days=42, dbaudit_das_alerting_log_retention_days=-5)
    assert [p.split(":")[0] for p in found] == ["dbaudit_pgaudit_alerting_log_group_retention_days",
                                                "dbaudit_das_alerting_log_retention_days"]


# E-mail endpoints -----------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["ops@example.com", "first.last+audit@mail.example.co.uk", "a@b.c"])
def test_well_formed_addresses(address):
    assert run_inputs.email_problem(address) is None


@pytest.mark.parametrize("address", ["not-an-email", "@example.com", "ops@", "ops@example", "ops@@example.com",
                                     "ops@exa mple.com", " ops@example.com", "ops@example..com", "ops@.example.com",
                                     "a@b@example.com", "", None, 42])
def test_malformed_addresses(address):
    assert run_inputs.email_problem(address)


def test_only_email_subscriptions_are_checked_as_addresses():
    subscriptions = [{"protocol": "email", "endpoint": "not-an-email"},
                     {"protocol": "sqs", "endpoint": "arn:aws:sqs:eu-west-1:123456789012:q"},
                     {"protocol": "email-json", "endpoint": "ops@example"},
                     {"protocol": "email"}]
    found = problems(dbaudit_das_alerting_subscriptions=subscriptions)
    assert [p.split(":")[0] for p in found] == ["dbaudit_das_alerting_subscriptions[0].endpoint",
                                                "dbaudit_das_alerting_subscriptions[2].endpoint",
                                                "dbaudit_das_alerting_subscriptions[3]"]
    assert "'not-an-email' is not an e-mail address" in found[0]


# Alert rules: the controller's check agrees with the Lambda functions' parser -----------------

RULE_CASES = [
    [{"name": "role-changes", "classes": ["ROLE"]}],
    [{"name": "payroll", "objects": "payroll.*", "exclude_users": ["bot"]}],
    [{"name": "bad name!"}],
    [{"classes": ["ROLE"]}],
    [{"name": "x", "clases": ["ROLE"]}],
    [{"name": "x", "classes": [""]}],
    [{"name": "x", "users": [1]}],
    [{"name": "x"}, {"name": "x"}],
    ["role-changes"],
]


@pytest.mark.parametrize("rules", RULE_CASES)
def test_rule_check_agrees_with_the_lambda_parser(rules):
    try:
        lambda_rules.parse_rules(json.dumps(rules))
        lambda_accepts = True
    except lambda_rules.RuleError:
        lambda_accepts = False
    assert (run_inputs.rule_problems("dbaudit_pgaudit_alerting_rules", rules) == []) is lambda_accepts


def test_rule_keys_are_the_lambdas():
    assert run_inputs.RULE_KEYS == lambda_rules.RULE_KEYS


# KMS aliases ----------------------------------------------------------------------------------

@pytest.mark.parametrize("alias, ok", [("alias/dbaudit-das", True), ("alias/team/audit_key", True),
                                       ("dbaudit-das", False), ("alias/", False), ("alias/aws/rds", False),
                                       ("alias/has space", False), (None, False)])
def test_key_alias(alias, ok):
    assert (run_inputs.key_alias_problem("dbaudit_das_key_alias", alias) is None) is ok


# Roles and databases that must exist ----------------------------------------------------------

HOSTILE = 'x"; DROP TABLE t; --'


def test_wanted_names_come_from_the_policies_and_object_auditing():
    variables = {"dbaudit_role_policies": [{"role": "app", "profile": "baseline"}, {"role": HOSTILE, "profile": "x"},
                                           {"database": "orders", "profile": "strict"}, "junk"],
                 "dbaudit_object_audit": [{"database": "billing", "privileges": ["SELECT"]}]}
    assert run_inputs.wanted_roles(variables) == sorted(["app", HOSTILE])
    assert run_inputs.wanted_databases(variables) == ["billing", "orders"]


def test_missing_roles_and_databases_on_the_server():
    variables = {"dbaudit_audit_profiles": PROFILES,
                 "dbaudit_role_policies": [{"role": "app", "profile": "baseline"},
                                           {"role": HOSTILE, "profile": "baseline"},
                                           {"role": "app", "database": "gone", "profile": "strict"}],
                 "dbaudit_object_audit": [{"database": "orders", "privileges": ["SELECT"]}]}
    server = {"found_roles": ["app"], "found_databases": ["orders"]}
    assert run_inputs.input_problems(variables, server) == [
        f"dbaudit_role_policies[1].role: role {HOSTILE!r} does not exist on the server",
        "dbaudit_role_policies[2].database: database 'gone' does not exist on the server"]


@pytest.mark.parametrize("server", [None, {}, {"failed": True, "msg": "no connection"}, {"found_databases": []}])
def test_roles_are_not_judged_without_a_read(server):
    variables = {"dbaudit_audit_profiles": PROFILES, "dbaudit_role_policies": [{"role": "app", "profile": "baseline"}]}
    assert run_inputs.input_problems(variables, server) == []


# The filter and the playbooks -----------------------------------------------------------------

def test_filter_is_the_same_check():
    variables = {"dbaudit_audit_profiles": PROFILES, "dbaudit_role_policies": [{"role": "a", "profile": "basline"}]}
    assert run_input_problems(variables) == run_inputs.input_problems(variables)


def test_playbooks_pass_every_variable_run_inputs_checks():
    listed = yaml.safe_load((CHECKOUT / "playbooks/vars/run_inputs.yml").read_text())["dbaudit_run_input_variables"]
    passed = set(name for names in listed.values() for name in names)
    checked = set(run_inputs.RETENTION_VARIABLES + run_inputs.SUBSCRIPTION_VARIABLES + run_inputs.RULE_VARIABLES
                  + run_inputs.KEY_ALIAS_VARIABLES
                  + (run_inputs.POLICIES, run_inputs.OBJECT_AUDIT, "dbaudit_log_export", run_inputs.FILTER_PATTERN))
    assert passed == checked
    assert not any("password" in name for name in passed)
