"""How AWS judges a parameter modification, as pure functions over catalog records.

RDS checks each parameter of a Modify/Reset call against the family's definition before it
changes anything, and answers with ``InvalidParameterValue`` or ``InvalidParameterCombination``.
The messages are the ones AWS gives (seen in public issue reports), so a module that surfaces
them reads as it would against AWS.
"""

from __future__ import annotations

import re
from typing import Any

from moto.rds.exceptions import RDSClientError

MAX_PARAMETERS_PER_CALL = 20
APPLY_METHODS = ("immediate", "pending-reboot")

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"({_NUMBER})-({_NUMBER})")
_SINGLE = re.compile(_NUMBER)
# Integer parameters may be set to a formula, e.g. {DBInstanceClassMemory/9531392}.
_FORMULA = re.compile(r"\{.*\}")


def invalid_value(message: str) -> RDSClientError:
    return RDSClientError("InvalidParameterValue", message)


def invalid_combination(message: str) -> RDSClientError:
    return RDSClientError("InvalidParameterCombination", message)


def is_static(record: dict[str, Any]) -> bool:
    return record.get("ApplyType") == "static"


def check_batch(parameters: list[dict[str, Any]]) -> None:
    if not parameters:
        raise invalid_value("The parameter Parameters must be provided and must not be empty.")
    if len(parameters) > MAX_PARAMETERS_PER_CALL:
        raise invalid_combination(f"Cannot modify more than {MAX_PARAMETERS_PER_CALL} parameters in a single request")


def _tokens(allowed_values: str) -> list[str]:
    return [token.strip() for token in allowed_values.split(",") if token.strip()]


def _numeric_bounds(tokens: list[str]) -> list[tuple[float, float]] | None:
    """AllowedValues like ``0-2147483647`` or ``-1,64-1024`` as (low, high) pairs; None if not numeric."""
    bounds = []
    for token in tokens:
        if match := _RANGE.fullmatch(token):
            bounds.append((float(match.group(1)), float(match.group(2))))
        elif _SINGLE.fullmatch(token):
            bounds.append((float(token), float(token)))
        else:
            return None
    return bounds


def value_allowed(data_type: str | None, allowed_values: str | None, value: str) -> bool:
    """Whether ``value`` is within ``allowed_values`` for a parameter of ``data_type``.

    Numbers are checked against ranges; ``list`` values element by element (``pgaudit.log`` =
    ``ddl,role`` needs both ``ddl`` and ``role`` allowed); other types against the enumeration.
    Enumerations compare case-insensitively, as PostgreSQL reads them.
    """
    if not allowed_values:
        return True
    tokens = _tokens(allowed_values)
    if data_type in ("integer", "float"):
        if _FORMULA.fullmatch(value.strip()):
            return True
        bounds = _numeric_bounds(tokens)
        if bounds is not None:
            if not _SINGLE.fullmatch(value.strip()):
                return False
            if data_type == "integer" and not re.fullmatch(r"-?\d+", value.strip()):
                return False
            number = float(value)
            return any(low <= number <= high for low, high in bounds)
    allowed = {token.lower() for token in tokens}
    if data_type == "list":
        elements = [element.strip().lower() for element in value.split(",")]
        return all(element in allowed for element in elements if element)
    return value.strip().lower() in allowed


def check_modification(record: dict[str, Any] | None, name: str, value: str | None,
                       apply_method: str | None) -> None:
    """Raise the error AWS gives for this one parameter change; ``record`` None = not in the family."""
    if record is None:
        raise invalid_value(f"Could not find parameter with name: {name}")
    if not record.get("IsModifiable", True):
        raise invalid_value(f"The parameter {name} cannot be modified.")
    if apply_method not in APPLY_METHODS:
        raise invalid_value(f"Invalid value {apply_method} for ApplyMethod of parameter {name}: "
                            f"must be one of {', '.join(APPLY_METHODS)}")
    if apply_method == "immediate" and is_static(record):
        raise invalid_combination("cannot use immediate apply method for static parameter")
    if value is None:
        raise invalid_value(f"The parameter value for parameter {name} must be provided.")
    if not value_allowed(record.get("DataType"), record.get("AllowedValues"), value):
        raise invalid_value(f"Invalid parameter value: {value} for: {name} allowed values are: "
                            f"{record.get('AllowedValues')}")


def check_reset(record: dict[str, Any] | None, name: str) -> None:
    if record is None:
        raise invalid_value(f"Could not find parameter with name: {name}")
    if not record.get("IsModifiable", True):
        raise invalid_value(f"The parameter {name} cannot be modified.")
