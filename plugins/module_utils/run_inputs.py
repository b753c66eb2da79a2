# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The inputs of a whole run, checked before its first change.

Role argument specs check types and choices, but only when the role runs: in enable_audit that is in the
host's wave, after the canary has been changed, and the alerting roles run after every wave. What they
cannot express at all (a profile name that resolves, pgAudit classes, an e-mail address, a role that must
exist on the server) the modules refused only when they got to it. Here it is checked at once, for every
host, from the variables themselves: ``input_problems(variables)`` returns one message per problem, each
naming the variable (``dbaudit_role_policies[0].profile: ...``). enable_audit's and disable_audit's
preflight (rds_audit_preflight, ``targets[].inputs``) and each role's first task (the ``run_input_problems``
filter) call it. Pure functions: the roles and databases that exist come from pgaudit_fleet_info's read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional

from ansible_collections.dbaudit.postgresql.plugins.module_utils.alert_filter_pattern import unfed_rule_problems
from ansible_collections.dbaudit.postgresql.plugins.module_utils.logs_retention import retention_days_problem
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import validate_names
from ansible_collections.dbaudit.postgresql.plugins.module_utils.pgaudit import validate_settings

POLICIES = "dbaudit_role_policies"
PROFILES = "dbaudit_audit_profiles"
OBJECT_AUDIT = "dbaudit_object_audit"

# Retention variables; dbaudit_log_retention_days counts only when the log export is on (it is unused otherwise).
RETENTION_VARIABLES = (
    "dbaudit_log_retention_days",
    "dbaudit_pgaudit_alerting_log_retention_days",
    "dbaudit_pgaudit_alerting_log_group_retention_days",
    "dbaudit_das_alerting_log_retention_days",
)
SUBSCRIPTION_VARIABLES = ("dbaudit_pgaudit_alerting_subscriptions", "dbaudit_das_alerting_subscriptions")
RULE_VARIABLES = ("dbaudit_pgaudit_alerting_rules", "dbaudit_das_alerting_rules")
# A user-given subscription filter must feed the pgAudit alert rules (empty: derived from them by the role).
FILTER_PATTERN = "dbaudit_pgaudit_alerting_filter_pattern"
DEFAULT_PGAUDIT_RULES = [{"name": "role-changes", "classes": ["ROLE"]}]
KEY_ALIAS_VARIABLES = ("dbaudit_das_key_alias", "dbaudit_pgaudit_alerting_key_alias", "dbaudit_das_alerting_key_alias")

# SNS e-mail endpoints. Not RFC 5322 (which allows quoted local parts and spaces no mail system takes from a
# form): one @, a non-empty local part, a domain of dot-separated labels with at least one dot, no white space.
EMAIL_PROTOCOLS = ("email", "email-json")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

# The alert rules the Lambda functions take (ALERT_RULES). The same shape as lambdas/common/dbaudit_alerts/rules.py
# checks, which a Lambda zip cannot share with the controller; a unit test keeps the two in agreement.
RULE_CRITERIA = ("classes", "commands", "users", "databases", "objects")
RULE_KEYS = frozenset(("name",) + RULE_CRITERIA + tuple("exclude_" + c for c in RULE_CRITERIA))
_RULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")

# KMS CreateAlias: alias/ then 1 to 250 of these characters; alias/aws/ is reserved for AWS managed keys.
_KEY_ALIAS = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")


def email_problem(value: Any) -> Optional[str]:
    """None when ``value`` is a well-formed e-mail address (the simple rule above); else why not."""
    if not isinstance(value, str) or not _EMAIL.match(value):
        return ("%r is not an e-mail address (one @, a non-empty local part, a domain with a dot, no spaces)"
                % (value,))
    return None


def subscription_problems(variable: str, subscriptions: Any) -> List[str]:
    if subscriptions is None:
        return []
    if not isinstance(subscriptions, list):
        return ["%s: must be a list of {protocol, endpoint}, got %r" % (variable, subscriptions)]
    problems = []
    for position, item in enumerate(subscriptions):
        where = "%s[%d]" % (variable, position)
        if not isinstance(item, dict) or not item.get("protocol") or not item.get("endpoint"):
            problems.append("%s: must be a {protocol, endpoint} with both given, got %r" % (where, item))
            continue
        if str(item["protocol"]).lower() in EMAIL_PROTOCOLS:
            problem = email_problem(item["endpoint"])
            if problem:
                problems.append("%s.endpoint: %s" % (where, problem))
    return problems


