"""Residents' accounts as the web app manages them: profile and language, sign-ups
waiting for approval, the admin's list of users, and the instance's groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor, ProfileField, ShopProfile
from .accounts import _account
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .extras import actor_data, actor_fields
from .tables import accounts, actors


async def update_profile(
    conn: AsyncConnection,
    actor_id: int,
    *,
    display_name: str,
    home_quarter: str | None,
    manually_approves_followers: bool | None = None,
) -> None:
    """One of our residents' display name, home quarter and, when given, whether they
    approve their followers themselves."""
    values: dict[str, Any] = {
        "display_name": display_name,
        "data": await _extras_with(conn, actor_id, home_quarter=home_quarter),
        "updated_at": utcnow(),
    }
    if manually_approves_followers is not None:
        values["manually_approves_followers"] = manually_approves_followers
    await conn.execute(
        update(actors).where(actors.c.id == actor_id, actors.c.role != "remote").values(**values)
    )


async def update_about(
    conn: AsyncConnection,
    actor_id: int,
    *,
    summary: str,
    note_source: str | None,
    fields: tuple[ProfileField, ...],
) -> None:
    """One of our residents' bio (its HTML and the text typed) and profile fields."""
    await conn.execute(
        update(actors)
        .where(actors.c.id == actor_id, actors.c.role != "remote")
        .values(
            summary=summary,
            data=await _extras_with(conn, actor_id, note_source=note_source, fields=fields),
            updated_at=utcnow(),
        )
    )


async def set_pictures(conn: AsyncConnection, actor_id: int, **pictures: str | None) -> None:
    """One of our actors' picture addresses (`icon_url`, `image_url` and our copies'
    fields of `Actor`; None: the default one); the others are kept."""
    await conn.execute(
        update(actors)
        .where(actors.c.id == actor_id, actors.c.role != "remote")
        .values(data=await _extras_with(conn, actor_id, **pictures), updated_at=utcnow())
    )


async def set_shop(conn: AsyncConnection, actor_id: int, shop: ShopProfile | None) -> None:
    """A shop's or a producer's hours, address and wares (None: none); other extras kept."""
    await conn.execute(
        update(actors)
        .where(actors.c.id == actor_id, actors.c.role != "remote")
        .values(data=await _extras_with(conn, actor_id, shop=shop), updated_at=utcnow())
    )


async def set_moving(conn: AsyncConnection, actor_id: int, **changes: Any) -> None:
    """One of our residents' other accounts (`also_known_as`), or their move (`moved_to`,
    `moved_at`); the other extras kept."""
    await conn.execute(
        update(actors)
        .where(actors.c.id == actor_id, actors.c.role == "resident")
        .values(data=await _extras_with(conn, actor_id, **changes), updated_at=utcnow())
    )


async def _extras_with(conn: AsyncConnection, actor_id: int, **changes: Any) -> Any:
    """The actor's extras column with `changes` made and the other extras kept."""
    data = (
        await conn.execute(select(actors.c.data).where(actors.c.id == actor_id))
    ).scalar_one_or_none()
    return actor_data({**actor_fields(data), **changes})


async def set_locale(conn: AsyncConnection, account_id: int, locale: str | None) -> None:
    await conn.execute(update(accounts).where(accounts.c.id == account_id).values(locale=locale))


async def record_login(conn: AsyncConnection, account_id: int, *, now: datetime) -> None:
    await conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(last_login_at=now)
    )


async def get_account(conn: AsyncConnection, account_id: int) -> Account | None:
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
    return _account(row) if row else None


async def list_accounts(
    conn: AsyncConnection, *, approved: bool | None = None, limit: int = 200
) -> list[tuple[Account, Actor]]:
    """Accounts with their actors, newest first; only (un)approved ones when asked."""
    query = (
        select(accounts, *prefixed_actor_columns())
        .join(actors, actors.c.id == accounts.c.actor_id)
        .order_by(accounts.c.id.desc())
        .limit(limit)
    )
    if approved is not None:
        query = query.where(accounts.c.is_approved.is_(approved))
    return [(_account(row), actor_from_prefixed(row)) for row in await conn.execute(query)]


async def approve(conn: AsyncConnection, account_id: int) -> bool:
    result = await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id, accounts.c.is_approved.is_(False))
        .values(is_approved=True)
    )
    return result.rowcount == 1


async def delete_unapproved(conn: AsyncConnection, account_id: int) -> bool:
    """Remove a sign-up that was never approved: its actor (and with it the account and
    keys). Nothing was ever federated for it."""
    actor_id = (
        await conn.execute(
            select(accounts.c.actor_id).where(
                accounts.c.id == account_id, accounts.c.is_approved.is_(False)
            )
        )
    ).scalar_one_or_none()
    if actor_id is None:
        return False
    await conn.execute(delete(accounts).where(accounts.c.id == account_id))
    await conn.execute(delete(actors).where(actors.c.id == actor_id))
    return True


async def set_disabled(conn: AsyncConnection, account_id: int, disabled: bool) -> bool:
    result = await conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(is_disabled=disabled)
    )
    return result.rowcount == 1


async def local_groups(conn: AsyncConnection, *, limit: int = 200) -> list[Actor]:
    """Our association groups, by name."""
    rows = await conn.execute(
        select(*prefixed_actor_columns())
        .where(actors.c.role == "group")
        .order_by(actors.c.display_name, actors.c.id)
        .limit(limit)
    )
    return [actor_from_prefixed(row) for row in rows]
