"""States that turn into others after a delay, evaluated when read instead of by timers.

AWS moves a stream from ``starting`` to ``started`` or an instance from ``rebooting`` to
``available`` some time after the call. Reading the clock when a describe asks keeps the
emulator free of background threads and makes every transition land exactly once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


def now() -> float:
    return time.monotonic()


@dataclass
class Timed:
    """``state`` until ``until`` (monotonic seconds), ``then`` afterwards."""

    state: str
    then: str
    until: float

    @classmethod
    def after(cls, state: str, then: str, seconds: float) -> Timed:
        return cls(state=state, then=then, until=now() + max(0.0, seconds))

    @classmethod
    def settled(cls, state: str) -> Timed:
        return cls(state=state, then=state, until=0.0)

    def current(self, at: float | None = None) -> str:
        return self.then if (now() if at is None else at) >= self.until else self.state

    def in_transition(self, at: float | None = None) -> bool:
        return self.current(at) != self.then
