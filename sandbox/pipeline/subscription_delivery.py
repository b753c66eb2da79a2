"""CloudWatch Logs subscription filters with a Lambda destination: the ``awslogs`` event.

CloudWatch hands the function ``{"awslogs": {"data": base64(gzip(json))}}`` whose JSON holds
``messageType`` DATA_MESSAGE, ``owner``, ``logGroup``, ``logStream``, ``subscriptionFilters``
and ``logEvents`` (``id``, ``timestamp``, ``message``) of the events the filter pattern matched.
"""

from __future__ import annotations

import base64
import gzip
import json

from . import filter_pattern

ACCOUNT = "123456789012"


def awslogs_event(log_group: str, log_stream: str, filter_names: list[str], events: list[dict],
                  owner: str = ACCOUNT) -> dict:
    body = {
        "messageType": "DATA_MESSAGE", "owner": owner, "logGroup": log_group, "logStream": log_stream,
        "subscriptionFilters": list(filter_names),
        "logEvents": [{"id": str(event.get("eventId") or f"{event['timestamp']:020d}{index:016d}"),
                       "timestamp": event["timestamp"], "message": event["message"]}
                      for index, event in enumerate(events)],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(body).encode("utf-8"))).decode("ascii")}}


def decode_awslogs(event: dict) -> dict:
    return json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))


def matching(events: list[dict], pattern: str) -> list[dict]:
    parsed = filter_pattern.parse(pattern)
    return [event for event in events if parsed.matches(event["message"])]
