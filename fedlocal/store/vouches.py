"""Vouches between our residents ("I know this person"), the newcomer's sign-up
presentation, and the consent to show who vouched (services/vouches.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from .accounts import _account
from .actors import actor_from_prefixed, prefixed_actor_columns
from .tables import accounts, actors, vouches
from .upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class Waiting:
    """A sign-up waiting for vouches, as residents and admins see it."""

    account: Account
    actor: Actor
    presentation: str | None
    vouches: int
    # Whether the resident looking has vouched for them already.
    vouched_by_viewer: bool


async def lock_account(conn: AsyncConnection, account_id: int) -> Account | None:
    """The account, its row held until the transaction ends (PostgreSQL: FOR UPDATE; on
    SQLite the write transaction holds the only lock): counts made for it next cannot
    be raced by another process doing the same."""
    row = (
        await conn.execute(select(accounts).where(accounts.c.id == account_id).with_for_update())
    ).first()
    return _account(row) if row else None


async def lock_account_of_actor(conn: AsyncConnection, actor_id: int) -> Account | None:
    """`lock_account` for the account of an actor (None: a group, a remote actor…)."""
    row = (
        await conn.execute(
            select(accounts).where(accounts.c.actor_id == actor_id).with_for_update()
        )
    ).first()
    return _account(row) if row else None


async def add(conn: AsyncConnection, *, voucher_id: int, vouchee_id: int, now: datetime) -> bool:
    """Record the vouch; False when it was recorded already."""
    inserted = await insert_ignoring_conflicts(
        conn, vouches, {"voucher_id": voucher_id, "vouchee_id": vouchee_id, "created_at": now}
    )
    return inserted == 1


async def remove(conn: AsyncConnection, *, voucher_id: int, vouchee_id: int) -> bool:
    result = await conn.execute(
        delete(vouches).where(
            vouches.c.voucher_id == voucher_id, vouches.c.vouchee_id == vouchee_id
        )
    )
    return result.rowcount == 1


async def exists(conn: AsyncConnection, *, voucher_id: int, vouchee_id: int) -> bool:
    found = await conn.execute(
        select(vouches.c.id).where(
            vouches.c.voucher_id == voucher_id, vouches.c.vouchee_id == vouchee_id
        )
    )
    return found.first() is not None


async def count_active_vouchers(conn: AsyncConnection, vouchee_id: int) -> int:
    """How many residents in good standing (approved, not suspended) vouch for them."""
    count = await conn.execute(
        select(func.count())
        .select_from(vouches.join(accounts, accounts.c.id == vouches.c.voucher_id))
        .where(
            vouches.c.vouchee_id == vouchee_id,
            accounts.c.is_approved.is_(True),
            accounts.c.is_disabled.is_(False),
        )
    )
    return int(count.scalar_one())


async def shown_vouchers(conn: AsyncConnection, vouchee_id: int, *, limit: int = 50) -> list[Actor]:
    """Who vouches for `vouchee_id` and agreed to be named, oldest vouch first (only
    approved, not suspended accounts)."""
    rows = await conn.execute(
        select(*prefixed_actor_columns())
        .select_from(
            vouches.join(accounts, accounts.c.id == vouches.c.voucher_id).join(
                actors, actors.c.id == accounts.c.actor_id
            )
        )
        .where(
            vouches.c.vouchee_id == vouchee_id,
            accounts.c.shows_vouches.is_(True),
            accounts.c.is_approved.is_(True),
            accounts.c.is_disabled.is_(False),
        )
        .order_by(vouches.c.id)
        .limit(limit)
    )
    return [actor_from_prefixed(row) for row in rows]


async def waiting(
    conn: AsyncConnection, viewer_account_id: int | None, *, limit: int = 200
) -> list[Waiting]:
    """Sign-ups waiting for approval (not suspended), newest first, with their vouches."""
    rows = (
        await conn.execute(
            select(accounts, *prefixed_actor_columns())
            .join(actors, actors.c.id == accounts.c.actor_id)
            .where(accounts.c.is_approved.is_(False), accounts.c.is_disabled.is_(False))
            .order_by(accounts.c.id.desc())
            .limit(limit)
        )
    ).all()
    ids = [row.id for row in rows]
    counts = await _counts(conn, ids)
    mine = await _vouched_by(conn, viewer_account_id, ids) if viewer_account_id else set()
    return [
        Waiting(
            account=_account(row),
            actor=actor_from_prefixed(row),
            presentation=row.signup_presentation,
            vouches=counts.get(row.id, 0),
            vouched_by_viewer=row.id in mine,
        )
        for row in rows
    ]


async def _counts(conn: AsyncConnection, vouchee_ids: Sequence[int]) -> dict[int, int]:
    if not vouchee_ids:
        return {}
    rows = await conn.execute(
        select(vouches.c.vouchee_id, func.count())
        .select_from(vouches.join(accounts, accounts.c.id == vouches.c.voucher_id))
        .where(
            vouches.c.vouchee_id.in_(vouchee_ids),
            accounts.c.is_approved.is_(True),
            accounts.c.is_disabled.is_(False),
        )
        .group_by(vouches.c.vouchee_id)
    )
    return {vouchee: int(count) for vouchee, count in rows}


async def _vouched_by(
    conn: AsyncConnection, voucher_id: int, vouchee_ids: Sequence[int]
) -> set[int]:
    if not vouchee_ids:
        return set()
    rows = await conn.execute(
        select(vouches.c.vouchee_id).where(
            vouches.c.voucher_id == voucher_id, vouches.c.vouchee_id.in_(vouchee_ids)
        )
    )
    return {row[0] for row in rows}


async def set_presentation(conn: AsyncConnection, account_id: int, text: str | None) -> None:
    await conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(signup_presentation=text)
    )


async def presentation(conn: AsyncConnection, account_id: int) -> str | None:
    found = await conn.execute(
        select(accounts.c.signup_presentation).where(accounts.c.id == account_id)
    )
    return found.scalar_one_or_none()


async def set_shows_vouches(conn: AsyncConnection, account_id: int, shown: bool) -> None:
    await conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(shows_vouches=shown)
    )


async def shows_vouches(conn: AsyncConnection, account_id: int) -> bool:
    found = await conn.execute(select(accounts.c.shows_vouches).where(accounts.c.id == account_id))
    return bool(found.scalar_one_or_none())
