"""Reading configuration from environment variables, with errors that name the variable.

A Lambda function's configuration is its environment; a typo there should fail the first
invocation with a message saying which variable and what was expected, not a KeyError deep in
the code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


class ConfigurationError(ValueError):
    """An environment variable holds a value the function cannot use."""


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_text(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(name, default).strip()


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    if name not in environ:
        return default
    value = environ[name].strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name}={environ[name]!r}: expected true or false")


def env_number(name: str, default: float, environ: Mapping[str, str] | None = None,
               minimum: float = 0) -> float:
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r}: expected a number") from None
    if value < minimum:
        raise ConfigurationError(f"{name}={raw!r}: must be at least {minimum:g}")
    return value


def env_list(name: str, default: tuple[str, ...] = (), environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """A comma-separated list; unset gives the default, an empty value gives an empty list."""
    environ = os.environ if environ is None else environ
    if name not in environ:
        return default
    return tuple(part.strip() for part in environ[name].split(",") if part.strip())
