# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure functions over RDS parameter records: values by DataType, the ``shared_preload_libraries``
merge, validation against a family's parameters, and the plan of a modification.

A parameter record is what ``describe_db_cluster_parameters`` / ``describe_db_parameters`` return
for one parameter (``ParameterName``, ``ParameterValue``, ``Source``, ``ApplyType``, ``DataType``,
``AllowedValues``, ``IsModifiable``). Nothing here calls AWS.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re
from typing import Any
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional
from typing import Tuple

MAX_PARAMETERS_PER_MODIFY = 20
PRELOAD_PARAMETER = "shared_preload_libraries"
APPLY_METHODS = ("immediate", "pending-reboot")

_TRUE = ("1", "on", "true", "yes", "t", "y")
_FALSE = ("0", "off", "false", "no", "f", "n")
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_RANGE = re.compile(r"^(" + _NUMBER + r")-(" + _NUMBER + r")$")
_SINGLE = re.compile(r"^" + _NUMBER + r"$")
_INTEGER = re.compile(r"^-?\d+$")
# RDS accepts formulas for numeric parameters: {DBInstanceClassMemory/9531392}, LEAST(...), GREATEST(...), SUM(...).
_FORMULA = re.compile(r"^\s*(\{.*\}|(LEAST|GREATEST|SUM)\s*\(.*\))\s*$", re.IGNORECASE)
# AllowedValues that are patterns rather than enumerations are not checked here (AWS checks them).
_PATTERN_CHARS = re.compile(r"[\^\[\]()*+?\\|]")


def is_default_group(name: str) -> bool:
    """AWS's own groups (``default.aurora-postgresql15``) cannot be modified or deleted."""
    return (name or "").startswith("default.")


def split_list(value: Optional[str]) -> List[str]:
    """A comma list as its elements, spaces stripped, empty elements dropped."""
    if value is None:
        return []
    return [element.strip() for element in str(value).split(",") if element.strip()]


def _is_formula(value: str) -> bool:
    return bool(_FORMULA.match(value))


def _allowed_tokens(record: Dict) -> List[str]:
    return split_list(record.get("AllowedValues"))


def to_aws_value(record: Dict, value: Any) -> str:
    """A module option value (str, bool, int, float or list from YAML) as the string RDS stores.

    Booleans follow the parameter: ``0``/``1`` for DataType boolean, otherwise the spelling its
    AllowedValues use (``on``/``off``, ``true``/``false``). YAML reads a bare ``on`` as true, so
    this matters for string parameters too.
    """
    data_type = record.get("DataType")
    if isinstance(value, (list, tuple)):
        return ",".join(str(element).strip() for element in value)
    if isinstance(value, bool):
        if data_type == "boolean":
            return "1" if value else "0"
        allowed = [token.lower() for token in _allowed_tokens(record)]
        for true_word, false_word in (("on", "off"), ("true", "false"), ("1", "0")):
            if true_word in allowed or false_word in allowed:
                return true_word if value else false_word
        return "1" if value else "0"
    if data_type == "boolean":
        text = str(value).strip().lower()
        if text in _TRUE:
            return "1"
        if text in _FALSE:
            return "0"
    if isinstance(value, float) and value == int(value) and data_type == "integer":
        return str(int(value))
    return str(value).strip() if data_type in ("integer", "float", "boolean") else str(value)


def comparable(record: Dict, value: Optional[str]) -> Any:
    """A value in the form two equal settings share: ``1`` == ``on`` for a boolean, ``0100`` == ``100``
    for an integer, ``a, b`` == ``a,b`` for a list, case ignored where PostgreSQL ignores it."""
    if value is None:
        return None
    data_type = record.get("DataType")
    text = str(value).strip()
    if data_type == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return lowered
    if data_type in ("integer", "float"):
        if _SINGLE.match(text):
            number = float(text)
            return int(number) if number == int(number) else number
        return re.sub(r"\s+", "", text)
    if data_type == "list":
        return tuple(element.lower() for element in split_list(text))
    if _allowed_tokens(record) and not _PATTERN_CHARS.search(record.get("AllowedValues") or ""):
        return text.lower()
    return str(value)


def values_equal(record: Dict, left: Optional[str], right: Optional[str]) -> bool:
    """Whether two values of the parameter mean the same setting (see ``comparable``)."""
    return comparable(record, left) == comparable(record, right)


def _numeric_bounds(tokens: List[str]) -> Optional[List[Tuple[float, float]]]:
    bounds = []
    for token in tokens:
        match = _RANGE.match(token)
        if match:
            bounds.append((float(match.group(1)), float(match.group(2))))
        elif _SINGLE.match(token):
            bounds.append((float(token), float(token)))
        else:
            return None
    return bounds


