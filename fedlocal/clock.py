"""The current time, in one place, always aware and in UTC.

Everything reads the time through `utcnow()`, so a test can move the whole app in time
with `use_clock` (reminders of a loan due tomorrow, overdue notices) without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def utcnow() -> datetime:
    return _source()


@contextmanager
def use_clock(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from `source` inside the block (tests' fake clocks)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


class FakeClock:
    """A clock that stands still until told to move: `clock.now = …` or `advance(…)`."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
