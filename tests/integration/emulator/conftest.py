"""Fixtures for testing the emulator's extensions over HTTP with boto3, as the modules will use it."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_testing import ENGINE, VERSION, describe_cluster


@pytest.fixture
def endpoint(sandbox_env) -> str:
    return sandbox_env["aws"]["endpoint_url"]


@pytest.fixture
def rds(aws_client):
    return aws_client("rds")


@pytest.fixture
def make_cluster(rds, unique_name):
    """Create an Aurora cluster with instances (first one the writer); deleted after the test."""
    created: list[tuple[str, list[str]]] = []

    def make(instance_classes: tuple[str, ...] = ("db.r6g.large", "db.r6g.large"), engine: str = ENGINE,
             version: str = VERSION, **cluster_kwargs: Any) -> dict[str, Any]:
        cluster_id = unique_name("c-")
        rds.create_db_cluster(DBClusterIdentifier=cluster_id, Engine=engine, EngineVersion=version,
                              MasterUsername="postgres", MasterUserPassword="not-used-1", **cluster_kwargs)
        instances = []
        for number, instance_class in enumerate(instance_classes, start=1):
            instance_id = f"{cluster_id}-{number}"
            rds.create_db_instance(DBInstanceIdentifier=instance_id, DBClusterIdentifier=cluster_id, Engine=engine,
                                   DBInstanceClass=instance_class)
            instances.append(instance_id)
        created.append((cluster_id, instances))
        return describe_cluster(rds, cluster_id)

    yield make
    for cluster_id, instances in created:
        for instance_id in instances:
            rds.delete_db_instance(DBInstanceIdentifier=instance_id, SkipFinalSnapshot=True)
        rds.delete_db_cluster(DBClusterIdentifier=cluster_id, SkipFinalSnapshot=True)


@pytest.fixture
def make_cluster_group(rds, unique_name):
    """Create a custom cluster parameter group of a family; its name is returned."""

    def make(family: str = "aurora-postgresql15") -> str:
        name = unique_name("cpg-")
        rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=name, DBParameterGroupFamily=family,
                                              Description="test group")
        return name

    return make
