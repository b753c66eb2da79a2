"""The emulator's control API from the outside: read or change its delays and throttling, read its call counts
(``/dbaudit-api/config``, served by ``sandbox.emulator.control_api``). Used by tests, benchmarks and the demo."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

SETTING_KEYS = ("throttle_rate", "throttle_services", "delays", "seed", "maintenance_window")


def control(endpoint: str, changes: dict | None = None) -> dict[str, Any]:
    """GET the configuration and stats (no changes), or POST changes and get the result back."""
    data = None if changes is None else json.dumps(changes).encode()
    request = urllib.request.Request(f"{endpoint.rstrip('/')}/dbaudit-api/config", data=data,  # noqa: S310 - loopback
                                     method="GET" if data is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback emulator
        return json.load(response)


def run_maintenance_window(endpoint: str, clusters: list[str] | None = None) -> list[str]:
    """Play the emulated maintenance window (of the named clusters, or all): held activity stream starts and stops
    proceed. Returns the clusters that had one."""
    return control(endpoint, {"run_maintenance_window": clusters or True})["maintenance_window_applied"]


def settings(endpoint: str) -> dict[str, Any]:
    """The settings part of the configuration, in the shape POST takes (to put them back later)."""
    current = control(endpoint)
    return {key: current[key] for key in SETTING_KEYS}
