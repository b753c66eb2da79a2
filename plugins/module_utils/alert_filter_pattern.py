# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CloudWatch Logs subscription filter that feeds audit_alert, and the alert rules it must feed.

audit_alert sees only the log events the subscription filter lets through, so a rule on a class the filter
keeps out never fires, and nothing says so. ``derived_filter_pattern(rules)`` builds the pattern from the rules'
classes; ``unfed_rule_problems(rules, pattern)`` names each rule a user-given pattern can never feed (checked
before any change by run_inputs).

A pgAudit line carries its class as a CSV field: ``AUDIT: SESSION,1,1,DDL,CREATE TABLE,...``, so ``",DDL,"``
finds DDL lines. CloudWatch Logs text patterns: terms separated by spaces must all appear, ``"..."`` quotes a
term with symbols, ``?term`` terms are alternatives, ``-term`` excludes. The derived pattern uses either plain
terms (``"AUDIT:" ",ROLE,"``) or only ``?`` terms (``?",DDL," ?",ROLE,"``), never the two together, whose
combination AWS does not document.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from fnmatch import fnmatchcase
from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

# The classes pgAudit writes in its log lines (MISC_SET is its own class in the line, not MISC).
LOG_CLASSES = ("DDL", "FUNCTION", "MISC", "MISC_SET", "READ", "ROLE", "WRITE")
EVERY_AUDIT_LINE = '"AUDIT:"'
_CLASS_MARKER = re.compile(r"^,([A-Z_]+),$")


def rule_classes(rule: Dict[str, Any]) -> Tuple[str, ...]:
    """The log classes a rule can alert on: its ``classes`` globs (case-insensitive) over pgAudit's classes, all
    of them when it names none; ``exclude_classes`` taken out."""
    wanted = rule.get("classes") or []
    wanted = [wanted] if isinstance(wanted, str) else wanted
    excluded = rule.get("exclude_classes") or []
    excluded = [excluded] if isinstance(excluded, str) else excluded
    classes = []
    for name in LOG_CLASSES:
        if wanted and not any(fnmatchcase(name.lower(), str(p).lower()) for p in wanted):
            continue
        if any(fnmatchcase(name.lower(), str(p).lower()) for p in excluded):
            continue
        classes.append(name)
    return tuple(classes)


def derived_filter_pattern(rules: List[Dict[str, Any]]) -> str:
    """The narrowest text pattern that lets through every audit line a rule can alert on."""
    needed = set()
    for rule in rules or []:
        needed.update(rule_classes(rule))
    if not needed or needed == set(LOG_CLASSES):
        return EVERY_AUDIT_LINE
    classes = sorted(needed)
    if len(classes) == 1:
        return '%s ",%s,"' % (EVERY_AUDIT_LINE, classes[0])
    return " ".join('?",%s,"' % name for name in classes)


def parse_text_pattern(pattern: str) -> Tuple[List[str], List[str], List[str]]:
    """(required, any_of, excluded) terms of a text filter pattern; quotes removed."""
    required, any_of, excluded = [], [], []  # type: Tuple[List[str], List[str], List[str]]
    for token in re.findall(r'[?-]?"(?:[^"\\]|\\.)*"|\S+', pattern or ""):
        prefix = token[0] if token[0] in "?-" and len(token) > 1 else ""
        term = token[len(prefix):]
        if len(term) >= 2 and term.startswith('"') and term.endswith('"'):
            term = term[1:-1].replace('\\"', '"')
        {"?": any_of, "-": excluded, "": required}[prefix].append(term)
    return required, any_of, excluded


def _class_of(term: str) -> Optional[str]:
    match = _CLASS_MARKER.match(term)
    return match.group(1) if match and match.group(1) in LOG_CLASSES else None


def passes_class(pattern: str, log_class: str) -> bool:
    """Whether the pattern can let an audit line of ``log_class`` through. Only terms that name a class field
    (``",DDL,"``) are judged: any other term is taken as one such a line can hold."""
    required, any_of, excluded = parse_text_pattern(pattern)
    marker = ",%s," % log_class
    if any(term == marker for term in excluded):
        return False
    if any(_class_of(term) not in (None, log_class) for term in required):
        return False
    return not any_of or any(_class_of(term) in (None, log_class) for term in any_of)


def unfed_rule_problems(variable: str, rules: Any, pattern: Any, pattern_variable: str) -> List[str]:
    """One problem per rule the user-given ``pattern`` keeps some of its named classes (or, for a rule that names
    none, every class) from; empty when every rule gets its lines."""
    if not isinstance(rules, list) or not isinstance(pattern, str) or not pattern.strip():
        return []
    if pattern.strip().startswith(("{", "[", "%")):
        return []  # JSON, space-delimited and regex patterns are not judged here
    problems = []
    for position, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        classes = rule_classes(rule)
        blocked = [name for name in classes if not passes_class(pattern, name)]
        never = bool(classes) and len(blocked) == len(classes)
        if not blocked or (not rule.get("classes") and not never):
            continue
        problems.append(
            "%s[%d] (%s): the subscription filter %s=%r never lets %s audit lines through, so the rule %s; leave "
            "%s empty to derive it from the rules (%s), or widen it"
            % (variable, position, rule.get("name"), pattern_variable, pattern, ", ".join(blocked),
               "can never fire" if never else "misses them", pattern_variable, derived_filter_pattern(rules)))
    return problems
