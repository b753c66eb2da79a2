"""audit_alert Lambda function: audit log lines in, actionable alerts out.

Handler: ``audit_alert.handler.handler``. Subscribed (CloudWatch Logs subscription filter) to
either an RDS/Aurora PostgreSQL log group, whose pgAudit entries it parses, or das_decrypt's own
log group in ``ALERT_MODE=log``, whose ``DBAUDIT_DAS_EVENT`` lines it reads. Events go through
the shared rules, flood control and SNS message code (``dbaudit_alerts``), so both sources alert
alike. ``CONTROL_MESSAGE`` events are acknowledged and skipped.

Environment: ``ALERT_TOPIC_ARN`` (required), ``ALERT_RULES``, ``ALERT_SUBJECT_PREFIX``,
``ALERT_WINDOW_SECONDS``, ``ALERT_INCLUDE_STATEMENT``, ``ALERT_STATEMENT_MAX_CHARS`` (see
``dbaudit_alerts.alert_dispatch``), ``LOG_LEVEL``. The function logs counts only, never SQL.
Flood-control state is per container: see ``dbaudit_alerts.flood_control``.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from dbaudit_alerts.alert_dispatch import AlertConfig, AlertDispatcher, sns_publisher
from dbaudit_alerts.audit_event import AuditEvent, from_das_event
from dbaudit_alerts.aws_clients import aws_client
from dbaudit_alerts.das_event_lines import MARKER, parse_event_line

from .log_subscription import CONTROL_MESSAGE, LogBatch, decode_subscription_event, source_names
from .pgaudit_lines import parse_pgaudit

LOGGER = logging.getLogger("audit_alert")
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


def audit_events(batch: LogBatch) -> list[AuditEvent]:
    """The audit events of one subscription batch: decrypt-function lines and pgAudit entries."""
    cluster, instance = source_names(batch.log_group, batch.log_stream)
    events: list[AuditEvent] = []
    log_text = []
    for _timestamp, message in batch.messages:
        if MARKER in message:
            das_event = parse_event_line(message)
            if das_event is not None:
                events.append(from_das_event(das_event, cluster, instance))
        else:
            log_text.append(message)
    events.extend(parse_pgaudit(log_text, cluster, instance))
    return events


class AlertFunction:
    """What lives as long as the container: configuration, SNS client, flood gate."""

    def __init__(self, config: AlertConfig, sns: Any):
        self.config = config
        self.dispatcher = AlertDispatcher(config, sns_publisher(sns, config.topic_arn) if sns is not None else None)

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        batch = decode_subscription_event(event)
        if batch.message_type == CONTROL_MESSAGE:
            return {"skipped": CONTROL_MESSAGE}
        events = audit_events(batch)
        report = self.dispatcher.dispatch(self.dispatcher.match(events))
        summary = {"log_group": batch.log_group, "log_stream": batch.log_stream, "log_events": len(batch.messages),
                   "audit_events": len(events), "matched": report.matched, "published": report.published,
                   "folded": report.folded, "publish_failures": report.publish_failures, "per_rule": report.per_rule}
        LOGGER.info("%s", json.dumps(summary, sort_keys=True))
        return summary


_FUNCTION: AlertFunction | None = None


def function() -> AlertFunction:
    """The container's AlertFunction, built on first use from the environment."""
    global _FUNCTION  # noqa: PLW0603 - one instance per container is the point
    if _FUNCTION is None:
        config = AlertConfig.from_environ(default_mode="sns")
        _FUNCTION = AlertFunction(config, aws_client("sns") if config.publishes else None)
    return _FUNCTION


def reset_function() -> None:
    """Forget the container state (tests change the environment between cases)."""
    global _FUNCTION  # noqa: PLW0603
    _FUNCTION = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point."""
    return function().handle(event, context)
