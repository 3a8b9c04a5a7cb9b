"""The sliding-window limit behind visitors' remote lookups."""

from __future__ import annotations

from fedlocal.rate_limit import SlidingWindowLimit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_gets_its_limit_per_window_then_waits_for_the_oldest_to_age():
    clock = FakeClock()
    limit = SlidingWindowLimit(3, 60, clock=clock)

    assert [limit.allow("198.51.100.7") for _ in range(4)] == [True, True, True, False]
    assert limit.retry_after("198.51.100.7") == 60
    assert limit.allow("203.0.113.9")  # another address is not affected

    clock.now += 59.9
    assert not limit.allow("198.51.100.7")
    clock.now += 0.1
    assert limit.allow("198.51.100.7")
    assert limit.retry_after("203.0.113.9") == 0


def test_refused_attempts_do_not_count():
    clock = FakeClock()
    limit = SlidingWindowLimit(1, 10, clock=clock)
    assert limit.allow("a")
    for _ in range(100):
        assert not limit.allow("a")
    clock.now += 10
    assert limit.allow("a")


def test_memory_is_bounded_by_forgetting_the_least_recent_keys():
    limit = SlidingWindowLimit(1, 60, max_keys=2, clock=FakeClock())
    for key in ("a", "b", "c"):
        assert limit.allow(key)

    # "a" was forgotten (so may act again); "c", seen last, is still limited
    assert limit.allow("a")
    assert not limit.allow("c")
