"""From audit events to SNS messages: rules, flood control, message, publish.

Both functions call ``AlertDispatcher.dispatch`` once per invocation with that invocation's
events. Matches are grouped per rule, so a batch of a thousand matching events gives one
message that shows the first and counts the rest, and the flood gate then allows at most one
message per rule per window across invocations of the same container.

A failed publish is logged (rule and error, never the statement) and counted, not raised: the
events themselves were delivered, and failing the batch would deliver them again to S3 only to
retry an e-mail. botocore's own retries cover throttling.

Environment variables (read by ``AlertConfig.from_environ``):

- ``ALERT_RULES``: JSON list of rules (see ``rules.py``); default one rule ``role-changes`` on class ROLE.
- ``ALERT_TOPIC_ARN``: the SNS topic alerts are published to.
- ``ALERT_MODE``: ``sns`` (publish), ``log`` (print matching events as ``DBAUDIT_DAS_EVENT`` lines for a
  subscription filter), ``both``, or ``off``. Default: ``sns`` when a topic is set, else ``off``.
- ``ALERT_SUBJECT_PREFIX``: put before each subject; default ``[db-audit]``.
- ``ALERT_WINDOW_SECONDS``: flood-control window per rule; default 300; 0 = one message per rule per batch.
- ``ALERT_INCLUDE_STATEMENT``: put the (redacted) statement in messages; default true.
- ``ALERT_STATEMENT_MAX_CHARS``: longest statement shown in a message; default 4000.
- ``LOG_SQL_TEXT``: put the (redacted) SQL text in log lines; default false (SQL can hold personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .audit_event import AuditEvent
from .flood_control import FloodGate
from .rules import DEFAULT_RULES_JSON, AlertRule, matching_rules, parse_rules
from .settings import ConfigurationError, env_bool, env_number, env_text
from .sns_message import alert_message, alert_subject, summary_message, summary_subject

LOGGER = logging.getLogger(__name__)
MODES = ("sns", "log", "both", "off")


@dataclass(frozen=True)
class AlertConfig:
    """How a function raises alerts; built once per container from the environment."""

    rules: tuple[AlertRule, ...]
    mode: str = "off"
    topic_arn: str = ""
    subject_prefix: str = "[db-audit]"
    window_seconds: float = 300
    include_statement: bool = True
    statement_max_chars: int = 4000
    log_sql_text: bool = False

    @property
    def publishes(self) -> bool:
        return self.mode in ("sns", "both")

    @property
    def prints(self) -> bool:
        return self.mode in ("log", "both")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, default_mode: str | None = None) -> AlertConfig:
        topic = env_text("ALERT_TOPIC_ARN", environ=environ)
        mode = env_text("ALERT_MODE", environ=environ).lower() or default_mode or ("sns" if topic else "off")
        if mode not in MODES:
            raise ConfigurationError(f"ALERT_MODE={mode!r}: expected one of {', '.join(MODES)}")
        if mode in ("sns", "both") and not topic:
            raise ConfigurationError(f"ALERT_MODE={mode} needs ALERT_TOPIC_ARN (the SNS topic to publish to)")
        return cls(
            rules=parse_rules(env_text("ALERT_RULES", environ=environ) or DEFAULT_RULES_JSON),
            mode=mode,
            topic_arn=topic,
            subject_prefix=env_text("ALERT_SUBJECT_PREFIX", "[db-audit]", environ=environ),
            window_seconds=env_number("ALERT_WINDOW_SECONDS", 300, environ=environ),
            include_statement=env_bool("ALERT_INCLUDE_STATEMENT", True, environ=environ),
            statement_max_chars=int(env_number("ALERT_STATEMENT_MAX_CHARS", 4000, environ=environ, minimum=1)),
            log_sql_text=env_bool("LOG_SQL_TEXT", False, environ=environ),
        )


@dataclass
class DispatchReport:
    """What one dispatch did, for the function's one-line summary log."""

    matched: int = 0
    published: int = 0
    folded: int = 0
    publish_failures: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)


Publisher = Callable[[str, str], None]  # (subject, message)


class AlertDispatcher:
    """Rules + flood gate + publisher; one per container so the flood gate's state persists."""

    def __init__(self, config: AlertConfig, publisher: Publisher | None, gate: FloodGate | None = None):
        self.config = config
        self.publisher = publisher
        self.gate = gate or FloodGate(config.window_seconds)

    def rule_names(self, event: AuditEvent) -> list[str]:
        """Names of the rules ``event`` matches."""
        return [rule.name for rule in matching_rules(self.config.rules, event)]

    def match(self, events: Iterable[AuditEvent]) -> list[tuple[AuditEvent, list[str]]]:
        """Each event that matches at least one rule, with the names of the rules it matches."""
        found = []
        for event in events:
            names = self.rule_names(event)
            if names:
                found.append((event, names))
        return found

    def dispatch(self, matches: list[tuple[AuditEvent, list[str]]]) -> DispatchReport:
        """Publish one message per rule that matched (flood gate permitting), then due summaries."""
        report = DispatchReport(matched=len(matches))
        if not self.config.publishes or self.publisher is None:
            return report
        by_rule: dict[str, list[AuditEvent]] = {}
        for event, names in matches:
            for name in names:
                by_rule.setdefault(name, []).append(event)
        for name, events in by_rule.items():
            report.per_rule[name] = len(events)
            admission = self.gate.admit(name, len(events))
            if not admission.send:
                report.folded += len(events)
                continue
            subject = alert_subject(self.config.subject_prefix, name, events[0])
            message = alert_message(name, events[0], more_in_batch=len(events) - 1, admission=admission,
                                    include_statement=self.config.include_statement,
                                    statement_limit=self.config.statement_max_chars,
                                    window_seconds=self.config.window_seconds)
            self._publish(subject, message, name, report)
        for summary in self.gate.due_summaries():
            self._publish(summary_subject(self.config.subject_prefix, summary), summary_message(summary),
                          summary.rule, report)
        return report

    def _publish(self, subject: str, message: str, rule: str, report: DispatchReport) -> None:
        try:
            self.publisher(subject, message)
        except Exception as exc:  # noqa: BLE001 - any publish failure is logged and counted, see module doc
            report.publish_failures += 1
            LOGGER.error("alert for rule %s not published to %s: %s", rule, self.config.topic_arn,
                         type(exc).__name__ + ": " + str(exc)[:300])
        else:
            report.published += 1


def sns_publisher(sns_client, topic_arn: str) -> Publisher:
    """A publisher that sends to ``topic_arn`` with ``sns_client``."""

    def publish(subject: str, message: str) -> None:
        sns_client.publish(TopicArn=topic_arn, Subject=subject, Message=message)

    return publish
