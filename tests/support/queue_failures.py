"""Failures in the work queues, made the way the workers leave them: a failed inbox item
(`inbox_queue.fail`) and a dead delivery (`outbox.give_up_delivery`)."""

from __future__ import annotations

import json

from sqlalchemy import select

from fedlocal.store import Database
from fedlocal.store import inbox_queue as inbox_store
from fedlocal.store import outbox as outbox_store
from fedlocal.store.tables import deliveries

PEER = "https://peer.example"


async def failed_inbox_item(
    db: Database, n: int, *, verb: str = "Like", error: str = "KeyError: 'id'"
) -> int:
    """A `verb` from a peer's alice whose processing failed with `error`; its row id."""
    activity = {
        "id": f"{PEER}/activities/{n}",
        "type": verb,
        "actor": f"{PEER}/users/alice",
        "object": f"{PEER}/notes/{n}",
    }
    async with db.inbox.write() as conn:
        item_id = await inbox_store.enqueue(
            conn,
            body=json.dumps(activity).encode(),
            activity_uri=activity["id"],
            actor_uri=activity["actor"],
            key_id=f"{PEER}/users/alice#main-key",
        )
        await inbox_store.fail(conn, item_id, error=error)
    return item_id


async def dead_delivery(
    db: Database, actor_id: int, n: int, *, status: int = 410, error: str = "Gone"
) -> int:
    """A Create by `actor_id` to a peer's inbox, refused for good; the delivery's row id."""
    uri = f"https://local.example/posts/{n}/activity"
    async with db.write() as conn:
        activity_id = await outbox_store.enqueue_activity(
            conn,
            uri=uri,
            actor_id=actor_id,
            body=json.dumps({"id": uri, "type": "Create", "object": {"type": "Note"}}),
            inboxes=[f"{PEER}/inbox"],
        )
        await outbox_store.add_deliveries(conn, activity_id, [(f"{PEER}/inbox", "peer.example")])
        delivery_id = (
            await conn.execute(
                select(deliveries.c.id).where(deliveries.c.activity_id == activity_id)
            )
        ).scalar_one()
        await outbox_store.give_up_delivery(conn, delivery_id, status=status, error=error)
    return delivery_id


async def pending_delivery(db: Database, actor_id: int, n: int) -> int:
    """A delivery still being tried (not a failure); its row id."""
    uri = f"https://local.example/posts/{n}/activity"
    async with db.write() as conn:
        activity_id = await outbox_store.enqueue_activity(
            conn, uri=uri, actor_id=actor_id, body=json.dumps({"id": uri, "type": "Create"})
        )
        await outbox_store.add_deliveries(conn, activity_id, [(f"{PEER}/inbox", "peer.example")])
        return (
            await conn.execute(
                select(deliveries.c.id).where(deliveries.c.activity_id == activity_id)
            )
        ).scalar_one()
