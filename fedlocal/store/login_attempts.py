"""Failed logins, counted per address and per account for the login rate limit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import login_attempts


async def record_failure(conn: AsyncConnection, *, ip: str, login: str, now: datetime) -> None:
    await conn.execute(insert(login_attempts).values(ip=ip[:64], login=login[:320], created_at=now))


async def failures_since(
    conn: AsyncConnection, *, since: datetime, ip: str | None = None, login: str | None = None
) -> tuple[int, datetime | None]:
    """How many failures since `since` from `ip` or for `login`, and the oldest one's time."""
    query = select(func.count(), func.min(login_attempts.c.created_at)).where(
        login_attempts.c.created_at >= since
    )
    if ip is not None:
        query = query.where(login_attempts.c.ip == ip[:64])
    if login is not None:
        query = query.where(login_attempts.c.login == login[:320])
    count, oldest = (await conn.execute(query)).one()
    # min() keeps the column's type, so this is aware UTC; be sure on every driver.
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


async def clear(conn: AsyncConnection, *, login: str) -> None:
    """A successful login forgets the account's earlier failures."""
    await conn.execute(delete(login_attempts).where(login_attempts.c.login == login[:320]))


async def purge(conn: AsyncConnection, *, before: datetime) -> None:
    await conn.execute(delete(login_attempts).where(login_attempts.c.created_at < before))
