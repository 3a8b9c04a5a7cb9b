"""A per-key sliding-window rate limit kept in memory, for actions that make this server
fetch from others on a visitor's word (WebFinger lookups for "follow from your own
server"). In memory on purpose: the limit protects other servers and our outgoing
connections from one client's burst, it does not need to survive a restart."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindowLimit:
    """At most `limit` events per `window_seconds` for each key. The keys kept are
    bounded (`max_keys`, the least recently seen forgotten first), so a flood of
    addresses cannot grow memory without end."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Count one event for `key` if it is within the limit; False (and not counted)
        when it is not."""
        now = self.clock()
        events = self._events.pop(key, None) or deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        allowed = len(events) < self.limit
        if allowed:
            events.append(now)
        self._events[key] = events  # now the most recently seen
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)
        return allowed

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may act again (0 when it may now)."""
        events = self._events.get(key)
        if not events or len(events) < self.limit:
            return 0.0
        return max(0.0, events[0] + self.window - self.clock())
