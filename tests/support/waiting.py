"""Waiting on a condition with a deadline — the only way tests synchronise.

Tests never sleep a fixed time and hope; they state the condition they need and fail
with a clear message if it does not hold before the deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
POLL_INTERVAL = 0.02


async def wait_for(
    condition: Callable[[], Awaitable[T]] | Callable[[], T],
    *,
    timeout: float = 15.0,  # noqa: ASYNC109 (the deadline is what this helper is for)
    message: str = "condition",
    interval: float = POLL_INTERVAL,
) -> T:
    """Poll `condition` (sync or async) until it returns something truthy; return that.

    Raises AssertionError naming `message` when `timeout` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)
