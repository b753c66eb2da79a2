"""Decrypting one Database Activity Streams record (REFERENCE.md section 1).

Record (Kinesis data, base64-decoded): ``{"type": "DatabaseActivityMonitoringRecords",
"version": "1.x", "databaseActivityEvents": <base64 ESDK message>, "key": <base64 KMS blob>}``.

1. KMS Decrypt of ``key`` with encryption context ``aws:rds:dbc-id`` = cluster resource id
   (``aws:rds:db-id`` for an instance resource id, which starts with ``db-``); cached per blob.
2. AWS Encryption SDK decrypt of ``databaseActivityEvents`` with a raw AES-GCM master key
   (provider ``BC``, key ``DataKey``) holding the plaintext data key. Commitment policy
   FORBID_ENCRYPT_ALLOW_DECRYPT because RDS writes messages with non-committing suites, signed
   or unsigned; the SDK handles both.
3. gunzip, 4. JSON with ``databaseActivityEventList``.

Unknown record versions and fields are accepted: RDS adds fields without notice.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

import aws_encryption_sdk
from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError
from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

from .data_key_cache import DataKeyCache

RECORD_TYPE = "DatabaseActivityMonitoringRecords"
PROVIDER_ID = "BC"
KEY_ID = "DataKey"
STREAM_PREFIX = "aws-rds-das-"
MAX_PLAINTEXT_BYTES = 64 * 1024 * 1024  # a gzip bomb must not take the container down

_ESDK = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)


class RecordError(Exception):
    """A record that cannot be decrypted; the message never holds key material or SQL."""


@dataclass
class DecryptedRecord:
    """The events of one DAS record, each carrying the record's cluster and instance ids."""

    version: str
    cluster_id: str
    instance_id: str
    events: list[dict[str, Any]] = field(default_factory=list)


def resource_id_from_stream(stream_arn_or_name: str) -> str:
    """``cluster-ABC`` from ``arn:...:stream/aws-rds-das-cluster-ABC`` (or the bare name); '' if not DAS."""
    name = stream_arn_or_name.rsplit("/", 1)[-1]
    return name[len(STREAM_PREFIX):] if name.startswith(STREAM_PREFIX) else ""


def encryption_context(resource_id: str) -> dict[str, str]:
    """The KMS encryption context RDS used: clusters ``aws:rds:dbc-id``, instances ``aws:rds:db-id``."""
    key = "aws:rds:db-id" if resource_id.startswith("db-") else "aws:rds:dbc-id"
    return {key: resource_id}


def raw_master_key(plaintext_data_key: bytes) -> RawMasterKey:
    """The ESDK master key that unwraps the message's data key, as RDS wrapped it."""
    wrapping_key = WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                               wrapping_key=plaintext_data_key, wrapping_key_type=EncryptionKeyType.SYMMETRIC)
    return RawMasterKey(provider_id=PROVIDER_ID, key_id=KEY_ID, wrapping_key=wrapping_key)


def parse_envelope(data: bytes) -> tuple[str, bytes, bytes]:
    """(version, encrypted data key, ESDK message) of a record; RecordError if it is not a DAS record."""
    try:
        envelope = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise RecordError("record is not JSON") from None
    if not isinstance(envelope, dict) or envelope.get("type", RECORD_TYPE) != RECORD_TYPE:
        raise RecordError(f"record type is not {RECORD_TYPE}")
    try:
        key = base64.b64decode(envelope["key"], validate=True)
        message = base64.b64decode(envelope["databaseActivityEvents"], validate=True)
    except KeyError as missing:
        raise RecordError(f"record has no {missing.args[0]!r}") from None
    except (binascii.Error, TypeError, ValueError):
        raise RecordError("record key or events are not base64") from None
    return str(envelope.get("version", "")), key, message


def gunzip(data: bytes, limit: int = MAX_PLAINTEXT_BYTES) -> bytes:
    decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
    try:
        out = decompressor.decompress(data, limit)
    except zlib.error:
        raise RecordError("decrypted payload is not gzip") from None
    if decompressor.unconsumed_tail:
        raise RecordError(f"decompressed payload is larger than {limit} bytes")
    return out


class DasRecordDecryptor:
    """Decrypts records with one KMS client and a data key cache shared across invocations."""

    def __init__(self, kms_client: Any, cache: DataKeyCache[RawMasterKey]):
        self.kms = kms_client
        self.cache = cache
        self.kms_calls = 0

    def _load_master_key(self, resource_id: str, key_blob: bytes) -> RawMasterKey:
        from botocore.exceptions import BotoCoreError, ClientError

        self.kms_calls += 1
        try:
            answer = self.kms.decrypt(CiphertextBlob=key_blob, EncryptionContext=encryption_context(resource_id))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "ClientError")
            raise RecordError(f"KMS Decrypt of the data key failed ({code}) with encryption context "
                              f"{encryption_context(resource_id)}") from None
        except BotoCoreError as exc:
            raise RecordError(f"KMS Decrypt of the data key failed: {type(exc).__name__}") from None
        return raw_master_key(answer["Plaintext"])

    def decrypt(self, data: bytes, resource_id: str) -> DecryptedRecord:
        """The events of one record; RecordError (with a reason safe to log) if it cannot be read."""
        if not resource_id:
            raise RecordError("no cluster resource id (set DAS_RESOURCE_ID or read an aws-rds-das-<id> stream)")
        version, key_blob, message = parse_envelope(data)
        master_key = self.cache.get_or_load(resource_id, key_blob, lambda: self._load_master_key(resource_id,
                                                                                                 key_blob))
        try:
            compressed, _header = _ESDK.decrypt(source=message, key_provider=master_key)
        except AWSEncryptionSDKClientError as exc:
            raise RecordError(f"Encryption SDK could not decrypt the events: {type(exc).__name__}") from None
        except Exception as exc:  # noqa: BLE001 - a corrupt message can fail in struct, cryptography, ...
            raise RecordError(f"events are not a readable Encryption SDK message: {type(exc).__name__}") from None
        try:
            payload = json.loads(gunzip(compressed))
        except (ValueError, UnicodeDecodeError):
            raise RecordError("decrypted events are not JSON") from None
        if not isinstance(payload, dict):
            raise RecordError("decrypted events are not a JSON object")
        cluster_id = str(payload.get("clusterId") or "")
        instance_id = str(payload.get("instanceId") or "")
        events = []
        for event in payload.get("databaseActivityEventList") or []:
            if isinstance(event, dict):
                event.setdefault("clusterId", cluster_id)
                event.setdefault("instanceId", instance_id)
                events.append(event)
        return DecryptedRecord(version=version, cluster_id=cluster_id, instance_id=instance_id, events=events)
