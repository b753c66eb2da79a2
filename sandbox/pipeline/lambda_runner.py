"""Runs the emulated Lambda functions for their Kinesis event source mappings and log subscriptions.

Per poll: the functions (``list_functions``), their Kinesis mappings (enabled ones; batch size,
starting position, per-shard iterators kept between polls) and the CloudWatch Logs subscription
filters whose destination is a Lambda ARN (events read with ``get_log_events`` forward tokens,
matched by ``filter_pattern``, delivered as the ``awslogs`` event). Each invocation runs the
deployed zip in a subprocess (``invoke.Invoker``) and is logged as one JSON line.

Failures: with ReportBatchItemFailures the batch is retried from the lowest failed sequence
number; a failed invocation is retried, halving the batch when BisectBatchOnFunctionError is on,
up to MaximumRetryAttempts (-1, "until the record expires", is capped at ``INFINITE_RETRIES`` in
the sandbox), then the batch is reported to the OnFailure destination (SQS or SNS) and skipped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from . import kinesis_batches, subscription_delivery
from .function_code import CodeNotFound, FunctionCodeStore
from .invoke import Invoker

INFINITE_RETRIES = 10


@dataclass
class ShardState:
    iterator: str | None = None
    pending: list = field(default_factory=list)  # records handed out but not yet processed successfully
    attempts: int = 0
    batch_limit: int | None = None


class LambdaRunner:
    def __init__(self, clients: dict, aws_env: dict[str, str], region: str, store: FunctionCodeStore,
                 invoker: Invoker, log=print):
        self.clients = clients
        self.aws_env = aws_env
        self.region = region
        self.store = store
        self.invoker = invoker
        self.log = log
        self.shards: dict[tuple[str, str], ShardState] = {}
        self.log_tokens: dict[tuple[str, str], str] = {}
        self.filters_seen_ms: dict[tuple[str, str], int] = {}

    # -- functions ---------------------------------------------------------------------------------
    def functions(self) -> dict[str, dict]:
        found = {}
        for page in self.clients["lambda"].get_paginator("list_functions").paginate():
            for function in page["Functions"]:
                found[function["FunctionArn"]] = function
                found[function["FunctionName"]] = function
        return found

    def run(self, function: dict, event: dict, source: str, records: int):
        answer = self.clients["lambda"].get_function(FunctionName=function["FunctionName"])
        config = answer["Configuration"]
        try:
            code_dir = self.store.unpacked(config["CodeSha256"], answer.get("Code", {}).get("Location"))
        except CodeNotFound as error:
            self._log(config["FunctionName"], source, records, 0.0, "error", str(error))
            return None
        variables = (config.get("Environment") or {}).get("Variables") or {}
        outcome = self.invoker.invoke(code_dir, config["Handler"], event, float(config.get("Timeout") or 3),
                                      variables)
        self._log(config["FunctionName"], source, records, outcome.duration_s, "ok" if outcome.ok else "error",
                  outcome.error or _short(outcome.result))
        return outcome

    def _log(self, function, source, records, duration, result, detail) -> None:
        self.log(json.dumps({"invocation": function, "source": source, "records": records,
                             "duration_s": round(duration, 3), "result": result, "detail": detail}))

    # -- Kinesis event source mappings ---------------------------------------------------------------
    def poll_mappings(self, functions: dict[str, dict]) -> int:
        invoked = 0
        lam = self.clients["lambda"]
        for page in lam.get_paginator("list_event_source_mappings").paginate():
            for mapping in page["EventSourceMappings"]:
                source = mapping.get("EventSourceArn", "")
                if ":kinesis:" not in source or mapping.get("State", "Enabled") not in ("Enabled", "Enabling"):
                    continue
                function = functions.get(mapping["FunctionArn"]) or functions.get(mapping["FunctionArn"].split(":")[-1])
                if function is None:
                    continue
                invoked += self._poll_stream(mapping, function)
        return invoked

    def _poll_stream(self, mapping: dict, function: dict) -> int:
        kinesis = self.clients["kinesis"]
        arn = mapping["EventSourceArn"]
        stream = arn.split("/", 1)[1]
        try:
            shards = kinesis.list_shards(StreamName=stream)["Shards"]
        except kinesis.exceptions.ResourceNotFoundException:
            return 0
        invoked = 0
        for shard in shards:
            key = (mapping["UUID"], shard["ShardId"])
            state = self.shards.setdefault(key, ShardState())
            if state.iterator is None and not state.pending:
                state.iterator = self._first_iterator(kinesis, stream, shard["ShardId"], mapping)
            invoked += self._process_shard(mapping, function, arn, shard["ShardId"], state)
        return invoked

    def _first_iterator(self, kinesis, stream: str, shard_id: str, mapping: dict) -> str:
        position = mapping.get("StartingPosition", "LATEST")
        kwargs = {"StreamName": stream, "ShardId": shard_id, "ShardIteratorType": position}
        if position == "AT_TIMESTAMP":
            kwargs["Timestamp"] = mapping["StartingPositionTimestamp"]
        return kinesis.get_shard_iterator(**kwargs)["ShardIterator"]

    def _process_shard(self, mapping, function, arn, shard_id, state: ShardState) -> int:
        batch_size = int(mapping.get("BatchSize") or 100)
        if not state.pending and state.iterator:
            answer = self.clients["kinesis"].get_records(ShardIterator=state.iterator, Limit=batch_size)
            state.iterator = answer.get("NextShardIterator")
            state.pending = answer["Records"]
        if not state.pending:
            return 0
        batch = state.pending[:min(batch_size, state.batch_limit or batch_size)]
        event = kinesis_batches.kinesis_event(batch, arn, shard_id, self.region)
        outcome = self.run(function, event, f"kinesis:{arn.split('/')[-1]}/{shard_id}", len(batch))
        reports = "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or [])
        if outcome is not None and outcome.ok:
            retry_from = kinesis_batches.lowest_failure(outcome.result, reports)
            if retry_from is None:
                state.pending = state.pending[len(batch):]
                state.attempts, state.batch_limit = 0, None
                return 1
            remaining = kinesis_batches.retry_records(batch, retry_from)
            state.pending = remaining + state.pending[len(batch):]
            batch = remaining
        elif mapping.get("BisectBatchOnFunctionError") and len(batch) > 1:
            state.batch_limit = max(1, len(batch) // 2)
        state.attempts += 1
        limit = mapping.get("MaximumRetryAttempts", -1)
        limit = INFINITE_RETRIES if limit is None or limit < 0 else limit
        if state.attempts > limit:
            self._on_failure(mapping, arn, shard_id, batch)
            done = {record["SequenceNumber"] for record in batch}
            state.pending = [record for record in state.pending if record["SequenceNumber"] not in done]
            state.attempts, state.batch_limit = 0, None
        return 1

    def _on_failure(self, mapping: dict, arn: str, shard_id: str, batch: list[dict]) -> None:
        destination = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        self.log(json.dumps({"discarded": len(batch), "source": arn, "shard": shard_id, "destination": destination}))
        if not destination or not batch:
            return
        message = json.dumps({
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": mapping["FunctionArn"]},
            "KinesisBatchInfo": {"shardId": shard_id, "startSequenceNumber": batch[0]["SequenceNumber"],
                                 "endSequenceNumber": batch[-1]["SequenceNumber"], "batchSize": len(batch),
                                 "streamArn": arn}})
        if ":sqs:" in destination:
            sqs = self.clients["sqs"]
            url = sqs.get_queue_url(QueueName=destination.split(":")[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=message)
        elif ":sns:" in destination:
            self.clients["sns"].publish(TopicArn=destination, Message=message)

    # -- CloudWatch Logs subscription filters ----------------------------------------------------------
    def poll_subscriptions(self, functions: dict[str, dict]) -> int:
        logs = self.clients["logs"]
        invoked = 0
        for page in logs.get_paginator("describe_log_groups").paginate():
            for group in page["logGroups"]:
                name = group["logGroupName"]
                filters = [item for item in logs.describe_subscription_filters(logGroupName=name)["subscriptionFilters"]
                           if ":lambda:" in item.get("destinationArn", "")]
                if filters:
                    invoked += self._deliver_group(name, filters, functions)
        return invoked

    def _deliver_group(self, group: str, filters: list[dict], functions: dict[str, dict]) -> int:
        logs = self.clients["logs"]
        now_ms = int(time.time() * 1000)
        invoked = 0
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        for item in filters:
            self.filters_seen_ms.setdefault((group, item["filterName"]), item.get("creationTime") or now_ms)
        for stream in streams:
            key = (group, stream["logStreamName"])
            kwargs = {"logGroupName": group, "logStreamName": stream["logStreamName"], "startFromHead": True}
            if key in self.log_tokens:
                kwargs["nextToken"] = self.log_tokens[key]
            answer = logs.get_log_events(**kwargs)
            self.log_tokens[key] = answer["nextForwardToken"]
            events = answer["events"]
            if not events:
                continue
            for item in filters:
                since = self.filters_seen_ms[(group, item["filterName"])]
                fresh = [event for event in events if event.get("ingestionTime", event["timestamp"]) >= since]
                matched = subscription_delivery.matching(fresh, item.get("filterPattern", ""))
                function = functions.get(item["destinationArn"]) or functions.get(item["destinationArn"].split(":")[-1])
                if not matched or function is None:
                    continue
                event = subscription_delivery.awslogs_event(group, stream["logStreamName"], [item["filterName"]],
                                                            matched)
                self.run(function, event, f"logs:{group}", len(matched))
                invoked += 1
        return invoked

    def poll(self) -> int:
        functions = self.functions()
        if not functions:
            return 0
        return self.poll_mappings(functions) + self.poll_subscriptions(functions)


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 300 else text[:297] + "..."
