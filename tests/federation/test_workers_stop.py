"""Stopping the workers: a step in progress finishes (a transaction is never cut in the
middle), an idle worker stops at once, and one that will not finish is cancelled after
the grace period."""

from __future__ import annotations

import asyncio

from fedlocal.federation.workers import Stopping, run_worker, stop_tasks
from tests.support.waiting import wait_for


async def test_a_step_in_progress_finishes_before_the_worker_stops() -> None:
    # Given a worker in the middle of a step
    release = asyncio.Event()
    steps: list[str] = []

    async def step() -> int:
        steps.append("began")
        await release.wait()
        steps.append("ended")
        return 1  # work done: a running worker would take the next step at once

    stopping = Stopping()
    task = asyncio.create_task(run_worker("test", step, asyncio.Event(), 60.0, stopping=stopping))
    await wait_for(lambda: steps == ["began"], message="the step to begin")

    # When the server stops while the step waits, and the step then ends
    stop = asyncio.create_task(stop_tasks([task], stopping, grace=10.0))
    await wait_for(lambda: stopping.asked, message="the stop to be asked")
    release.set()
    await asyncio.wait_for(stop, timeout=10.0)

    # Then the step ended, no other began, and the worker ended without being cancelled
    assert steps == ["began", "ended"]
    assert task.done() and not task.cancelled()


async def test_an_idle_worker_stops_at_once_though_its_poll_is_long() -> None:
    # Given a worker waiting for work, with an hour between polls
    calls = 0

    async def step() -> int:
        nonlocal calls
        calls += 1
        return 0

    stopping = Stopping()
    task = asyncio.create_task(run_worker("idle", step, asyncio.Event(), 3600.0, stopping=stopping))
    await wait_for(lambda: calls == 1, message="the first step")

    # When the server stops
    await asyncio.wait_for(stop_tasks([task], stopping, grace=3600.0), timeout=10.0)

    # Then the worker ended without another step and without being cancelled
    assert calls == 1
    assert not task.cancelled()


async def test_a_step_that_never_ends_is_cancelled_after_the_grace() -> None:
    # Given a worker stuck in a step
    began = asyncio.Event()

    async def stuck() -> int:
        began.set()
        await asyncio.Event().wait()
        return 0

    stopping = Stopping()
    task = asyncio.create_task(run_worker("stuck", stuck, asyncio.Event(), 1.0, stopping=stopping))
    await asyncio.wait_for(began.wait(), timeout=10.0)

    # When the server stops with a short grace
    await asyncio.wait_for(stop_tasks([task], stopping, grace=0.05), timeout=10.0)

    # Then the worker was cancelled
    assert task.cancelled()
