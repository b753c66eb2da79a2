"""The demo's inbox: alert messages an SNS topic delivered to an SQS queue, read and printed."""

from __future__ import annotations

import json


def read_messages(sqs, queue_url: str, wait_seconds: int = 1, max_batches: int = 10) -> list[dict]:
    """Receive and delete what is in the queue; each item: subject and message of the SNS notification."""
    found = []
    for _unused in range(max_batches):
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            found.append(parse(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def parse(body: str) -> dict:
    """The SNS envelope SQS holds (or a raw message when raw delivery is on)."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return {"subject": None, "message": body}
    if isinstance(envelope, dict) and envelope.get("Type") == "Notification":
        return {"subject": envelope.get("Subject"), "message": envelope.get("Message", "")}
    return {"subject": None, "message": body}


def format_messages(messages: list[dict]) -> str:
    return "\n\n".join(f"Subject: {item['subject'] or '(none)'}\n{item['message']}" for item in messages)
