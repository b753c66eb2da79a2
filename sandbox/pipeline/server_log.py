"""Reading the sandbox server log as RDS-style entries, incrementally.

An entry starts with the RDS log_line_prefix ``%t:%r:%u@%d:[%p]:``; lines that do not start
with a timestamp continue the entry before them (a statement over several lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path

PREFIX = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [A-Z]{2,5}):(?P<remote>[^:]*(?:\(\d+\))?):"
    r"(?P<user>[^@:]*)@(?P<database>[^:]*):\[(?P<pid>\d+)\]:")


@dataclass
class Entry:
    message: str
    timestamp_ms: int
    user: str
    database: str
    remote: str
    pid: int


def _timestamp_ms(text: str) -> int:
    stamp, _zone = text.rsplit(" ", 1)
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in stamp else "%Y-%m-%d %H:%M:%S"
    return int(datetime.strptime(stamp, fmt).replace(tzinfo=UTC).timestamp() * 1000)


def parse_entries(text: str) -> list[Entry]:
    entries: list[Entry] = []
    for line in text.splitlines():
        match = PREFIX.match(line)
        if match:
            entries.append(Entry(line, _timestamp_ms(match["time"]), match["user"], match["database"],
                                 match["remote"], int(match["pid"])))
        elif entries:
            entries[-1].message += "\n" + line
    return entries


class LogReader:
    """Hands out complete entries appended to the log since the last call.

    The last entry read may still grow (a statement's next line not yet written), so an entry is
    handed out only once a later entry starts or ``flush_after`` calls have passed without change.
    """

    def __init__(self, path: str | Path, offset: int = 0):
        self.path = Path(path)
        self.offset = offset
        self.pending = ""
        self.idle_polls = 0

    def read(self, flush_after: int = 2) -> list[Entry]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        if data:
            self.offset += len(data)
            self.idle_polls = 0
        else:
            self.idle_polls += 1
        text = self.pending + data.decode("utf-8", errors="replace")
        complete, _unused, partial = text.rpartition("\n")
        entries = parse_entries(complete)
        held = ""
        if entries and self.idle_polls < flush_after:
            # The newest entry may still gain continuation lines: hand it out later.
            held = entries.pop().message + "\n"
        self.pending = held + partial
        return entries
