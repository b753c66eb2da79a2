"""Reading a CloudWatch Logs subscription event (REFERENCE.md section 3).

Lambda receives ``{"awslogs": {"data": base64(gzip(JSON))}}``; the JSON has ``messageType``
(``DATA_MESSAGE``, or ``CONTROL_MESSAGE`` which CloudWatch sends to check the destination and
which carries no log data), ``logGroup``, ``logStream`` and ``logEvents`` [{id, timestamp, message}].
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
from dataclasses import dataclass, field
from typing import Any

CONTROL_MESSAGE = "CONTROL_MESSAGE"
_CLUSTER_GROUP = re.compile(r"^/aws/rds/cluster/(?P<name>[^/]+)/")
_INSTANCE_GROUP = re.compile(r"^/aws/rds/instance/(?P<name>[^/]+)/")


class SubscriptionEventError(ValueError):
    """The event is not a CloudWatch Logs subscription event."""


@dataclass
class LogBatch:
    """The decoded payload of one subscription event."""

    message_type: str
    log_group: str = ""
    log_stream: str = ""
    messages: list[tuple[int, str]] = field(default_factory=list)  # (timestamp ms, message)


def decode_subscription_event(event: dict[str, Any]) -> LogBatch:
    try:
        data = event["awslogs"]["data"]
        body = json.loads(gzip.decompress(base64.b64decode(data, validate=True)))
    except (KeyError, TypeError):
        raise SubscriptionEventError("event has no awslogs.data: not a CloudWatch Logs subscription event") from None
    except (binascii.Error, OSError, EOFError, ValueError):
        raise SubscriptionEventError("awslogs.data is not base64 gzip JSON") from None
    messages = [(int(item.get("timestamp") or 0), str(item.get("message") or ""))
                for item in body.get("logEvents") or []]
    return LogBatch(str(body.get("messageType", "")), str(body.get("logGroup", "")), str(body.get("logStream", "")),
                    messages)


def source_names(log_group: str, log_stream: str) -> tuple[str, str]:
    """(cluster, instance) as far as the RDS log group and stream names tell them.

    Aurora exports to ``/aws/rds/cluster/<cluster>/postgresql`` with one stream per instance;
    RDS for PostgreSQL to ``/aws/rds/instance/<instance>/postgresql``.
    """
    cluster_match = _CLUSTER_GROUP.match(log_group)
    if cluster_match:
        return cluster_match.group("name"), log_stream
    instance_match = _INSTANCE_GROUP.match(log_group)
    if instance_match:
        return "", instance_match.group("name")
    return "", log_stream
