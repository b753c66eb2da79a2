"""boto3 clients created once per Lambda container, on first use.

Creating a client costs tens of milliseconds and reads configuration from disk; doing it per
record or per invocation is the commonest avoidable cost in Lambda code. Clients honour
``AWS_ENDPOINT_URL`` (boto3 reads it itself), which is how the tests point them at the
emulator. Retries use botocore's ``standard`` mode so throttling is retried with backoff.
"""

from __future__ import annotations

import threading
from typing import Any

_CLIENTS: dict[str, Any] = {}
_LOCK = threading.Lock()


def aws_client(service: str) -> Any:
    """The container's one client for ``service``."""
    client = _CLIENTS.get(service)
    if client is None:
        with _LOCK:
            client = _CLIENTS.get(service)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 5},
                                                             connect_timeout=5, read_timeout=30))
                _CLIENTS[service] = client
    return client


def forget_clients() -> None:
    """Drop the cached clients (tests that change the endpoint between cases)."""
    with _LOCK:
        _CLIENTS.clear()
