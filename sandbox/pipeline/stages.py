"""One poll of every pipeline stage, with the clients and read positions they keep."""

from __future__ import annotations

from sandbox.emulator.call_counter import INTERNAL_ACCESS_KEY_ID

from . import log_shipper
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

    def stage_names(self) -> list[str]:
        return ["log_shipper"]

    def poll(self) -> dict:
        entries = self.reader.read()
        return {
            "shipped": log_shipper.ship(entries, self.rds, self.logs, self.known_streams),
        }
