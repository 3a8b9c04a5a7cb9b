"""Invitation codes, for instances that sign up by invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import invite_codes


@dataclass(frozen=True)
class Invite:
    id: int
    code: str
    created_by: int | None
    max_uses: int
    uses: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return (
            self.revoked_at is None
            and self.uses < self.max_uses
            and (self.expires_at is None or self.expires_at > now)
        )


def _invite(row: Row[Any]) -> Invite:
    return Invite(
        id=row.id,
        code=row.code,
        created_by=row.created_by,
        max_uses=row.max_uses,
        uses=row.uses,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


async def insert_invite(
    conn: AsyncConnection,
    *,
    code: str,
    created_by: int | None,
    max_uses: int,
    now: datetime,
    expires_at: datetime | None,
) -> Invite:
    row = (
        await conn.execute(
            insert(invite_codes)
            .values(
                code=code,
                created_by=created_by,
                max_uses=max_uses,
                uses=0,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(*invite_codes.c)
        )
    ).one()
    return _invite(row)


async def list_invites(conn: AsyncConnection, *, limit: int = 50) -> list[Invite]:
    rows = await conn.execute(select(invite_codes).order_by(invite_codes.c.id.desc()).limit(limit))
    return [_invite(row) for row in rows]


async def claim(conn: AsyncConnection, code: str, *, now: datetime) -> bool:
    """Use the code once, if it is still usable; atomic, so two sign-ups racing for the
    last use cannot both win."""
    result = await conn.execute(
        update(invite_codes)
        .where(
            invite_codes.c.code == code,
            invite_codes.c.uses < invite_codes.c.max_uses,
            invite_codes.c.revoked_at.is_(None),
            or_(invite_codes.c.expires_at.is_(None), invite_codes.c.expires_at > now),
        )
        .values(uses=invite_codes.c.uses + 1)
    )
    return result.rowcount == 1


async def revoke(conn: AsyncConnection, invite_id: int, *, now: datetime) -> bool:
    result = await conn.execute(
        update(invite_codes)
        .where(invite_codes.c.id == invite_id, invite_codes.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


async def unclaim(conn: AsyncConnection, code: str) -> None:
    """Give back a use claimed by a sign-up that then failed (the name was taken)."""
    await conn.execute(
        update(invite_codes)
        .where(invite_codes.c.code == code, invite_codes.c.uses > 0)
        .values(uses=invite_codes.c.uses - 1)
    )
