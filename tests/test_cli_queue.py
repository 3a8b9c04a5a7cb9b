"""`fedlocal queue failures|retry|drop`, run as real subprocesses against an instance's
database (no server running: the commands write, the workers would take it from there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from fedlocal.store import Database
from fedlocal.store import actors as actor_store
from fedlocal.store.tables import deliveries, inbox_queue
from tests.support.processes import Instance, open_store
from tests.support.queue_failures import PEER, dead_delivery, failed_inbox_item


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    return Instance(tmp_path, "nord")


async def seeded(instance: Instance) -> tuple[int, int]:
    """A failed inbox item and a dead delivery in the instance's database: their ids."""
    await instance.create_user("ana")
    db = Database(instance.config.database_url)
    try:
        async with db.read() as conn:
            ana = await actor_store.get_local_actor(conn, "ana")
        assert ana is not None
        item = await failed_inbox_item(db, 1, verb="Like", error="KeyError: 'id'")
        dead = await dead_delivery(db, ana.id, 2, status=410, error="Gone\nfor good")
    finally:
        await db.dispose()
    return item, dead


async def states(instance: Instance) -> dict[str, list[tuple[int, str, int]]]:
    found: dict[str, list[tuple[int, str, int]]] = {}
    async with open_store(instance.config.database_url) as view:
        # (the inbox queue in its own database: on SQLite, a file beside the store's)
        for table, read in ((inbox_queue, view.read_inbox), (deliveries, view.read)):
            async with read() as conn:
                rows = await conn.execute(select(table.c.id, table.c.state, table.c.attempts))
                found[table.name] = [tuple(row) for row in rows]
    return found


async def test_failures_are_listed_retried_and_dropped(instance: Instance) -> None:
    # Given a failed inbox item and a dead delivery
    item, dead = await seeded(instance)

    # When the admin lists them
    listed = await instance.cli("queue", "failures")

    # Then each is one line: its name, what it was, who, the attempts and the last error
    inbox_line, delivery_line = listed.stdout.splitlines()
    assert inbox_line.startswith(f"inbox:{item} ")
    for part in (f"Like {PEER}/activities/1", f"from {PEER}/users/alice", "attempts 1"):
        assert part in inbox_line
    assert inbox_line.endswith("KeyError: 'id'")
    assert delivery_line.startswith(f"delivery:{dead} ")
    for part in ("Create https://local.example/posts/2/activity", f"to {PEER}/inbox"):
        assert part in delivery_line
    assert delivery_line.endswith("HTTP 410: Gone for good")

    # When the inbox item is retried and every delivery failure dropped
    retried = await instance.cli("queue", "retry", f"inbox:{item}")
    dropped = await instance.cli("queue", "drop", "--all", "--kind", "delivery")

    # Then the item waits in its queue as new, the delivery is gone, no failure is left
    assert retried.stdout.strip() == "1 failure put back in the queue"
    assert dropped.stdout.strip() == "1 failure dropped"
    assert await states(instance) == {"inbox_queue": [(item, "pending", 0)], "deliveries": []}
    assert "no failures" in (await instance.cli("queue", "failures")).stdout


async def test_unclear_names_are_refused_in_one_line(instance: Instance) -> None:
    item, dead = await seeded(instance)

    for args, problem in (
        (["retry"], "--all"),
        (["drop", str(item)], "inbox:ID"),
        (["retry", "--all", f"inbox:{item}"], "--all"),
        (["drop", "--kind", "inbox", f"delivery:{dead}"], "not in the inbox queue"),
    ):
        result = await instance.cli("queue", *args, expect=1)

        assert "Traceback" not in result.stderr, result.describe()
        assert len(result.stderr_lines) == 1 and problem in result.stderr, result.describe()

    # And nothing was touched
    assert await states(instance) == {
        "inbox_queue": [(item, "failed", 1)],
        "deliveries": [(dead, "dead", 1)],
    }
