"""The emulator under concurrent load, as a fleet rollout with 20 forks makes it: RDS requests that modify clusters
while others describe them with filters all succeed (moto alone mutates a dict under a running describe), and a
failure inside moto reaches the SDK as an AWS error it retries, never as an HTML page."""

from __future__ import annotations

import threading

import pytest
import requests
from botocore.config import Config

THREADS = 16
ROUNDS = 25


@pytest.fixture
def clusters(aws_client, unique_name):
    rds = aws_client("rds")
    names = [unique_name("load-") for _number in range(6)]
    for name in names:
        rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="15.4",
                              MasterUsername="postgres", MasterUserPassword="not-used-here")
    return names


def test_concurrent_modifies_and_filtered_describes_all_succeed(sandbox_env, clusters):
    import boto3

    aws = sandbox_env["aws"]
    errors = []

    def worker(number: int) -> None:
        # No retries: an error the emulator makes must show here, not be hidden by a retry.
        rds = boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                           aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"],
                           config=Config(retries={"max_attempts": 1, "mode": "standard"}))
        for round_number in range(ROUNDS):
            try:
                if number % 2:
                    rds.modify_db_cluster(DBClusterIdentifier=clusters[(number + round_number) % len(clusters)],
                                          BackupRetentionPeriod=1 + (round_number % 7), ApplyImmediately=True)
                else:
                    rds.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": clusters}])
            except Exception as e:  # noqa: BLE001 - collected and asserted on below
                errors.append(f"{type(e).__name__}: {str(e)[:300]}")

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []


def test_a_failure_inside_moto_is_an_aws_error_not_an_html_page(sandbox_env):
    # A query request moto cannot parse (MaxRecords that is not a number) makes its RDS handler raise.
    aws = sandbox_env["aws"]
    response = requests.post(aws["endpoint_url"], data={"Action": "DescribeDBClusters", "Version": "2014-10-31",
                                                        "MaxRecords": "not-a-number"},
                             headers={"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/rds/"
                                                       "aws4_request, SignedHeaders=host, Signature=0"},
                             timeout=30)
    assert "html" not in response.headers.get("Content-Type", "").lower(), response.text[:300]
    if response.status_code >= 500:
        assert "<Code>InternalFailure</Code>" in response.text
