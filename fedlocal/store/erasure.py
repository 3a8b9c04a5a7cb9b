"""Erasing one of our accounts (services/account_deletion.py): every row that belongs to
it, found through the schema's foreign keys so a table added later is covered too.

Kept: the actor row itself (its URI answers 410 and its key signs the Delete that tells
other servers), its keys, the activities still to deliver, the audit log, and what
moderators hold about it (reports about it with their snapshot, warnings, moderation
state)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import accounts, actors, follows, metadata

# (table, column) pairs pointing at the actor or account that are kept on purpose.
_KEPT = {
    ("actors", "id"),
    ("actor_keys", "actor_id"),
    ("outgoing_activities", "actor_id"),
    ("outgoing_activities", "followers_of"),
    ("reports", "target_id"),
    ("actor_moderation", "actor_id"),
    ("account_warnings", "actor_id"),
    ("audit_log", "account_id"),
}


def _columns_to(table_name: str) -> list[Column[Any]]:
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table.name == table_name and (table.name, column.name) not in _KEPT:
                    found.append(column)
    return found


async def claim_actor(conn: AsyncConnection, actor_id: int) -> bool:
    """Mark the actor gone and wipe its profile; False when another deletion got there
    first (the one that wins is the one whose update finds it still here)."""
    result = await conn.execute(
        update(actors)
        .where(actors.c.id == actor_id, actors.c.gone_at.is_(None))
        .values(gone_at=utcnow(), display_name="", summary="", data=None, updated_at=utcnow())
    )
    return (result.rowcount or 0) == 1


async def remote_inboxes(conn: AsyncConnection, actor_id: int) -> list[str]:
    """Where an account deletion goes: the inboxes of its remote followers and the shared
    inbox of every server we know (Mastodon sends to every inbox it knows)."""
    follower_rows = await conn.execute(
        select(actors.c.shared_inbox_url, actors.c.inbox_url)
        .join(follows, follows.c.follower_id == actors.c.id)
        .where(follows.c.followed_id == actor_id, actors.c.local_username.is_(None))
    )
    known_rows = await conn.execute(
        select(actors.c.shared_inbox_url)
        .where(
            actors.c.local_username.is_(None),
            actors.c.shared_inbox_url.is_not(None),
            actors.c.gone_at.is_(None),
        )
        .distinct()
    )
    inboxes = [shared or inbox for shared, inbox in follower_rows]
    inboxes += [shared for (shared,) in known_rows]
    return [inbox for inbox in dict.fromkeys(inboxes) if inbox]


async def erase_account_rows(conn: AsyncConnection, actor_id: int, account_id: int | None) -> None:
    """Delete every row of the actor and of its account, then the account itself."""
    for column in _columns_to("actors"):
        await conn.execute(delete(column.table).where(column == actor_id))
    if account_id is not None:
        for column in _columns_to("accounts"):
            if column.nullable and _set_null(column):
                await conn.execute(
                    update(column.table).where(column == account_id).values({column.name: None})
                )
            else:
                await conn.execute(delete(column.table).where(column == account_id))
        await conn.execute(delete(accounts).where(accounts.c.id == account_id))


def _set_null(column: Column[Any]) -> bool:
    return any(fk.ondelete == "SET NULL" for fk in column.foreign_keys)
