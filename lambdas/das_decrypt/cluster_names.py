"""The cluster name behind a resource id, for alert messages a person can act on.

An activity stream names its cluster only by resource id (``clusterId`` = ``cluster-ABC...``, the
``aws-rds-das-<id>`` stream). Alerts show the identifier a DBA knows (``orders-prod``), found with one
``rds:DescribeDBClusters`` filtered by ``db-cluster-resource-id`` per cluster and container. Only
matching events are named, so a quiet stream costs no call. A lookup that fails (no permission, throttled,
the cluster gone) leaves the resource id in the message and is tried again after ``retry_seconds``: naming
never holds an alert back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

LOGGER = logging.getLogger("das_decrypt")


class ClusterNames:
    """Resource id -> cluster identifier, cached for the container's life (failures for ``retry_seconds``)."""

    def __init__(self, rds: Any, retry_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.rds = rds
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.names: dict[str, str] = {}
        self.failed_at: dict[str, float] = {}
        self.calls = 0

    def name(self, resource_id: str) -> str:
        """The cluster identifier of ``resource_id``, or '' when it is not known (yet)."""
        if not resource_id.startswith("cluster-"):
            return ""
        if resource_id in self.names:
            return self.names[resource_id]
        failed = self.failed_at.get(resource_id)
        if failed is not None and self.clock() - failed < self.retry_seconds:
            return ""
        self.calls += 1
        try:
            found = self.rds.describe_db_clusters(
                Filters=[{"Name": "db-cluster-resource-id", "Values": [resource_id]}])["DBClusters"]
        except Exception as error:  # noqa: BLE001 - any failure only costs the name, never the alert
            LOGGER.warning("cluster name of %s not found (%s); alerts show the resource id",
                           resource_id, type(error).__name__)
            self.failed_at[resource_id] = self.clock()
            return ""
        if not found:
            self.failed_at[resource_id] = self.clock()
            return ""
        self.failed_at.pop(resource_id, None)
        self.names[resource_id] = found[0]["DBClusterIdentifier"]
        return self.names[resource_id]
