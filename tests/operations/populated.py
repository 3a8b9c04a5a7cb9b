"""An instance with something of everything an operator must not lose: residents, posts
with pictures, a local and a remote follow, deliveries waiting for a remote inbox, an
activity waiting in the inbox queue; and ways to read all of it back, table by table."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedlocal.services import accounts, follows, media, posts
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import inbox_queue as inbox_store
from fedlocal.store.database import inbox_file_of
from fedlocal.store.tables import inbox_queue, metadata
from tests.media.pictures import picture

REMOTE = "https://ailleurs.example/users/rob"


@dataclass
class Populated:
    post_uris: list[str]
    media_keys: list[str]


async def populate(inst) -> Populated:
    ctx = inst.services
    _, ana = await accounts.create_account(ctx, "ana", "a long password", admin=True)
    _, bea = await accounts.create_account(ctx, "bea", "a long password")
    await follows.follow(ctx, bea, ana.handle)
    async with ctx.db.write() as conn:
        rob = await actor_store.upsert_remote_actor(
            conn,
            uri=REMOTE,
            type="Person",
            username="rob",
            domain="ailleurs.example",
            inbox_url=f"{REMOTE}/inbox",
        )
        await follow_store.upsert_follow(
            conn, follower_id=rob.id, followed_id=ana.id, uri=f"{REMOTE}#follow", state="accepted"
        )
    async with ctx.db.inbox.write() as conn:
        await inbox_store.enqueue(
            conn,
            body=b'{"type": "Like"}',
            activity_uri=f"{REMOTE}#like",
            actor_uri=REMOTE,
            key_id=f"{REMOTE}#main-key",
        )
    photo = await media.upload(ctx, ana, picture((320, 240)), description="Une perceuse")
    uris = [
        (
            await posts.publish_note(ctx, ana, "Perceuse à prêter #bricolage", media_ids=[photo.id])
        ).uri,
        (await posts.publish_note(ctx, bea, "Qui a une échelle ?")).uri,
    ]
    return Populated(uris, [photo.file_key, photo.small_key])


def _select_all(table) -> str:
    order = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
    return f'SELECT * FROM "{table.name}" ORDER BY {order}'  # noqa: S608 (our own names)


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in primary-key order (read straight from the file); the inbox
    queue's from its own file (store/inbox_file.py) and without their ids, which a backup
    and a restore renumber."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = {
            table.name: connection.execute(_select_all(table)).fetchall()
            for table in metadata.sorted_tables
            if table is not inbox_queue
        }
    finally:
        connection.close()
    queue = Path(inbox_file_of(str(path)))
    connection = sqlite3.connect(f"file:{queue}?mode=ro", uri=True)
    try:
        rows[inbox_queue.name] = [row[1:] for row in connection.execute(_select_all(inbox_queue))]
    finally:
        connection.close()
    return rows


def files_under(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def counts(rows: Mapping[str, list[Any]]) -> dict[str, int]:
    return {name: len(found) for name, found in rows.items()}