def rule_problems(variable: str, rules: Any) -> List[str]:
    if rules is None:
        return []
    if not isinstance(rules, list):
        return ["%s: must be a list of rules, got %r" % (variable, rules)]
    problems = []
    names = []
    for position, rule in enumerate(rules):
        where = "%s[%d]" % (variable, position)
        if not isinstance(rule, dict):
            problems.append("%s: a rule is a dict with a name, got %r" % (where, rule))
            continue
        name = rule.get("name")
        if not isinstance(name, str) or not _RULE_NAME.match(name):
            problems.append("%s.name: must be 1-64 letters, digits or _.:- (it appears in alert subjects), got %r"
                            % (where, name))
        names.append(name)
        unknown = sorted(str(key) for key in set(rule) - RULE_KEYS)
        if unknown:
            problems.append("%s: unknown field(s) %s; allowed: %s"
                            % (where, ", ".join(unknown), ", ".join(sorted(RULE_KEYS))))
        for key in sorted(RULE_KEYS - set(["name"])):
            patterns = rule.get(key, [])
            patterns = [patterns] if isinstance(patterns, str) else patterns
            if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
                problems.append("%s.%s: must be a list of non-empty strings, got %r" % (where, key, rule.get(key)))
    repeated = sorted(set(str(n) for n in names if names.count(n) > 1))
    if repeated:
        problems.append("%s: rule names must be unique; repeated: %s" % (variable, ", ".join(repeated)))
    return problems


def key_alias_problem(variable: str, alias: Any) -> Optional[str]:
    if not isinstance(alias, str) or not _KEY_ALIAS.match(alias):
        return "%s: %r is not a KMS alias name (alias/ then letters, digits, /, _ or -)" % (variable, alias)
    if alias.startswith("alias/aws/"):
        return "%s: %r is reserved for AWS managed keys; name a customer managed key's alias" % (variable, alias)
    return None


def _policy_label(policy: Dict[str, Any]) -> str:
    parts = []
    if policy.get("role") is not None:
        parts.append("role %r" % (policy["role"],))
    if policy.get("database") is not None:
        parts.append("database %r" % (policy["database"],))
    return " in ".join(parts)


def policy_problems(policies: Any, profiles: Any, disabling: bool = False) -> List[str]:
    """Each policy names a role and/or database and a profile of ``profiles`` whose settings pgAudit takes
    (disabling, only the setting names matter: they are what is reset)."""
    if policies is None:
        return []
    if not isinstance(policies, list):
        return ["%s: must be a list of {role, database, profile}, got %r" % (POLICIES, policies)]
    if not isinstance(profiles, dict):
        return ["%s: must be a dict of profile name to pgAudit settings, got %r" % (PROFILES, profiles)]
    problems = []
    checked = {}
    for position, policy in enumerate(policies):
        where = "%s[%d]" % (POLICIES, position)
        if not isinstance(policy, dict):
            problems.append("%s: must be a dict {role, database, profile}, got %r" % (where, policy))
            continue
        unknown = sorted(str(key) for key in set(policy) - set(["role", "database", "profile"]))
        if unknown:
            problems.append("%s: unknown key(s) %s (a policy takes role, database and profile)"
                            % (where, ", ".join(unknown)))
        for key in ("role", "database"):
            if key in policy and (not isinstance(policy[key], str) or not policy[key]):
                problems.append("%s.%s: must be a non-empty name, got %r" % (where, key, policy[key]))
        if policy.get("role") is None and policy.get("database") is None:
            problems.append("%s: names neither a role nor a database" % where)
        profile = policy.get("profile")
        if profile is None:
            problems.append("%s: no profile given (known profiles: %s)" % (where, ", ".join(sorted(profiles))))
            continue
        if not isinstance(profile, str) or profile not in profiles:
            problems.append("%s.profile: %r is not defined in %s (known profiles: %s)"
                            % (where, profile, PROFILES, ", ".join(sorted(str(p) for p in profiles))))
            continue
        if profile not in checked:
            checked[profile] = profile_problems(profile, profiles[profile], disabling)
            problems.extend(checked[profile])
    return problems


