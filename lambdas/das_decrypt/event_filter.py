"""Which decrypted DAS events are worth keeping.

A heartbeat arrives about every two seconds per instance, and RDS's own users (``rdsadmin``
and friends) run monitoring queries all day: neither is activity anyone audits, and together
they are most of a quiet cluster's stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DEFAULT_INTERNAL_USERS = ("rdsadmin", "rdssec", "rdsproxyadmin")


def is_heartbeat(event: dict[str, Any]) -> bool:
    return str(event.get("type", "")).lower() == "heartbeat"


def keep_event(event: dict[str, Any], internal_users: frozenset[str]) -> bool:
    """False for heartbeats and for events of internal users (compared case-insensitively)."""
    if is_heartbeat(event):
        return False
    return str(event.get("dbUserName") or "").lower() not in internal_users


def internal_user_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name.strip().lower() for name in names if name.strip())
