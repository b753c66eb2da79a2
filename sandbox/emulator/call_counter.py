"""Which AWS operation each SDK request is, counted per ``service:Operation``, so benchmarks and tests can
tell reads from writes (``GET /dbaudit-api/config`` -> ``stats.operations``, ``stats.reads``, ``stats.writes``).

The operation comes from where each protocol puts it: ``X-Amz-Target`` for JSON services (Kinesis, Logs,
KMS, Firehose), the ``Action`` form field for query services (RDS, IAM, SNS, STS), and method + first path
segment for REST services (Lambda, S3), e.g. ``lambda:GET /functions``. Reading a form body consumes the
WSGI input, so it is put back for moto.
"""

from __future__ import annotations

import io
import threading
from typing import Any
from urllib.parse import parse_qs

# The sandbox's own processes (the pipeline that plays RDS, CloudWatch and Lambda) sign with this access key;
# their calls are AWS's own work, not the collection's, so they are not counted.
INTERNAL_ACCESS_KEY_ID = "sandbox-internal"
READ_PREFIXES = ("Describe", "List", "Get", "Head", "Filter", "Lookup", "GET ", "HEAD ")


def operation(environ: dict[str, Any], service: str | None) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return f"{service}:{query['Action'][0]}"
    if (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return f"{service}:{action[0]}"
    segments = [part for part in environ.get("PATH_INFO", "").split("/") if part]
    # Lambda paths start with a date (/2015-03-31/functions/...): name the resource, not the version.
    resource = next((part for part in segments if not part[:1].isdigit()), "")
    return f"{service}:{environ.get('REQUEST_METHOD', 'GET')} /{resource}"


def is_internal(environ: dict[str, Any]) -> bool:
    return f"Credential={INTERNAL_ACCESS_KEY_ID}/" in environ.get("HTTP_AUTHORIZATION", "")


def is_read(name: str) -> bool:
    return name.split(":", 1)[-1].startswith(READ_PREFIXES)


class CallCounter:
    """Thread-safe counts per operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, name: str) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(sorted(self._counts.items()))
        reads = sum(n for name, n in counts.items() if is_read(name))
        return {"operations": counts, "reads": reads, "writes": sum(counts.values()) - reads}


COUNTER = CallCounter()
