"""Flood control: at most one alert message per rule per time window.

A rule that is too generic (every SELECT) must not send thousands of e-mails. The first batch
of matches of a rule opens a window and sends one message; matches while the window is open are
only counted ("folded in"); the next message of that rule, or a summary sent once the window
has closed, says how many were folded in.

State lives in the Lambda container's memory: each concurrently running container has its own
windows (so the limit is one message per rule per window *per container*), and a count folded
in by a container that is recycled before it reports is lost (the events themselves are not:
they are in S3 or CloudWatch Logs; only the count in the alert is). Set the function's reserved
concurrency to 1 when one message per window across the fleet matters more than throughput.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class RuleWindow:
    """The open window of one rule and what was folded into it."""

    opened_at: float
    folded: int = 0


@dataclass(frozen=True)
class Admission:
    """What to do with a batch of matches of one rule."""

    send: bool
    folded_before: int = 0  # matches folded into the previous window, reported with this message
    folded_since: float | None = None  # when that previous window opened


@dataclass(frozen=True)
class FoldedSummary:
    """Matches folded into a window that has closed without a later message to report them."""

    rule: str
    folded: int
    window_opened_at: float
    window_closed_at: float


class FloodGate:
    """Decides per rule whether a message goes out now or is folded into the open window."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.time):
        self.window_seconds = window_seconds
        self.clock = clock
        self.windows: dict[str, RuleWindow] = {}

    def _expired(self, window: RuleWindow, now: float) -> bool:
        return now - window.opened_at >= self.window_seconds

    def admit(self, rule: str, matches: int = 1) -> Admission:
        """Account for ``matches`` new matches of ``rule``; say whether to send a message now."""
        now = self.clock()
        window = self.windows.get(rule)
        if window is not None and not self._expired(window, now):
            window.folded += matches
            return Admission(send=False)
        self.windows[rule] = RuleWindow(opened_at=now)
        if window is None or not window.folded:
            return Admission(send=True)
        return Admission(send=True, folded_before=window.folded, folded_since=window.opened_at)

    def due_summaries(self) -> list[FoldedSummary]:
        """Summaries of closed windows that folded matches in; each summary opens a new window.

        Sending the summary counts as that rule's message, so a flood that never stops yields
        one summary per window and nothing more.
        """
        now = self.clock()
        due = []
        for rule, window in sorted(self.windows.items()):
            if window.folded and self._expired(window, now):
                due.append(FoldedSummary(rule, window.folded, window.opened_at, window.opened_at + self.window_seconds))
                self.windows[rule] = RuleWindow(opened_at=now)
        return due
