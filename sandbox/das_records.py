"""Database Activity Streams records made the way RDS makes them (REFERENCE.md section 1).

For the tests and benchmark of the das_decrypt function, and for a later sandbox "DAS emitter":
a data key from KMS ``generate_data_key`` with the encryption context ``aws:rds:dbc-id``, the
gzip'd JSON payload encrypted with the AWS Encryption SDK under a raw AES-GCM master key
(provider ``BC``, key ``DataKey``) holding that data key, signed or unsigned algorithm suite,
wrapped in the ``DatabaseActivityMonitoringRecords`` envelope.

Written independently of ``lambdas/`` on purpose: the decrypting side is tested against this
encrypting side, not against itself.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aws_encryption_sdk
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

RECORD_TYPE = "DatabaseActivityMonitoringRecords"
PAYLOAD_TYPE = "DatabaseActivityMonitoringRecord"
SIGNED_SUITE = Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
UNSIGNED_SUITE = Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA256
ACCOUNT = "123456789012"  # the emulator's account

_ESDK = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
_SEQUENCE = itertools.count(1)


@dataclass(frozen=True)
class DataKey:
    """A DAS data key: the plaintext (used to encrypt) and the KMS blob (sent in the record)."""

    plaintext: bytes
    blob: bytes


def das_stream_name(resource_id: str) -> str:
    return f"aws-rds-das-{resource_id}"


def das_stream_arn(resource_id: str, region: str = "us-east-1") -> str:
    return f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/{das_stream_name(resource_id)}"


def new_data_key(kms_client: Any, kms_key_id: str, resource_id: str) -> DataKey:
    """A data key as RDS gets one: KMS GenerateDataKey under the cluster's encryption context."""
    answer = kms_client.generate_data_key(KeyId=kms_key_id, KeySpec="AES_256",
                                          EncryptionContext={"aws:rds:dbc-id": resource_id})
    return DataKey(plaintext=answer["Plaintext"], blob=answer["CiphertextBlob"])


def _master_key(data_key: DataKey) -> RawMasterKey:
    wrapping_key = WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                               wrapping_key=data_key.plaintext, wrapping_key_type=EncryptionKeyType.SYMMETRIC)
    return RawMasterKey(provider_id="BC", key_id="DataKey", wrapping_key=wrapping_key)


def activity_event(**fields: Any) -> dict[str, Any]:
    """A DAS event (Aurora PostgreSQL fields) with realistic defaults; ``fields`` override them."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    event = {
        "type": "record", "clientApplication": "psql", "pid": 4321, "dbUserName": "app_user",
        "databaseName": "appdb", "remoteHost": "10.0.1.25", "remotePort": "51234", "command": "SELECT",
        "commandText": "SELECT 1", "paramList": [], "objectType": None, "objectName": None, "statementId": 1,
        "substatementId": 1, "exitCode": None, "sessionId": "6543f0a1.10e1", "rowCount": None,
        "serverHost": "10.0.0.10", "serverType": "PostgreSQL", "serviceName": "Amazon Aurora PostgreSQL-Compatible",
        "serverVersion": "15.4.1", "startTime": now, "errorMessage": None, "dbProtocol": "Postgres 3.0",
        "logTime": now, "netProtocol": "TCP", "class": "READ",
    }
    event.update(fields)
    return event


def heartbeat_event() -> dict[str, Any]:
    """The event RDS sends about every 2 s when nothing happens."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    return {"type": "heartbeat", "logTime": now, "startTime": now, "class": None, "command": None,
            "commandText": None, "dbUserName": None, "databaseName": None}


def payload(events: list[dict[str, Any]], cluster_id: str, instance_id: str) -> dict[str, Any]:
    return {"type": PAYLOAD_TYPE, "clusterId": cluster_id, "instanceId": instance_id,
            "databaseActivityEventList": events}


def encrypt_payload(body: dict[str, Any], data_key: DataKey, signed: bool = False) -> bytes:
    """The ESDK message RDS would send: gzip'd JSON encrypted under the raw ``BC``/``DataKey`` key."""
    compressed = gzip.compress(json.dumps(body).encode("utf-8"))
    message, _header = _ESDK.encrypt(source=compressed, key_provider=_master_key(data_key),
                                     algorithm=SIGNED_SUITE if signed else UNSIGNED_SUITE)
    return message


def das_record(events: list[dict[str, Any]], data_key: DataKey, *, cluster_id: str = "cluster-demo",
               instance_id: str = "db-demo-1", version: str = "1.1", signed: bool = False,
               extra_fields: dict[str, Any] | None = None) -> bytes:
    """One Kinesis record's data: the ``DatabaseActivityMonitoringRecords`` envelope as bytes."""
    envelope = {
        "type": RECORD_TYPE, "version": version,
        "databaseActivityEvents": base64.b64encode(encrypt_payload(payload(events, cluster_id, instance_id),
                                                                   data_key, signed)).decode("ascii"),
        "key": base64.b64encode(data_key.blob).decode("ascii"),
    }
    envelope.update(extra_fields or {})
    return json.dumps(envelope).encode("utf-8")


def next_sequence_number() -> str:
    """A Kinesis-looking sequence number, increasing within the process."""
    return f"4963{next(_SEQUENCE):052d}"


def kinesis_event(records: list[bytes], resource_id: str, region: str = "us-east-1") -> dict[str, Any]:
    """The event a Kinesis event source mapping hands to Lambda for these record datas."""
    arn = das_stream_arn(resource_id, region)
    return {"Records": [{
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": resource_id,
                    "sequenceNumber": next_sequence_number(),
                    "data": base64.b64encode(data).decode("ascii"), "approximateArrivalTimestamp": 1.7e9},
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"shardId-000000000000:{index}",
        "eventName": "aws:kinesis:record", "awsRegion": region, "eventSourceARN": arn,
        "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/das-decrypt",
    } for index, data in enumerate(records)]}


def firehose_transformation_event(records: list[bytes], resource_id: str, region: str = "us-east-1") -> dict[str, Any]:
    """The event Firehose hands a transformation function when its source is the DAS stream."""
    return {
        "invocationId": "invocation-" + next_sequence_number()[-8:],
        "deliveryStreamArn": f"arn:aws:firehose:{region}:{ACCOUNT}:deliverystream/das-{resource_id}",
        "sourceKinesisStreamArn": das_stream_arn(resource_id, region),
        "region": region,
        "records": [{
            "recordId": f"{index:04d}" + next_sequence_number()[-12:],
            "approximateArrivalTimestamp": 1700000000000,
            "data": base64.b64encode(data).decode("ascii"),
            "kinesisRecordMetadata": {"shardId": "shardId-000000000000", "partitionKey": resource_id,
                                      "sequenceNumber": next_sequence_number(),
                                      "approximateArrivalTimestamp": 1700000000000, "subsequenceNumber": 0},
        } for index, data in enumerate(records)],
    }
