"""A bounded cache of decrypted DAS data keys.

RDS wraps many records with the same data key, so one KMS Decrypt per distinct key is enough;
the public samples call KMS once per record, which costs money and gets throttled on a busy
cluster. The cache is bounded by entry count (least recently used goes first) and by age (a
plaintext key is not kept in memory longer than configured).

Entries are keyed by the encryption context value *and* the encrypted key blob: KMS checks the
context on every Decrypt, and a cache keyed by the blob alone would serve a key to a record
whose context (cluster) is wrong without asking KMS.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class DataKeyCache(Generic[Value]):
    """LRU cache with a maximum age; ``get_or_load`` calls the loader only on a miss."""

    def __init__(self, max_entries: int = 1000, max_age_seconds: float = 900,
                 clock: Callable[[], float] = time.monotonic):
        self.max_entries = max(1, int(max_entries))
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self.entries: OrderedDict[tuple[str, bytes], tuple[float, Value]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, context: str, blob: bytes) -> Value | None:
        key = (context, blob)
        entry = self.entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self.clock() - stored_at >= self.max_age_seconds:
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        return value

    def put(self, context: str, blob: bytes, value: Value) -> None:
        key = (context, blob)
        self.entries[key] = (self.clock(), value)
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def get_or_load(self, context: str, blob: bytes, loader: Callable[[], Value]) -> Value:
        value = self.get(context, blob)
        if value is not None:
            self.hits += 1
            return value
        self.misses += 1
        value = loader()
        self.put(context, blob, value)
        return value
