"""Benchmark: DAS record decryption with one KMS call per record vs das_decrypt's data key cache.

    python benchmarks/das_decrypt_kms_cache.py [--records 2000] [--keys 10] [--events-per-record 3]
                                               [--signed-share 0.5] [--env .sandbox/NAME/env.json]

Makes ``--records`` records the way RDS does (``sandbox/das_records.py``: data keys from the
emulator's KMS with the ``aws:rds:dbc-id`` context, Encryption SDK messages, signed and unsigned
suites) spread over ``--keys`` data keys, then processes all of them in one run each by

  (a) the approach of the public AWS samples: KMS Decrypt for every record, then the Encryption
      SDK, gunzip and JSON;
  (b) das_decrypt's core (``record_processing.process_records``): the same steps with the data
      key cache, plus its heartbeat / internal-user filter.

Both start cold (no key cached) and use a boto3 KMS client on the sandbox emulator; KMS calls
are counted with a botocore event hook on each client. Firehose delivery is left out of both
(it is the same for both). Prints events/s of each, the ratio and the KMS calls. Uses the
sandbox named by ``--env`` or ``DBAUDIT_SANDBOX_ENV``; otherwise starts one named ``bench`` and
stops it at the end. The emulator is a local HTTP server, so a KMS call here is cheaper than
a real one (no network round trip, no throttling): the ratio on AWS is larger, not smaller.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import zlib
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
for path in (CHECKOUT, CHECKOUT / "lambdas", CHECKOUT / "lambdas" / "common"):
    sys.path.insert(0, str(path))

import aws_encryption_sdk  # noqa: E402
import boto3  # noqa: E402
from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm  # noqa: E402
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey  # noqa: E402
from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider  # noqa: E402

from sandbox import das_records  # noqa: E402


class SampleKeyProvider(RawMasterKeyProvider):
    """The raw master key provider of the public AWS samples, one per record."""

    provider_id = "BC"

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, plain_key: bytes):
        RawMasterKeyProvider.__init__(self)
        self.wrapping_key = WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                                        wrapping_key=plain_key, wrapping_key_type=EncryptionKeyType.SYMMETRIC)

    def _get_raw_key(self, key_id):
        return self.wrapping_key


def sample_approach(records: list[bytes], kms, resource_id: str) -> int:
    """(a) As the public samples: KMS Decrypt per record; returns the number of events read."""
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
    events = 0
    for data in records:
        record = json.loads(data)
        plain_key = kms.decrypt(CiphertextBlob=base64.b64decode(record["key"]),
                                EncryptionContext={"aws:rds:dbc-id": resource_id})["Plaintext"]
        provider = SampleKeyProvider(plain_key)
        provider.add_master_key("DataKey")
        plaintext, _header = client.decrypt(source=base64.b64decode(record["databaseActivityEvents"]),
                                            key_provider=provider)
        payload = json.loads(zlib.decompress(plaintext, zlib.MAX_WBITS + 16))
        events += sum(1 for event in payload["databaseActivityEventList"] if event.get("type") != "heartbeat")
    return events


def our_approach(records: list[bytes], kms, resource_id: str) -> int:
    """(b) das_decrypt's core with a fresh (cold) data key cache; returns the number of events kept."""
    from das_decrypt.data_key_cache import DataKeyCache
    from das_decrypt.event_filter import DEFAULT_INTERNAL_USERS, internal_user_set
    from das_decrypt.event_sources import source_records
    from das_decrypt.record_decryption import DasRecordDecryptor
    from das_decrypt.record_processing import process_records

    _kind, sources = source_records(das_records.kinesis_event(records, resource_id))
    outcomes, counts = process_records(sources, DasRecordDecryptor(kms, DataKeyCache(1000, 900)),
                                       internal_user_set(DEFAULT_INTERNAL_USERS))
    if counts.failed:
        raise SystemExit(f"das_decrypt failed records: {dict(counts.errors)}")
    return counts.events_kept


def counted_kms_client(aws: dict) -> tuple[object, list]:
    client = boto3.client("kms", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                          aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])
    calls: list = []
    client.meta.events.register("before-call.kms.Decrypt", lambda **kwargs: calls.append(1))
    return client, calls


