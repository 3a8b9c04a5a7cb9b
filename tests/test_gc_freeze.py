"""What a started process built stays out of the garbage collector's full passes
(fedlocal/gc_freeze.py): a full pass that walked it stopped the event loop for about
35 ms, and those stops made the inbox's p99 under load (docs/performance.md)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import httpx

from fedlocal.gc_freeze import freeze_startup_objects
from tests.support.processes import Instance
from tests.support.waiting import wait_for
from tests.test_metrics import sample
from tests.test_multiprocess_postgres import prepare, processes

# A started app holds far more (modules, tables, statements, templates); the test
# process's own objects are as many, so the unit test asks for the same floor.
STARTUP_OBJECTS_AT_LEAST = 50_000


class Node:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_freeze_skips_what_exists_and_still_collects_what_comes_after() -> None:
    try:
        # Given a cycle that becomes garbage before the freeze, and one kept alive
        garbage = Node()
        gone_before = weakref.ref(garbage)
        del garbage
        kept = Node()

        # When the process freezes what it built
        frozen = freeze_startup_objects()

        # Then the garbage was collected first, and what lives is frozen
        assert gone_before() is None
        assert frozen == gc.get_freeze_count() >= STARTUP_OBJECTS_AT_LEAST
        assert kept.me is kept
        # And a cycle made afterwards is still collected
        later = Node()
        gone_after = weakref.ref(later)
        del later
        gc.collect()
        assert gone_after() is None
    finally:
        gc.unfreeze()


async def test_the_web_and_worker_processes_freeze_what_they_built_at_start(
    tmp_path: Path,
) -> None:
    # Given an instance on SQLite served by a web process beside a worker process, the
    # operator's metrics open to loopback and the log at "info"
    inst = Instance(
        tmp_path,
        "nord",
        run_workers=False,
        metrics_enabled=True,
        metrics_allow=["127.0.0.1/32"],
        log_level="info",
    )
    await prepare(inst)
    async with processes(inst, ["serve"], ["worker"]) as (web, worker):
        # When both have started
        await web.wait_until_answering(f"{inst.base_url}/.well-known/nodeinfo")
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            text = (await client.get(f"{inst.base_url}/metrics")).text

        # Then the web process's startup objects are frozen, and full passes counted
        frozen = sample(text, "fedlocal_gc_frozen_objects")
        assert frozen is not None and frozen >= STARTUP_OBJECTS_AT_LEAST, text
        assert sample(text, "fedlocal_gc_collections_total", generation="2") is not None
        # And the worker process says it froze its own
        await wait_for(
            lambda: "objects built at start are left out of full collections" in worker.log_tail(),
            message="the worker process to freeze its startup objects",
        )
