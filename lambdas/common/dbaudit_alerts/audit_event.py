"""One audit event, whichever source it came from.

DAS events and pgAudit log lines carry the same facts under different names; rules and messages
work on this one shape so they are written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AuditEvent:
    """The facts of one audited statement or connection that rules and alert messages use."""

    source: str  # "das" (Database Activity Streams) or "pgaudit" (PostgreSQL log line)
    time: str = ""
    cluster: str = ""
    instance: str = ""  # instance id (DAS) or CloudWatch log stream (pgAudit)
    user: str = ""
    database: str = ""
    client: str = ""  # remote host and port as the source wrote them
    audit_class: str = ""
    command: str = ""
    object_type: str = ""
    object_name: str = ""
    statement: str = ""
    application: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def from_das_event(event: dict[str, Any], cluster: str = "", instance: str = "") -> AuditEvent:
    """Map a decrypted DAS event (any record version; unknown fields ignored) to an AuditEvent."""
    host = str(event.get("remoteHost") or "")
    port = event.get("remotePort")
    client = f"{host}({port})" if host and port not in (None, "") else host
    return AuditEvent(
        source="das",
        time=str(event.get("logTime") or event.get("startTime") or ""),
        cluster=str(event.get("clusterId") or cluster or ""),
        instance=str(event.get("instanceId") or instance or ""),
        user=str(event.get("dbUserName") or ""),
        database=str(event.get("databaseName") or ""),
        client=client,
        audit_class=str(event.get("class") or ""),
        command=str(event.get("command") or ""),
        object_type=str(event.get("objectType") or ""),
        object_name=str(event.get("objectName") or ""),
        statement=str(event.get("commandText") or ""),
        application=str(event.get("clientApplication") or ""),
        extra={key: event[key] for key in ("exitCode", "errorMessage", "sessionId", "statementId", "pid")
               if event.get(key) not in (None, "")},
    )
