"""Alert rules: which audit events deserve a human's attention.

A rule names the events it wants by class, command, user, database and object, and the ones
it does not by the same criteria prefixed ``exclude_``. Within one criterion the patterns are
alternatives (shell-style globs, case-insensitive, because PostgreSQL folds unquoted names and
pgAudit and DAS spell commands in upper case); across criteria all must hold; any exclusion
that matches vetoes the event. An empty or absent criterion matches everything.

Rules are JSON (environment variable ``ALERT_RULES``), for example::

    [{"name": "role-changes", "classes": ["ROLE"]},
     {"name": "payroll-reads", "classes": ["READ"], "objects": ["payroll.*"],
      "exclude_users": ["report_bot"]}]

An object pattern without a dot also matches the unqualified name, so ``salaries`` matches
``public.salaries`` as well as ``salaries``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .audit_event import AuditEvent

CRITERIA = ("classes", "commands", "users", "databases", "objects")
RULE_KEYS = frozenset(("name",) + CRITERIA + tuple(f"exclude_{c}" for c in CRITERIA))
DEFAULT_RULES_JSON = '[{"name": "role-changes", "classes": ["ROLE"]}]'
RULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class RuleError(ValueError):
    """A rule definition that cannot be used, with the rule and field named."""


@dataclass(frozen=True)
class AlertRule:
    """One rule; each tuple holds lower-cased glob patterns."""

    name: str
    classes: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    databases: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    exclude_classes: tuple[str, ...] = ()
    exclude_commands: tuple[str, ...] = ()
    exclude_users: tuple[str, ...] = ()
    exclude_databases: tuple[str, ...] = ()
    exclude_objects: tuple[str, ...] = ()


def parse_rules(text: str) -> tuple[AlertRule, ...]:
    """Rules from their JSON text; raises RuleError naming the rule and field that are wrong."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise RuleError(f"alert rules are not valid JSON: {exc}") from None
    if not isinstance(raw, list):
        raise RuleError("alert rules must be a JSON list of objects")
    rules = []
    for position, item in enumerate(raw):
        rules.append(_parse_rule(item, position))
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RuleError(f"alert rule names must be unique; repeated: {', '.join(duplicates)}")
    return tuple(rules)


def _parse_rule(item: object, position: int) -> AlertRule:
    if not isinstance(item, dict):
        raise RuleError(f"alert rule #{position + 1} must be a JSON object")
    name = item.get("name")
    if not isinstance(name, str) or not RULE_NAME.match(name):
        raise RuleError(f"alert rule #{position + 1}: 'name' must be 1-64 letters, digits or _.:- "
                        f"(it appears in subjects and flood-control state), got {name!r}")
    unknown = sorted(set(item) - RULE_KEYS)
    if unknown:
        raise RuleError(f"alert rule {name!r}: unknown field(s) {', '.join(unknown)}; "
                        f"allowed: {', '.join(sorted(RULE_KEYS))}")
    values = {}
    for key in RULE_KEYS - {"name"}:
        patterns = item.get(key, [])
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            raise RuleError(f"alert rule {name!r}: {key!r} must be a list of non-empty strings")
        values[key] = tuple(p.lower() for p in patterns)
    return AlertRule(name=name, **values)


def _matches_any(patterns: tuple[str, ...], value: str, is_object: bool = False) -> bool:
    value = value.lower()
    for pattern in patterns:
        if fnmatchcase(value, pattern):
            return True
        if is_object and "." not in pattern and "." in value and fnmatchcase(value.rsplit(".", 1)[1], pattern):
            return True
    return False


def _event_values(event: AuditEvent) -> dict[str, str]:
    return {"classes": event.audit_class, "commands": event.command, "users": event.user,
            "databases": event.database, "objects": event.object_name}


def rule_matches(rule: AlertRule, event: AuditEvent) -> bool:
    """Whether ``event`` is one ``rule`` alerts on."""
    values = _event_values(event)
    for criterion in CRITERIA:
        is_object = criterion == "objects"
        wanted = getattr(rule, criterion)
        if wanted and not _matches_any(wanted, values[criterion], is_object):
            return False
        excluded = getattr(rule, f"exclude_{criterion}")
        if excluded and _matches_any(excluded, values[criterion], is_object):
            return False
    return True


def matching_rules(rules: tuple[AlertRule, ...], event: AuditEvent) -> list[AlertRule]:
    """Every rule that ``event`` matches, in rule order."""
    return [rule for rule in rules if rule_matches(rule, event)]
