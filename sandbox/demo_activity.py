"""The demo's audited activity: ordinary statements and one GRANT by an application user.

Prints what the audit trail shows for it: the AUDIT lines in the server log, what reached
CloudWatch Logs, and the alert messages that reached the demo inbox (an SQS queue subscribed
to the alert topic, standing in for email) if alerting is deployed.
"""

from __future__ import annotations

import gzip
import json
import sys
import time

import boto3
import psycopg2

from . import fleet, state
from .inbox import format_messages, read_messages
from .pipeline.server_log import parse_entries

INBOX_QUEUE = fleet.INBOX_QUEUE


def _client(env: dict, service: str):
    aws = env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


def run_activity(env: dict, cluster_id: str) -> None:
    pg = env["postgres"]
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], dbname=fleet.database_for(cluster_id),
                            user="app_user", password=fleet.app_password(env, "app_user"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("INSERT INTO orders (customer, amount) VALUES (%s, %s)", ["ACME, Inc.", 42])
        cur.execute("SELECT count(*) FROM orders")
        cur.execute("UPDATE orders SET amount = amount + 1 WHERE customer = %s", ["ACME, Inc."])
        cur.execute("GRANT SELECT, INSERT ON orders TO etl_user")
    conn.close()


def _inbox_url(env: dict) -> str | None:
    sqs = _client(env, "sqs")
    try:
        return sqs.get_queue_url(QueueName=INBOX_QUEUE)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return None


def delivered_events(env: dict, bucket_prefix: str = "dbaudit-das-activity") -> list[dict]:
    """The decrypted activity-stream events das_decrypt delivered to S3 through Firehose (NDJSON objects,
    gzip-compressed on AWS; the emulator stores them as put)."""
    s3 = _client(env, "s3")
    events = []
    for bucket in s3.list_buckets().get("Buckets", []):
        if not bucket["Name"].startswith(bucket_prefix):
            continue
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"], Prefix="activity/"):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
                if body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                events.extend(json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip())
    return events


def main() -> int:
    env = state.read_json(state.env_file(state.DEFAULT_NAME))
    cluster_id = sys.argv[1] if len(sys.argv) > 1 else fleet.cluster_ids(1)[0]
    log_file = env["postgres"]["log_file"]
    with open(log_file, "rb") as handle:
        handle.seek(0, 2)
        offset = handle.tell()
    run_activity(env, cluster_id)
    time.sleep(1.0)
    with open(log_file, "rb") as handle:
        handle.seek(offset)
        entries = parse_entries(handle.read().decode("utf-8", errors="replace"))
    audit = [e.message for e in entries if "AUDIT:" in e.message and e.user == "app_user"]
    print(f"{cluster_id}: app_user ran INSERT, SELECT, UPDATE and GRANT; the server log has "
          f"{len(audit)} AUDIT line(s) for them:")
    for line in audit:
        print("  " + line)
    group = f"/aws/rds/cluster/{cluster_id}/postgresql"
    shipped: list = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not shipped:
        time.sleep(1)
        try:
            events = _client(env, "logs").filter_log_events(logGroupName=group)["events"]
        except Exception:  # noqa: BLE001 - the group appears once the export ships its first entry
            events = []
        marker = "@" + fleet.database_for(cluster_id)
        shipped = [e for e in events if "AUDIT:" in e["message"] and marker in e["message"]]
    print(f"\nCloudWatch Logs {group}: {len(shipped)} AUDIT event(s) shipped by the log export")
    url = _inbox_url(env)
    if url is None:
        print("\nalerting is not deployed on the sandbox yet: no inbox to read")
        return 0
    # Alerts come from two paths (the pgAudit log via audit_alert, the activity stream via das_decrypt):
    # wait up to a minute for both.
    deadline = time.monotonic() + 60
    alerts: list[dict] = []
    while time.monotonic() < deadline and len(alerts) < 2:
        alerts += read_messages(_client(env, "sqs"), url)
    print(f"\nalerts in the demo inbox ({INBOX_QUEUE}): {len(alerts)}")
    for alert in alerts:
        print("-" * 60 + "\n" + format_messages([alert]))
    deadline = time.monotonic() + 60
    grants: list = []
    while time.monotonic() < deadline and not grants:
        events = delivered_events(env)
        grants = [e for e in events if "GRANT" in str(e.get("commandText", "")).upper()
                  and e.get("dbUserName") == "app_user"]
        if not grants:
            time.sleep(2)
    print(f"\ndecrypted activity-stream events delivered to S3: {len(events)} "
          f"(app_user's GRANT among them: {'yes' if grants else 'no'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
