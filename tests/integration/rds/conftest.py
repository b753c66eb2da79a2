"""Fixtures of the RDS module tests: Aurora clusters and RDS instances made with boto3 in the
emulator, customer managed KMS keys, and the emulator's fault switch."""

from __future__ import annotations

import contextlib

import pytest

AURORA_VERSION = "15.4"
MEMORY_CLASS = "db.r6g.large"


@pytest.fixture
def rds(aws_client):
    return aws_client("rds")


@pytest.fixture
def make_cluster(rds, unique_name):
    """make_cluster(instance_classes=(...), parameter_group=None) -> cluster id; the first instance is the writer.

    Instances are named ``<cluster>-1``, ``<cluster>-2``...; everything is deleted after the test."""
    made = []

    def make(instance_classes=(MEMORY_CLASS, MEMORY_CLASS, MEMORY_CLASS), parameter_group=None, prefix="aur"):
        cluster_id = unique_name(prefix)
        request = {"DBClusterIdentifier": cluster_id, "Engine": "aurora-postgresql", "EngineVersion": AURORA_VERSION,
                   "MasterUsername": "dbadmin", "MasterUserPassword": "not-a-secret-1"}
        if parameter_group:
            request["DBClusterParameterGroupName"] = parameter_group
        rds.create_db_cluster(**request)
        made.append((cluster_id, len(instance_classes)))
        for number, instance_class in enumerate(instance_classes, start=1):
            rds.create_db_instance(DBInstanceIdentifier=f"{cluster_id}-{number}", DBClusterIdentifier=cluster_id,
                                   Engine="aurora-postgresql", DBInstanceClass=instance_class)
        return cluster_id

    yield make
    for cluster_id, count in made:
        for number in range(1, count + 1):
            with contextlib.suppress(Exception):  # best-effort cleanup
                rds.delete_db_instance(DBInstanceIdentifier=f"{cluster_id}-{number}", SkipFinalSnapshot=True)
        with contextlib.suppress(Exception):
            rds.delete_db_cluster(DBClusterIdentifier=cluster_id, SkipFinalSnapshot=True)


@pytest.fixture
def make_group(rds, unique_name):
    """make_group(values={name: value}) -> a cluster parameter group copied from the aurora-postgresql15 default."""

    def make(values=None, prefix="pg"):
        name = unique_name(prefix)
        rds.copy_db_cluster_parameter_group(SourceDBClusterParameterGroupIdentifier="default.aurora-postgresql15",
                                            TargetDBClusterParameterGroupIdentifier=name,
                                            TargetDBClusterParameterGroupDescription="made by a test")
        if values:
            rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=[
                {"ParameterName": k, "ParameterValue": v, "ApplyMethod": "pending-reboot"} for k, v in values.items()])
        return name

    return make


@pytest.fixture
def customer_key(aws_client, unique_name):
    """A customer managed symmetric KMS key with an alias: {"id", "arn", "alias", "alias_arn"}."""
    kms = aws_client("kms")
    metadata = kms.create_key(Description="DAS test key")["KeyMetadata"]
    alias = f"alias/{unique_name('das-')}"
    kms.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
    account_region = metadata["Arn"].split(":key/")[0]
    return {"id": metadata["KeyId"], "arn": metadata["Arn"], "alias": alias, "alias_arn": f"{account_region}:{alias}"}
