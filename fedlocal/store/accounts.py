"""Accounts: the people who log in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account
from .clock import utcnow
from .tables import accounts


def _account(row: Row[Any]) -> Account:
    return Account(
        id=row.id,
        actor_id=row.actor_id,
        username=row.username,
        email=row.email,
        password_hash=row.password_hash,
        is_admin=row.is_admin,
        is_approved=row.is_approved,
        is_disabled=row.is_disabled,
        locale=row.locale,
        created_at=row.created_at,
        is_moderator=row.is_moderator,
    )


async def insert_account(
    conn: AsyncConnection,
    *,
    actor_id: int,
    username: str,
    password_hash: str,
    email: str | None = None,
    is_admin: bool = False,
    is_approved: bool = True,
    locale: str | None = None,
) -> Account:
    row = (
        await conn.execute(
            insert(accounts)
            .values(
                actor_id=actor_id,
                username=username.lower(),
                email=email,
                password_hash=password_hash,
                is_admin=is_admin,
                is_approved=is_approved,
                is_disabled=False,
                is_moderator=False,
                locale=locale,
                created_at=utcnow(),
            )
            .returning(*accounts.c)
        )
    ).one()
    return _account(row)


async def get_account_by_username(conn: AsyncConnection, username: str) -> Account | None:
    row = (
        await conn.execute(select(accounts).where(accounts.c.username == username.lower()))
    ).first()
    return _account(row) if row else None


async def get_account_by_login(conn: AsyncConnection, login: str) -> Account | None:
    """By username or e-mail, as login forms and the OAuth password grant accept either."""
    login = login.strip().lower()
    column = accounts.c.email if "@" in login else accounts.c.username
    row = (await conn.execute(select(accounts).where(func.lower(column) == login))).first()
    return _account(row) if row else None


async def get_account_by_actor(conn: AsyncConnection, actor_id: int) -> Account | None:
    row = (await conn.execute(select(accounts).where(accounts.c.actor_id == actor_id))).first()
    return _account(row) if row else None


async def accounts_by_actor_ids(
    conn: AsyncConnection, actor_ids: Sequence[int]
) -> dict[int, Account]:
    """The accounts behind these actors (residents), by actor id, in one query."""
    if not actor_ids:
        return {}
    rows = await conn.execute(select(accounts).where(accounts.c.actor_id.in_(list(actor_ids))))
    return {row.actor_id: _account(row) for row in rows}


async def set_password_hash(conn: AsyncConnection, account_id: int, password_hash: str) -> None:
    await conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash)
    )


async def count_accounts(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.count()).select_from(accounts))).scalar_one()
