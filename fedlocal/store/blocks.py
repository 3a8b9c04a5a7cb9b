"""Blocks, mutes and a resident's domain blocks: kept, listed, and the one question every
read path asks — whose posts and notifications a reader must not be shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Block, Mute
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .hidden import active_mute, domain_blocked_actors, hidden_actors
from .tables import account_blocks, account_domain_blocks, account_mutes, actors, notifications
from .timelines import Page, apply_page


def _block(row: Row[Any]) -> Block:
    return Block(
        id=row.id,
        account_id=row.account_id,
        target_id=row.target_id,
        uri=row.uri,
        created_at=row.created_at,
    )


def _mute(row: Row[Any]) -> Mute:
    return Mute(
        id=row.id,
        account_id=row.account_id,
        target_id=row.target_id,
        notifications=row.notifications,
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


# Blocks


async def get_block(conn: AsyncConnection, account_id: int, target_id: int) -> Block | None:
    row = (
        await conn.execute(
            select(account_blocks).where(
                account_blocks.c.account_id == account_id, account_blocks.c.target_id == target_id
            )
        )
    ).first()
    return _block(row) if row else None


async def get_block_by_uri(conn: AsyncConnection, uri: str) -> Block | None:
    row = (await conn.execute(select(account_blocks).where(account_blocks.c.uri == uri))).first()
    return _block(row) if row else None


async def add_block(conn: AsyncConnection, account_id: int, target_id: int, uri: str) -> Block:
    """Record the block (the one already there stays as it is)."""
    existing = await get_block(conn, account_id, target_id)
    if existing is not None:
        return existing
    # A Block id reused for another pair would break uniqueness: the newer one wins.
    await conn.execute(delete(account_blocks).where(account_blocks.c.uri == uri))
    row = (
        await conn.execute(
            insert(account_blocks)
            .values(account_id=account_id, target_id=target_id, uri=uri, created_at=utcnow())
            .returning(*account_blocks.c)
        )
    ).one()
    return _block(row)


async def delete_block(conn: AsyncConnection, block_id: int) -> None:
    await conn.execute(delete(account_blocks).where(account_blocks.c.id == block_id))


async def blocks_page(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[int, Actor]]:
    """(block id, blocked actor) of `account_id`'s blocks, newest first, paged by id."""
    query = (
        select(account_blocks.c.id.label("row_id"), *prefixed_actor_columns())
        .join(actors, actors.c.id == account_blocks.c.target_id)
        .where(account_blocks.c.account_id == account_id)
    )
    rows = list(await conn.execute(apply_page(query, account_blocks.c.id, page)))
    if page.min_id is not None:
        rows.reverse()
    return [(row.row_id, actor_from_prefixed(row)) for row in rows]


# Mutes


async def get_mute(conn: AsyncConnection, account_id: int, target_id: int) -> Mute | None:
    """The mute in force (an expired one is as good as gone)."""
    row = (
        await conn.execute(
            select(account_mutes).where(
                account_mutes.c.account_id == account_id,
                account_mutes.c.target_id == target_id,
                active_mute(),
            )
        )
    ).first()
    return _mute(row) if row else None


async def set_mute(
    conn: AsyncConnection,
    account_id: int,
    target_id: int,
    *,
    notifications: bool,
    expires_at: Any,
) -> Mute:
    """Mute, or change a mute's terms (Mastodon's mute of a muted account does)."""
    await delete_mute(conn, account_id, target_id)
    row = (
        await conn.execute(
            insert(account_mutes)
            .values(
                account_id=account_id,
                target_id=target_id,
                notifications=notifications,
                expires_at=expires_at,
                created_at=utcnow(),
            )
            .returning(*account_mutes.c)
        )
    ).one()
    return _mute(row)


