"""Fixed-window hit counters in the cache, for public pages that anyone may post to."""

import datetime as dt

from django.core.cache import cache


def over_limit(key: str, limit: int, window: dt.timedelta) -> bool:
    """Count one more hit in a fixed window; True once the count passes `limit`."""
    seconds = int(window.total_seconds())
    cache.add(key, 0, timeout=seconds)
    try:
        hits = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=seconds)
        hits = 1
    return hits > limit


def hits(key: str) -> int:
    """The hits counted so far in the current window (0 once it has ended)."""
    return cache.get(key, 0)
