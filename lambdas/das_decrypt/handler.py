"""das_decrypt Lambda function: Database Activity Streams records in, audit events out.

Handler: ``das_decrypt.handler.handler``. Input is either a Kinesis event from the
``aws-rds-das-<id>`` stream or a Firehose data-transformation event; both go through the same
core (``record_processing``): decrypt (KMS once per data key, then the Encryption SDK), gunzip,
drop heartbeats and internal users. Then:

- Kinesis: the events go to ``FIREHOSE_STREAM_NAME`` as NDJSON; records not decrypted or not
  delivered in time come back in ``batchItemFailures`` so Lambda retries from them.
- Firehose: each record's events are returned as its transformed data (``Ok``), ``Dropped`` when
  nothing is left after filtering, ``ProcessingFailed`` when it cannot be decrypted.

Events of records that were handled completely are matched against the alert rules and
published to SNS (and/or printed as ``DBAUDIT_DAS_EVENT`` lines): an alert is raised once a
record is safely stored, so a record retried after a failure does not alert twice.

The per-invocation log line holds counts and error reasons only, never SQL. Configuration:
``config.py``. Clients and the data key cache live as long as the container.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import Any

from dbaudit_alerts.alert_dispatch import AlertDispatcher, sns_publisher
from dbaudit_alerts.audit_event import from_das_event
from dbaudit_alerts.aws_clients import aws_client
from dbaudit_alerts.das_event_lines import format_event_line
from dbaudit_alerts.settings import ConfigurationError

from .cluster_names import ClusterNames
from .config import DecryptConfig
from .data_key_cache import DataKeyCache
from .event_sources import FIREHOSE, firehose_result, kinesis_response, source_records
from .firehose_delivery import FirehoseDelivery, event_line
from .record_decryption import DasRecordDecryptor
from .record_processing import RecordOutcome, delivery_items, process_records

LOGGER = logging.getLogger("das_decrypt")
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
NO_DEADLINE_MS = 15 * 60 * 1000  # when called without a Lambda context (tests, benchmark)


def time_left_function(context: Any) -> Callable[[], int]:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return getter if callable(getter) else (lambda: NO_DEADLINE_MS)


class DecryptFunction:
    """What lives as long as the container: configuration, clients, data key cache, flood gate."""

    def __init__(self, config: DecryptConfig, kms: Any, firehose: Any = None, sns: Any = None,
                 print_line: Callable[[str], None] = print, rds: Any = None):
        self.config = config
        self.decryptor = DasRecordDecryptor(kms, DataKeyCache(config.cache_max_entries,
                                                              config.cache_max_age_seconds))
        self.delivery = FirehoseDelivery(firehose, config.firehose_stream) if firehose is not None else None
        publisher = sns_publisher(sns, config.alerts.topic_arn) if sns is not None else None
        self.alerts = AlertDispatcher(config.alerts, publisher)
        self.print_line = print_line
        self.cluster_names = ClusterNames(rds) if rds is not None else None

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        kind, records = source_records(event, self.config.resource_id)
        outcomes, counts = process_records(records, self.decryptor, self.config.internal_users)
        if kind == FIREHOSE:
            response, completed = self._firehose_answer(outcomes)
        else:
            response, completed = self._deliver(outcomes, time_left_function(context))
        alert_report = self._alert(completed)
        LOGGER.info("%s", json.dumps({"kind": kind, **counts.as_log(),
                                      "reported_failed": len(outcomes) - len(completed),
                                      "kms_calls_total": self.decryptor.kms_calls,
                                      "alerts_matched": alert_report.matched,
                                      "alerts_published": alert_report.published,
                                      "alerts_folded": alert_report.folded,
                                      "alert_publish_failures": alert_report.publish_failures}, sort_keys=True))
        return response

    def _deliver(self, outcomes: list[RecordOutcome], time_left: Callable[[], int]):
        if self.delivery is None:
            raise ConfigurationError("FIREHOSE_STREAM_NAME is not set: a Kinesis event's records have nowhere to go")
        undelivered = self.delivery.deliver(delivery_items(outcomes), time_left, self.config.delivery_reserve_ms)
        failed_ids = {item.source_id for item in undelivered}
        failed_ids.update(outcome.record.record_id for outcome in outcomes if outcome.error)
        if undelivered:
            LOGGER.warning("%d event(s) of %d record(s) not delivered to %s before the time reserve; "
                           "records reported failed", len(undelivered), len({i.source_id for i in undelivered}),
                           self.config.firehose_stream)
        ordered_failures = [o.record.record_id for o in outcomes if o.record.record_id in failed_ids]
        completed = [o for o in outcomes if o.record.record_id not in failed_ids]
        return kinesis_response(list(dict.fromkeys(ordered_failures))), completed

    def _firehose_answer(self, outcomes: list[RecordOutcome]):
        """Every recordId answered; the answer kept under the configured size (Lambda allows 6 MB).

        A failed record carries its original data while that fits (Firehose writes failed records
        to the error prefix from its own copy); past the limit, records are answered
        ProcessingFailed with no data and Firehose retries them.
        """
        answers, completed, size = [], [], 0
        limit = self.config.firehose_response_max_bytes

        def answer(record_id: str, result: str, data: bytes) -> None:
            nonlocal size
            encoded = len(data) * 4 // 3 + 100
            if size + encoded > limit:
                data = b""
            size += len(data) * 4 // 3 + 100
            answers.append(firehose_result(record_id, result, data))

        for outcome in outcomes:
            record = outcome.record
            if outcome.error:
                answer(record.record_id, "ProcessingFailed", record.data or b"")
                continue
            data = b"".join(event_line(event) for event in outcome.events)
            if size + len(data) * 4 // 3 + 100 > limit:
                LOGGER.warning("transformation answer would exceed %d bytes: record %s answered ProcessingFailed "
                               "(lower the processor's BufferSizeInMBs)", limit, record.record_id)
                answer(record.record_id, "ProcessingFailed", b"")
                continue
            answer(record.record_id, "Ok" if data else "Dropped", data)
            completed.append(outcome)
        return {"records": answers}, completed

    def _alert(self, completed: list[RecordOutcome]):
        matches = []
        for outcome in completed:
            for event in outcome.events:
                audit = from_das_event(event)
                names = self.alerts.rule_names(audit)
                if not names:
                    continue
                self._name_cluster(audit)
                matches.append((audit, names))
                if self.config.alerts.prints:
                    self.print_line(format_event_line(event, names, self.config.alerts.log_sql_text))
        return self.alerts.dispatch(matches)

    def _name_cluster(self, audit) -> None:
        """Show the cluster identifier in the alert, the resource id beside it."""
        name = self.cluster_names.name(audit.cluster) if self.cluster_names else ""
        if name:
            audit.extra["clusterResourceId"] = audit.cluster
            audit.cluster = name


_FUNCTION: DecryptFunction | None = None


def function() -> DecryptFunction:
    """The container's DecryptFunction, built on first use from the environment."""
    global _FUNCTION  # noqa: PLW0603 - one instance per container is the point
    if _FUNCTION is None:
        config = DecryptConfig.from_environ()
        _FUNCTION = DecryptFunction(config, kms=aws_client("kms"),
                                    firehose=aws_client("firehose") if config.firehose_stream else None,
                                    sns=aws_client("sns") if config.alerts.publishes else None,
                                    rds=aws_client("rds") if config.alerts.publishes and config.name_clusters else None)
    return _FUNCTION


def reset_function() -> None:
    """Forget the container state (tests change the environment between cases)."""
    global _FUNCTION  # noqa: PLW0603
    _FUNCTION = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point."""
    return function().handle(event, context)
