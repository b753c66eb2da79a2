"""Requests that touch RDS state one at a time, and any failure inside moto answered as an AWS error.

moto's RDS backend is not safe under concurrent requests: ``modify_db_cluster`` deletes and re-inserts the
cluster while a filtered ``describe_db_clusters`` iterates the same dict ("OrderedDict mutated during
iteration"). AWS serialises what we cannot see; here a lock does, for the RDS service only (its calls take a
few milliseconds, and nothing in them sleeps). An exception that escapes moto would otherwise reach the client
as Werkzeug's HTML error page, which botocore neither parses nor retries: it is answered instead as
``InternalFailure`` (HTTP 500) in the request's own protocol, which botocore's retry modes retry.
"""

from __future__ import annotations

import contextlib
import json
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from moto.server import DomainDispatcherApplication

from . import throttling

SERIALISED_SERVICES = frozenset({"rds"})
_LOCKS = {service: threading.RLock() for service in SERIALISED_SERVICES}
INTERNAL_ERRORS: list[str] = []  # the last few tracebacks, for the emulator's own log


def internal_failure(protocol_name: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """(HTTP status, headers, body) of an InternalFailure in ``protocol_name``."""
    request_id = str(uuid.uuid4())
    if protocol_name in ("json", "rest-json"):
        body = json.dumps({"__type": "InternalFailure", "message": "internal error in the emulator"}).encode()
        return 500, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", "InternalFailure"),
                     ("x-amzn-RequestId", request_id)], body
    if protocol_name == "rest-xml":
        body = (f"<Error><Code>InternalError</Code><Message>internal error in the emulator</Message>"
                f"<RequestId>{request_id}</RequestId></Error>").encode()
        return 500, [("Content-Type", "application/xml")], body
    body = (f"<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>internal error in "
            f"the emulator</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>").encode()
    return 500, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body


def _is_html_failure(status: str, headers: list[tuple[str, str]]) -> bool:
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    return status.startswith("5") and "html" in content_type.lower()


def install() -> None:
    original: Callable[..., Iterable[bytes]] = DomainDispatcherApplication.__call__

    def dispatch(self: DomainDispatcherApplication, environ: dict[str, Any],
                 start_response: Callable) -> Iterable[bytes]:
        service = throttling.signing_service(environ)
        lock = _LOCKS.get(service or "") or contextlib.nullcontext()
        answered: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            answered.update(status=status, headers=headers)
            return lambda _data: None

        try:
            with lock:
                # The body is produced under the lock too: moto renders it from the same state.
                body = list(original(self, environ, capture))
            failed = _is_html_failure(answered.get("status", ""), answered.get("headers", []))
            if failed:
                INTERNAL_ERRORS[:] = (INTERNAL_ERRORS + [b"".join(body).decode("utf-8", "replace")[:2000]])[-20:]
        except Exception:  # noqa: BLE001 - every failure inside moto becomes an AWS error the SDK retries
            INTERNAL_ERRORS[:] = (INTERNAL_ERRORS + [traceback.format_exc()])[-20:]
            failed = True
        if failed:
            status, headers, body_bytes = internal_failure(throttling.protocol(environ, service))
            start_response(f"{status} Internal Server Error", [*headers, ("Content-Length", str(len(body_bytes)))])
            return [body_bytes]
        start_response(answered["status"], answered["headers"])
        return body

    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]