def value_problem(record: Dict, value: str) -> Optional[str]:
    """Why RDS would refuse ``value`` for this parameter (type, AllowedValues), or None."""
    data_type = record.get("DataType")
    allowed = record.get("AllowedValues")
    text = value.strip()
    if data_type == "boolean":
        if text.lower() not in _TRUE + _FALSE:
            return f"is a boolean; use 1 or 0 (true/false, on/off), not {value!r}"
        return None
    if data_type in ("integer", "float"):
        if _is_formula(text):
            return None
        if data_type == "integer" and not _INTEGER.match(text):
            return f"is an integer, {value!r} is not one"
        if data_type == "float" and not _SINGLE.match(text):
            return f"is a number, {value!r} is not one"
        bounds = _numeric_bounds(split_list(allowed)) if allowed else None
        if bounds and not any(low <= float(text) <= high for low, high in bounds):
            return f"must be within {allowed}, not {value}"
        return None
    if not allowed or _PATTERN_CHARS.search(allowed):
        return None
    tokens = {token.lower() for token in split_list(allowed)}
    if data_type == "list":
        refused = [element for element in split_list(text) if element.lower() not in tokens]
        if refused:
            return f"allows only {allowed}; {', '.join(refused)} {'is' if len(refused) == 1 else 'are'} not allowed"
        return None
    if text.lower() not in tokens:
        return f"allows only {allowed}, not {value!r}"
    return None


def effective_value(record: Optional[Dict], engine_default: Optional[Dict] = None) -> Optional[str]:
    """The value the group gives a parameter: its own (user or system) value, or the engine default."""
    if record is not None and record.get("ParameterValue") is not None:
        return record["ParameterValue"]
    if engine_default is not None:
        return engine_default.get("ParameterValue")
    return None


def merge_list(current: Optional[str], additions: Iterable[str]) -> Tuple[str, List[str]]:
    """``current`` with ``additions`` appended: existing entries kept in order (duplicates folded),
    nothing dropped, an addition already there not repeated. Returns (value, entries added)."""
    merged = []  # type: List[str]
    for element in split_list(current):
        if element not in merged:
            merged.append(element)
    added = []  # type: List[str]
    for element in additions:
        element = str(element).strip()
        if element and element not in merged:
            merged.append(element)
            added.append(element)
    return ",".join(merged), added


def apply_method_for(record: Dict, dynamic_apply_method: str = "immediate") -> str:
    """``pending-reboot`` for a static parameter (RDS refuses ``immediate`` there), else the chosen method."""
    if record.get("ApplyType") == "static":
        return "pending-reboot"
    return dynamic_apply_method


def _unknown_name_message(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.75)
    if len(close) > 1:
        close = [", ".join(close[:-1]) + " or " + close[-1]]
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{name}: no such parameter in this family{hint}"


def plan_changes(records: Dict[str, Dict], desired: Dict[str, Any], engine_defaults: Optional[Dict[str, Dict]] = None,
                 dynamic_apply_method: str = "immediate") -> Tuple[List[Dict], List[str]]:
    """What to modify so the group holds ``desired`` (name -> option value), and every problem found.

    ``records`` are the group's parameters by name (for a group still to be created, those of
    its source or of the family's engine defaults). Problems (unknown name, not modifiable, wrong
    type, value outside AllowedValues) are all collected; the caller must change nothing when
    there are any. A change is a dict ``name, before, after, apply_type, apply_method``; only a
    value that differs makes one (never ApplyMethod alone: RDS changes it only with the value).
    """
    engine_defaults = engine_defaults or {}
    changes = []  # type: List[Dict]
    errors = []  # type: List[str]
    for name in sorted(desired):
        record = records.get(name)
        if record is None:
            errors.append(_unknown_name_message(name, records))
            continue
        after = to_aws_value(record, desired[name])
        problem = value_problem(record, after)
        if problem:
            errors.append(f"{name} {problem}")
            continue
        before = effective_value(record, engine_defaults.get(name))
        if values_equal(record, before, after):
            continue
        if not record.get("IsModifiable", True):
            errors.append(f"{name} is not modifiable in RDS parameter groups (it stays {before!r})")
            continue
        changes.append({
            "name": name,
            "before": before,
            "after": after,
            "apply_type": record.get("ApplyType"),
            "apply_method": apply_method_for(record, dynamic_apply_method),
        })
    return changes, errors


def modify_requests(changes: List[Dict]) -> List[List[Dict]]:
    """The ``Parameters`` of each modify call: batches of at most 20, as RDS allows."""
    parameters = [{"ParameterName": c["name"], "ParameterValue": c["after"], "ApplyMethod": c["apply_method"]}
                  for c in changes]
    return [parameters[i:i + MAX_PARAMETERS_PER_MODIFY] for i in range(0, len(parameters), MAX_PARAMETERS_PER_MODIFY)]


def reboot_required(changes: List[Dict]) -> bool:
    """A change takes effect only after a reboot: a static parameter, or one applied ``pending-reboot``."""
    return any(c["apply_method"] == "pending-reboot" for c in changes)


def family_of(engine: Optional[str], engine_version: Optional[str]) -> Optional[str]:
    """The parameter group family of an engine and version: ``aurora-postgresql`` 15.4 -> ``aurora-postgresql15``."""
    if not engine or not engine_version or engine not in ("postgres", "aurora-postgresql"):
        return None
    parts = engine_version.split(".")
    if not parts[0].isdigit():
        return None
    major = parts[0] if int(parts[0]) >= 10 else ".".join(parts[:2])
    return f"{engine}{major}"