def make_records(aws: dict, count: int, keys: int, events_per_record: int, signed_share: float):
    kms, _unused = counted_kms_client(aws)
    kms_key = kms.create_key(Description="das benchmark")["KeyMetadata"]["KeyId"]
    resource_id = f"cluster-BENCH{int(time.time())}"
    data_keys = [das_records.new_data_key(kms, kms_key, resource_id) for _unused in range(keys)]
    signed_every = round(1 / signed_share) if signed_share else 0
    records = []
    for index in range(count):
        events = [das_records.activity_event(commandText=f"SELECT {index}, {n}") for n in range(events_per_record)]
        events.append(das_records.heartbeat_event())
        records.append(das_records.das_record(events, data_keys[index % keys], version="1.1",
                                              signed=bool(signed_every) and index % signed_every == 0))
    return records, resource_id


def run(aws: dict, args) -> dict:
    started = time.perf_counter()
    records, resource_id = make_records(aws, args.records, args.keys, args.events_per_record, args.signed_share)
    made_in = time.perf_counter() - started
    # Warm both paths (imports, first connection) on a few records, outside the measurement.
    for approach in (sample_approach, our_approach):
        approach(records[:5], counted_kms_client(aws)[0], resource_id)
    results = {}
    for name, approach in (("a_one_kms_call_per_record", sample_approach), ("b_das_decrypt_cache", our_approach)):
        kms, calls = counted_kms_client(aws)
        began = time.perf_counter()
        events = approach(records, kms, resource_id)
        seconds = time.perf_counter() - began
        results[name] = {"events": events, "seconds": round(seconds, 3), "events_per_s": round(events / seconds, 1),
                         "kms_decrypt_calls": len(calls)}
    a, b = results["a_one_kms_call_per_record"], results["b_das_decrypt_cache"]
    return {"records": args.records, "distinct_data_keys": args.keys, "events_per_record": args.events_per_record,
            "signed_share": args.signed_share, "records_made_in_s": round(made_in, 1), **results,
            "ratio_b_over_a": round(b["events_per_s"] / a["events_per_s"], 2),
            "targets": {"ratio_at_least_4": b["events_per_s"] / a["events_per_s"] >= 4,
                        "kms_calls_equal_distinct_keys": b["kms_decrypt_calls"] == args.keys,
                        "same_events": a["events"] == b["events"]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--events-per-record", type=int, default=3)
    parser.add_argument("--signed-share", type=float, default=0.5, help="share of records with a signed suite")
    parser.add_argument("--env", help="env.json of a running sandbox (default: DBAUDIT_SANDBOX_ENV, else start one)")
    args = parser.parse_args(argv)
    env_file = args.env or os.environ.get("DBAUDIT_SANDBOX_ENV")
    started_here = False
    if env_file:
        env = json.loads(Path(env_file).read_text(encoding="utf-8"))
    else:
        from sandbox import __main__ as sandbox_cli

        env, started_here = sandbox_cli.up("bench"), True
    try:
        report = run(env["aws"], args)
    finally:
        if started_here:
            sandbox_cli.down("bench")
    a, b = report["a_one_kms_call_per_record"], report["b_das_decrypt_cache"]
    print(f"records {report['records']}, distinct data keys {report['distinct_data_keys']}, "
          f"events/record {report['events_per_record']} (+1 heartbeat), signed share {report['signed_share']}")
    print(f"(a) one KMS call per record: {a['events_per_s']:>9.1f} events/s  {a['seconds']:>7.3f} s  "
          f"KMS Decrypt calls {a['kms_decrypt_calls']}")
    print(f"(b) das_decrypt with cache:  {b['events_per_s']:>9.1f} events/s  {b['seconds']:>7.3f} s  "
          f"KMS Decrypt calls {b['kms_decrypt_calls']}")
    print(f"ratio (b)/(a): {report['ratio_b_over_a']}")
    print(json.dumps(report, sort_keys=True))
    return 0 if all(report["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