async def delete_mute(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    done = await conn.execute(
        delete(account_mutes).where(
            account_mutes.c.account_id == account_id, account_mutes.c.target_id == target_id
        )
    )
    return bool(done.rowcount)


async def mutes_page(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[Mute, Actor]]:
    """(mute, muted actor) of `account_id`'s mutes in force, newest first, paged by id."""
    query = (
        select(account_mutes, *prefixed_actor_columns())
        .join(actors, actors.c.id == account_mutes.c.target_id)
        .where(account_mutes.c.account_id == account_id, active_mute())
    )
    rows = list(await conn.execute(apply_page(query, account_mutes.c.id, page)))
    if page.min_id is not None:
        rows.reverse()
    return [(_mute(row), actor_from_prefixed(row)) for row in rows]


# A resident's domain blocks


async def add_domain_block(conn: AsyncConnection, account_id: int, domain: str) -> bool:
    """Record it; False when it was there already."""
    found = await conn.execute(
        select(account_domain_blocks.c.id).where(
            account_domain_blocks.c.account_id == account_id,
            account_domain_blocks.c.domain == domain,
        )
    )
    if found.first() is not None:
        return False
    await conn.execute(
        insert(account_domain_blocks).values(
            account_id=account_id, domain=domain, created_at=utcnow()
        )
    )
    return True


async def delete_domain_block(conn: AsyncConnection, account_id: int, domain: str) -> None:
    await conn.execute(
        delete(account_domain_blocks).where(
            account_domain_blocks.c.account_id == account_id,
            account_domain_blocks.c.domain == domain,
        )
    )


async def domain_blocks_page(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[int, str]]:
    """(row id, domain) of `account_id`'s domain blocks, newest first, paged by id."""
    query = select(account_domain_blocks.c.id, account_domain_blocks.c.domain).where(
        account_domain_blocks.c.account_id == account_id
    )
    rows = list(await conn.execute(apply_page(query, account_domain_blocks.c.id, page)))
    if page.min_id is not None:
        rows.reverse()
    return [(row.id, row.domain) for row in rows]


# What a reader is not shown


async def delete_notifications_from(
    conn: AsyncConnection, recipient_id: int, actor_id: int
) -> None:
    """What `actor_id` made `recipient_id` hear of (a block clears it, as Mastodon does)."""
    await conn.execute(
        delete(notifications).where(
            notifications.c.recipient_id == recipient_id, notifications.c.actor_id == actor_id
        )
    )


async def hidden_among(
    conn: AsyncConnection,
    viewer_id: int,
    actor_ids: Sequence[int],
    *,
    notifications: bool = False,
) -> set[int]:
    """Which of `actor_ids` are `hidden_actors` of `viewer_id` (one query)."""
    ids = list(set(actor_ids))
    if not ids:
        return set()
    hidden = hidden_actors(viewer_id, notifications=notifications).subquery()
    column = hidden.c[0]
    rows = await conn.execute(select(column).where(column.in_(ids)))
    return {row[0] for row in rows}


async def blockers_among(
    conn: AsyncConnection, target_id: int, actor_ids: Sequence[int]
) -> set[int]:
    """Which of `actor_ids` block `target_id`."""
    ids = list(set(actor_ids))
    if not ids:
        return set()
    rows = await conn.execute(
        select(account_blocks.c.account_id).where(
            account_blocks.c.target_id == target_id, account_blocks.c.account_id.in_(ids)
        )
    )
    return {row[0] for row in rows}


async def blocked_either_way(conn: AsyncConnection, one_id: int, other_id: int) -> bool:
    row = await conn.execute(_EITHER_WAY, {"one": one_id, "other": other_id})
    return row.first() is not None


# Built once (docs/performance.md, "Statements built once"): asked of every direct
# message received.
_EITHER_WAY = (
    select(account_blocks.c.id)
    .where(
        or_(
            and_(
                account_blocks.c.account_id == bindparam("one"),
                account_blocks.c.target_id == bindparam("other"),
            ),
            and_(
                account_blocks.c.account_id == bindparam("other"),
                account_blocks.c.target_id == bindparam("one"),
            ),
        )
    )
    .limit(1)
)


@dataclass(frozen=True)
class Relations:
    """What the viewer's relationship with some accounts says of blocks and mutes."""

    blocking: frozenset[int]
    blocked_by: frozenset[int]
    muting: dict[int, bool]  # muted id -> whether their notifications are muted too
    domain_blocking: frozenset[int]


async def relations(conn: AsyncConnection, viewer_id: int, actor_ids: Sequence[int]) -> Relations:
    ids = list(set(actor_ids))
    if not ids:
        return Relations(frozenset(), frozenset(), {}, frozenset())
    blocking = await conn.execute(
        select(account_blocks.c.target_id).where(
            account_blocks.c.account_id == viewer_id, account_blocks.c.target_id.in_(ids)
        )
    )
    muting = await conn.execute(
        select(account_mutes.c.target_id, account_mutes.c.notifications).where(
            account_mutes.c.account_id == viewer_id,
            account_mutes.c.target_id.in_(ids),
            active_mute(),
        )
    )
    domains = await conn.execute(
        select(actors.c.id).where(
            actors.c.id.in_(ids), actors.c.id.in_(domain_blocked_actors(viewer_id))
        )
    )
    return Relations(
        blocking=frozenset(row[0] for row in blocking),
        blocked_by=frozenset(await blockers_among(conn, viewer_id, ids)),
        muting={row[0]: row[1] for row in muting},
        domain_blocking=frozenset(row[0] for row in domains),
    )
