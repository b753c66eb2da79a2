"""das_decrypt's configuration, from environment variables.

- ``DAS_RESOURCE_ID``: the cluster resource id (``cluster-...``) for the KMS encryption context;
  default: taken from the event's stream name ``aws-rds-das-<id>``.
- ``FIREHOSE_STREAM_NAME``: delivery stream the events go to (needed for Kinesis input; a
  Firehose transformation returns the events to its own stream instead).
- ``INTERNAL_USERS``: comma list of users whose events are dropped; default
  ``rdsadmin,rdssec,rdsproxyadmin``; empty keeps everyone.
- ``DATA_KEY_CACHE_MAX_ENTRIES`` (default 1000) and ``DATA_KEY_CACHE_MAX_AGE_SECONDS`` (default 900):
  bounds of the plaintext data key cache.
- ``DELIVERY_TIME_RESERVE_MS``: stop re-sending failed Firehose entries when less than this much
  invocation time is left, and report their records failed instead; default 5000.
- ``FIREHOSE_RESPONSE_MAX_BYTES``: largest transformation answer built (Lambda's limit is 6 MB);
  records beyond it are answered ProcessingFailed; default 5500000.
- ``NAME_CLUSTERS``: look up the cluster identifier behind a resource id (``rds:DescribeDBClusters``) for
  alert messages; default true; false shows resource ids only.
- ``LOG_LEVEL``: default INFO.
- Alerting: see ``dbaudit_alerts.alert_dispatch`` (``ALERT_RULES``, ``ALERT_TOPIC_ARN``, ``ALERT_MODE`` ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dbaudit_alerts.alert_dispatch import AlertConfig
from dbaudit_alerts.settings import env_bool, env_list, env_number, env_text

from .event_filter import DEFAULT_INTERNAL_USERS, internal_user_set


@dataclass(frozen=True)
class DecryptConfig:
    resource_id: str
    firehose_stream: str
    internal_users: frozenset[str]
    cache_max_entries: int
    cache_max_age_seconds: float
    delivery_reserve_ms: int
    firehose_response_max_bytes: int
    name_clusters: bool
    alerts: AlertConfig

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DecryptConfig:
        return cls(
            resource_id=env_text("DAS_RESOURCE_ID", environ=environ),
            firehose_stream=env_text("FIREHOSE_STREAM_NAME", environ=environ),
            internal_users=internal_user_set(env_list("INTERNAL_USERS", DEFAULT_INTERNAL_USERS, environ=environ)),
            cache_max_entries=int(env_number("DATA_KEY_CACHE_MAX_ENTRIES", 1000, environ=environ, minimum=1)),
            cache_max_age_seconds=env_number("DATA_KEY_CACHE_MAX_AGE_SECONDS", 900, environ=environ, minimum=1),
            delivery_reserve_ms=int(env_number("DELIVERY_TIME_RESERVE_MS", 5000, environ=environ)),
            firehose_response_max_bytes=int(env_number("FIREHOSE_RESPONSE_MAX_BYTES", 5_500_000, environ=environ,
                                                       minimum=1024)),
            name_clusters=env_bool("NAME_CLUSTERS", True, environ=environ),
            alerts=AlertConfig.from_environ(environ),
        )
