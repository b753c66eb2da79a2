"""The emulator's run-time knobs: how long AWS-like transitions take and how often to throttle.

Set at start from ``DBAUDIT_EMULATOR_CONFIG`` (JSON, same shape as the control API's POST) and
changed while serving through ``/dbaudit-api/config`` (see ``control_api``). Delays stay small
by default so tests are fast, but non-zero so callers must wait as they must on AWS.
"""

from __future__ import annotations

import json
import os
import random
import threading
from typing import Any

from .call_counter import COUNTER

ENV_VAR = "DBAUDIT_EMULATOR_CONFIG"

DEFAULT_DELAYS = {
    "activity_stream": 1.0,   # starting -> started, stopping -> stopped
    "reboot": 1.0,            # rebooting -> available
    "parameter_apply": 0.5,   # applying -> in-sync after a dynamic change
}
ALL_SERVICES = "all"
# ApplyImmediately=false on start/stop_activity_stream: "immediate" applies it now (as before, no windows here);
# "hold" keeps it pending until the control API's {"run_maintenance_window": ...} plays the cluster's window.
MAINTENANCE_WINDOW_MODES = ("immediate", "hold")
KEYS = ("throttle_rate", "throttle_services", "delays", "seed", "maintenance_window")
ACTIONS = ("stats", "reset_stats", "run_maintenance_window")


class ConfigError(ValueError):
    """A control API or environment setting the emulator cannot use; the message says which."""


class Settings:
    """Thread-safe holder of the knobs and of throttling counters (the server is threaded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.throttle_rate = 0.0
        self.throttle_services: list[str] | None = None
        self.delays = dict(DEFAULT_DELAYS)
        self.seed: int | None = None
        self.maintenance_window = "immediate"
        self._random = random.Random()  # noqa: S311 - fault injection, not cryptography
        self.requests = 0
        self.throttled = 0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "throttle_rate": self.throttle_rate,
                "throttle_services": ALL_SERVICES if self.throttle_services is None else list(self.throttle_services),
                "delays": dict(self.delays),
                "seed": self.seed,
                "maintenance_window": self.maintenance_window,
                "stats": {"requests": self.requests, "throttled": self.throttled, **COUNTER.snapshot()},
            }

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply a partial configuration; all of it or, on the first bad value, none of it."""
        if not isinstance(changes, dict):
            raise ConfigError("the configuration must be a JSON object")
        unknown = set(changes) - set(KEYS) - set(ACTIONS)
        if unknown:
            raise ConfigError(f"unknown keys {sorted(unknown)}; known: {list(KEYS)}, reset_stats and "
                              "run_maintenance_window")
        window = _window(changes["maintenance_window"]) if "maintenance_window" in changes else None
        rate = _rate(changes["throttle_rate"]) if "throttle_rate" in changes else None
        services = _services(changes["throttle_services"]) if "throttle_services" in changes else None
        delays = _delays(changes["delays"]) if "delays" in changes else {}
        seed = _seed(changes["seed"]) if "seed" in changes else None
        with self._lock:
            if rate is not None:
                self.throttle_rate = rate
            if "throttle_services" in changes:
                self.throttle_services = services
            self.delays.update(delays)
            if "seed" in changes:
                self.seed = seed
                self._random.seed(seed)
            if window is not None:
                self.maintenance_window = window
            if changes.get("reset_stats"):
                self.requests = self.throttled = 0
                COUNTER.reset()
        return self.snapshot()

    def delay(self, name: str) -> float:
        with self._lock:
            return float(self.delays.get(name, DEFAULT_DELAYS.get(name, 0.0)))

    def holds_for_window(self) -> bool:
        """Whether a change asked with ApplyImmediately=false waits for the maintenance window."""
        with self._lock:
            return self.maintenance_window == "hold"

    def should_throttle(self, service: str | None) -> bool:
        """Decide, and count, whether this AWS call is answered with a throttling error."""
        with self._lock:
            self.requests += 1
            if self.throttle_rate <= 0:
                return False
            if self.throttle_services is not None and (service or "").lower() not in self.throttle_services:
                return False
            throttle = self._random.random() < self.throttle_rate
            if throttle:
                self.throttled += 1
            return throttle

    def load_environment(self, environ: dict[str, str] | None = None) -> None:
        text = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
        if not text:
            return
        try:
            changes = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{ENV_VAR} is not JSON: {error}") from error
        self.update(changes)


def _rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"throttle_rate must be a number from 0 to 1, not {value!r}")
    return float(value)


def _services(value: Any) -> list[str] | None:
    if value in (ALL_SERVICES, "*", None):
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"throttle_services must be \"all\" or a list of service names, not {value!r}")
    return [item.lower() for item in value]


def _delays(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ConfigError(f"delays must be an object of name to seconds, not {value!r}")
    unknown = set(value) - set(DEFAULT_DELAYS)
    if unknown:
        raise ConfigError(f"unknown delays {sorted(unknown)}; known: {sorted(DEFAULT_DELAYS)}")
    for name, seconds in value.items():
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 3600:
            raise ConfigError(f"delay {name} must be seconds from 0 to 3600, not {seconds!r}")
    return {name: float(seconds) for name, seconds in value.items()}


def _window(value: Any) -> str:
    if value not in MAINTENANCE_WINDOW_MODES:
        raise ConfigError(f"maintenance_window must be one of {list(MAINTENANCE_WINDOW_MODES)}, not {value!r}")
    return str(value)


def _seed(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"seed must be an integer or null, not {value!r}")
    return value


SETTINGS = Settings()
