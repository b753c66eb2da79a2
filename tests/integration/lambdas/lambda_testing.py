"""Helpers of the Lambda integration tests that are not fixtures."""

from __future__ import annotations

import time


class LambdaContext:
    """The part of Lambda's context object the handlers use: the remaining time."""

    def __init__(self, timeout_ms: int = 60_000):
        self.deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)
