"""How many requests the delivery pool may have in flight, and so how many connections the
server's HTTP client must be able to hold (federation/delivery_pool.py, runtime.py)."""

from __future__ import annotations

# A delivery unanswered after this long counts as slow and gives up its slot.
SLOW_AFTER_SECONDS = 2.0
# Slow deliveries go on in the background, within this many times the pool's size in all.
SLOW_FACTOR = 4


def most_in_flight(pool_size: int) -> int:
    """The most deliveries a pool of `pool_size` slots can have in flight, slow ones included."""
    return pool_size * SLOW_FACTOR
