"""Running workers inside `fedlocal serve`: each loops on `run_once()`, and when idle
waits for a wake-up (new work committed in this process) or the poll interval (work
written by another process, or retries coming due)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def run_worker(
    name: str,
    run_once: Callable[[], Awaitable[int]],
    wake: asyncio.Event,
    poll_seconds: float,
) -> None:
    """Loop until cancelled. A failing `run_once` is logged and retried after a poll."""
    while True:
        try:
            done = await run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s worker step failed", name)
            done = 0
        if done:
            continue
        # asyncio.timeout: Python 3.11's wait_for can swallow a cancellation (a worker
        # that never stops at shutdown) when it arrives as the wake-up does.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(poll_seconds):
                await wake.wait()
        wake.clear()
