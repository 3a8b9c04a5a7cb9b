"""Failed logins, counted per address and per login for the login rate limit.

Addresses and logins arrive here already hashed (`services.login` keys the hashes);
this module never sees either in clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import login_attempts

# The first half of PostgreSQL's two-part advisory lock key: this module's locks.
_LOCK_SPACE = 0x6C6F67  # "log"


async def lock(conn: AsyncConnection, keys: Iterable[str]) -> None:
    """Hold, until the transaction ends, the right to count and record attempts for these
    keys: two processes checking the same account at once must not both see room for
    one more guess. PostgreSQL takes advisory locks (in a fixed order, so two holders
    never wait on each other); SQLite's write transaction already holds its only lock."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)
        await conn.execute(select(func.pg_advisory_xact_lock(_LOCK_SPACE, number)))


async def record_failure(
    conn: AsyncConnection, *, address_hash: str, login_hash: str, now: datetime
) -> int:
    """Count one attempt as failed (until `forget` or `clear` says otherwise); its id."""
    found: int = (
        await conn.execute(
            insert(login_attempts)
            .values(address_hash=address_hash, login_hash=login_hash, created_at=now)
            .returning(login_attempts.c.id)
        )
    ).scalar_one()
    return found


async def failures_since(
    conn: AsyncConnection,
    *,
    since: datetime,
    address_hash: str | None = None,
    login_hash: str | None = None,
) -> tuple[int, datetime | None]:
    """How many failures since `since` from this address or for this login, and the
    oldest one's time."""
    query = select(func.count(), func.min(login_attempts.c.created_at)).where(
        login_attempts.c.created_at >= since
    )
    if address_hash is not None:
        query = query.where(login_attempts.c.address_hash == address_hash)
    if login_hash is not None:
        query = query.where(login_attempts.c.login_hash == login_hash)
    count, oldest = (await conn.execute(query)).one()
    # min() keeps the column's type, so this is aware UTC; be sure on every driver.
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


async def forget(conn: AsyncConnection, attempt_id: int) -> None:
    """Uncount one attempt: the password was never checked after all."""
    await conn.execute(delete(login_attempts).where(login_attempts.c.id == attempt_id))


async def clear(conn: AsyncConnection, *, login_hash: str) -> None:
    """A successful login forgets the account's earlier failures."""
    await conn.execute(delete(login_attempts).where(login_attempts.c.login_hash == login_hash))


async def purge(conn: AsyncConnection, *, before: datetime) -> int:
    """Forget the failures older than `before`; how many were forgotten."""
    result = await conn.execute(delete(login_attempts).where(login_attempts.c.created_at < before))
    return result.rowcount or 0