def profile_problems(name: str, settings: Any, disabling: bool = False) -> List[str]:
    label = "%s.%s" % (PROFILES, name)
    if not isinstance(settings, dict) or not settings:
        return ["%s: must be a non-empty dict of pgAudit settings, got %r" % (label, settings)]
    if disabling:
        return validate_names(settings, label=label)[1]
    return validate_settings(settings, label=label)[1]


def _named(items: Any, key: str) -> List[str]:
    if not isinstance(items, list):
        return []
    return [item[key] for item in items if isinstance(item, dict) and isinstance(item.get(key), str) and item[key]]


def wanted_roles(variables: Dict[str, Any]) -> List[str]:
    """The roles the run's policies name, which must exist on the server (pgaudit_fleet_info find_roles)."""
    return sorted(set(_named(variables.get(POLICIES), "role")))


def wanted_databases(variables: Dict[str, Any]) -> List[str]:
    """The databases the policies and object auditing name, which must exist (pgaudit_fleet_info find_databases).
    Those of dbaudit_databases are connected to by the database check itself, which reports one that is missing."""
    return sorted(set(_named(variables.get(POLICIES), "database") + _named(variables.get(OBJECT_AUDIT), "database")))


def existence_problems(variables: Dict[str, Any], server: Optional[Dict[str, Any]]) -> List[str]:
    """Roles and databases named by the policies (and databases listed) that the server does not have, from
    ``server`` (a pgaudit_fleet_info server result read with find_roles / find_databases). Nothing is said when
    the server was not read or not asked: the preflight reports a failed read on its own."""
    if not server or server.get("failed") or server.get("skipped"):
        return []
    problems = []
    found_roles = server.get("found_roles")
    if found_roles is not None:
        for position, policy in enumerate(variables.get(POLICIES) or []):
            role = policy.get("role") if isinstance(policy, dict) else None
            if isinstance(role, str) and role and role not in found_roles:
                problems.append("%s[%d].role: role %r does not exist on the server" % (POLICIES, position, role))
    found_databases = server.get("found_databases")
    if found_databases is not None:
        for variable, key in ((POLICIES, "database"), (OBJECT_AUDIT, "database")):
            items = variables.get(variable)
            for position, item in enumerate(items if isinstance(items, list) else []):
                database = item.get(key) if isinstance(item, dict) else None
                if isinstance(database, str) and database and database not in found_databases:
                    problems.append("%s[%d].%s: database %r does not exist on the server"
                                    % (variable, position, key, database))
    return problems


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def input_problems(variables: Dict[str, Any], server: Optional[Dict[str, Any]] = None,
                   disabling: bool = False) -> List[str]:
    """Every problem with one host's run variables (only the variables given are checked; a variable left to
    its role default is valid), and, with ``server``, the roles and databases that do not exist there."""
    variables = variables or {}
    problems = []
    if POLICIES in variables:
        problems.extend(policy_problems(variables[POLICIES], variables.get(PROFILES, {}), disabling))
    if disabling:
        return problems
    for variable in RETENTION_VARIABLES:
        if variable not in variables:
            continue
        if variable == "dbaudit_log_retention_days" and not _as_bool(variables.get("dbaudit_log_export", True)):
            continue
        problem = retention_days_problem(variables[variable])
        if problem:
            problems.append("%s: %s" % (variable, problem))
    for variable in SUBSCRIPTION_VARIABLES:
        problems.extend(subscription_problems(variable, variables.get(variable)))
    for variable in RULE_VARIABLES:
        problems.extend(rule_problems(variable, variables.get(variable)))
    if variables.get(FILTER_PATTERN) is not None:
        pattern = variables[FILTER_PATTERN]
        if not isinstance(pattern, str):
            problems.append("%s: must be a CloudWatch Logs filter pattern (a string), got %r"
                            % (FILTER_PATTERN, pattern))
        problems.extend(unfed_rule_problems(RULE_VARIABLES[0], variables.get(RULE_VARIABLES[0], DEFAULT_PGAUDIT_RULES),
                                            pattern, FILTER_PATTERN))
    for variable in KEY_ALIAS_VARIABLES:
        if variable in variables:
            problem = key_alias_problem(variable, variables[variable])
            if problem:
                problems.append(problem)
    return problems + existence_problems(variables, server)


def host_message(host: str, problems: Iterable[str]) -> str:
    """One line for a failure message: ``orders-prod: problem; problem``."""
    return "%s: %s" % (host, "; ".join(problems))
