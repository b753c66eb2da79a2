"""``/dbaudit-api/config`` on the emulator's own port, and the throttling fault switch in front of moto.

    GET  /dbaudit-api/config  -> {"throttle_rate": 0.0, "throttle_services": "all",
                                  "delays": {"activity_stream": 1.0, "reboot": 1.0, "parameter_apply": 0.5},
                                  "seed": null, "stats": {"requests": 0, "throttled": 0}}
    POST /dbaudit-api/config  {"throttle_rate": 0.3, "throttle_services": ["rds"], "seed": 7,
                               "delays": {"reboot": 2}, "reset_stats": true}   (any subset)
    POST /dbaudit-api/config  {"maintenance_window": "hold"}   ApplyImmediately=false activity stream starts and
                               stops wait for the window ("immediate", the default: they happen now)
    POST /dbaudit-api/config  {"run_maintenance_window": true}   (or a list of cluster identifiers) plays the window:
                               held starts and stops proceed; the answer names them in "maintenance_window_applied"

POST answers with the whole configuration, or 400 ``{"error": ...}`` and changes nothing.
Neither this API nor moto's ``/moto-api/`` is ever throttled; ``throttle_services`` holds SigV4
signing names (``rds``, ``kinesis``, ``logs``, ``kms``, ``firehose``...).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from . import call_counter, rds_activity_streams, throttling
from .call_counter import COUNTER
from .settings import SETTINGS, ConfigError

PREFIX = "/dbaudit-api"
CONFIG_PATH = f"{PREFIX}/config"


def _json(start_response: Callable, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _read_json(environ: dict[str, Any]) -> Any:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    text = environ["wsgi.input"].read(length).decode("utf-8") if length else ""
    try:
        return json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise ConfigError(f"the body is not JSON: {error}") from error


def handle(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    """Serve the control API: read or change the emulator's settings."""
    path = environ.get("PATH_INFO", "").rstrip("/")
    method = environ.get("REQUEST_METHOD", "GET")
    if path != CONFIG_PATH:
        return _json(start_response, "404 Not Found", {"error": f"no such path; use {CONFIG_PATH}"})
    if method == "GET":
        return _json(start_response, "200 OK", SETTINGS.snapshot())
    if method in ("POST", "PUT"):
        try:
            return _json(start_response, "200 OK", _post(_read_json(environ)))
        except ConfigError as error:
            return _json(start_response, "400 Bad Request", {"error": str(error)})
    return _json(start_response, "405 Method Not Allowed", {"error": "use GET or POST"})


def _window_clusters(value: Any) -> list[str] | None:
    """The clusters {"run_maintenance_window": ...} names: all (true) or a list of identifiers."""
    if value is True:
        return None
    if isinstance(value, list) and value and all(isinstance(item, str) and item for item in value):
        return list(value)
    raise ConfigError(f"run_maintenance_window must be true or a list of cluster identifiers, not {value!r}")


def _post(changes: Any) -> dict[str, Any]:
    run = isinstance(changes, dict) and "run_maintenance_window" in changes
    clusters = _window_clusters(changes["run_maintenance_window"]) if run else None
    snapshot = SETTINGS.update(changes)
    if run:
        snapshot["maintenance_window_applied"] = rds_activity_streams.run_maintenance_window(clusters)
    return snapshot


def _throttled(environ: dict[str, Any], start_response: Callable, service: str) -> list[bytes]:
    status, headers, body = throttling.response(throttling.protocol(environ, service), service)
    reason = {400: "Bad Request", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [*headers, ("Content-Length", str(len(body)))])
    return [body]


def install() -> None:
    original: Callable[..., Iterable[bytes]] = DomainDispatcherApplication.__call__

    def dispatch(self: DomainDispatcherApplication, environ: dict[str, Any],
                 start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX + "/") or path == PREFIX:
            return handle(environ, start_response)
        if not path.startswith("/moto-api"):
            service = throttling.signing_service(environ)
            if service and not call_counter.is_internal(environ):
                COUNTER.add(call_counter.operation(environ, service))
            if service and SETTINGS.should_throttle(service):
                return _throttled(environ, start_response, service)
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]
    SETTINGS.load_environment()
