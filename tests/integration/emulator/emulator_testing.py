"""Helpers of the emulator tests: the control API, waiting, and reading RDS back as a module would."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


ENGINE = "aurora-postgresql"
VERSION = "15.4"


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Poll until ``predicate`` returns something truthy, as a module's waiter would; fail on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {value!r}")
        time.sleep(interval)


def describe_cluster(rds, cluster_id: str) -> dict[str, Any]:
    return rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]


def member_statuses(rds, cluster_id: str) -> dict[str, str]:
    return {member["DBInstanceIdentifier"]: member["DBClusterParameterGroupStatus"]
            for member in describe_cluster(rds, cluster_id)["DBClusterMembers"]}


def describe_instance(rds, instance_id: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]


def all_parameters(rds, **kwargs: Any) -> list[dict[str, Any]]:
    """Every parameter of a group through boto3's paginator, as a module reads them."""
    cluster = "DBClusterParameterGroupName" in kwargs
    operation = "describe_db_cluster_parameters" if cluster else "describe_db_parameters"
    return [parameter for page in rds.get_paginator(operation).paginate(**kwargs) for parameter in page["Parameters"]]


def error_of(call: Callable[..., Any], **kwargs: Any) -> tuple[str, int, str]:
    """(code, HTTP status, message) of the ClientError ``call`` raises; fails if it succeeds."""
    from botocore.exceptions import ClientError

    try:
        call(**kwargs)
    except ClientError as error:
        return (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"],
                error.response["Error"]["Message"])
    raise AssertionError(f"{call.__name__} succeeded; an error was expected")
