"""The data key cache: one load per key, bounded by size (LRU) and age, keyed by context too."""

from __future__ import annotations

from das_decrypt.data_key_cache import DataKeyCache


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_loads_once_per_distinct_blob():
    cache, loads = DataKeyCache(10, 60), []
    for blob in [b"a", b"b", b"a", b"a", b"b"]:
        cache.get_or_load("cluster-1", blob, lambda blob=blob: loads.append(blob) or blob.upper())
    assert loads == [b"a", b"b"]
    assert (cache.hits, cache.misses) == (3, 2)


def test_least_recently_used_goes_first():
    cache = DataKeyCache(2, 60)
    cache.put("c", b"a", 1)
    cache.put("c", b"b", 2)
    assert cache.get("c", b"a") == 1  # a is now the most recent
    cache.put("c", b"c", 3)
    assert cache.get("c", b"b") is None and cache.get("c", b"a") == 1 and len(cache) == 2


def test_entries_expire_by_age():
    clock = Clock()
    cache = DataKeyCache(10, 30, clock)
    cache.put("c", b"a", 1)
    clock.now = 29.9
    assert cache.get("c", b"a") == 1
    clock.now = 30
    assert cache.get("c", b"a") is None and len(cache) == 0


def test_same_blob_under_another_context_is_a_miss():
    cache, loads = DataKeyCache(10, 60), []
    cache.get_or_load("cluster-1", b"a", lambda: loads.append(1) or "k1")
    cache.get_or_load("cluster-2", b"a", lambda: loads.append(2) or "k2")
    assert loads == [1, 2]
