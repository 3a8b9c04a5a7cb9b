"""Domain blocks and allows kept in the database (beside the config's lists)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import domain_allows, domain_blocks


@dataclass(frozen=True)
class DomainBlock:
    id: int
    domain: str
    # silence | suspend
    severity: str
    public_comment: str
    private_comment: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DomainAllow:
    id: int
    domain: str
    created_by: int | None
    created_at: datetime


def _block(row: Row[Any]) -> DomainBlock:
    return DomainBlock(
        id=row.id,
        domain=row.domain,
        severity=row.severity,
        public_comment=row.public_comment,
        private_comment=row.private_comment,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _allow(row: Row[Any]) -> DomainAllow:
    return DomainAllow(row.id, row.domain, row.created_by, row.created_at)


async def list_blocks(conn: AsyncConnection) -> list[DomainBlock]:
    rows = await conn.execute(select(domain_blocks).order_by(domain_blocks.c.domain))
    return [_block(row) for row in rows]


async def page(
    conn: AsyncConnection, *, max_id: int | None, since_id: int | None, limit: int
) -> list[DomainBlock]:
    query = select(domain_blocks).order_by(domain_blocks.c.id.desc()).limit(max(1, limit))
    if max_id is not None:
        query = query.where(domain_blocks.c.id < max_id)
    if since_id is not None:
        query = query.where(domain_blocks.c.id > since_id)
    return [_block(row) for row in await conn.execute(query)]


async def get_block(conn: AsyncConnection, block_id: int) -> DomainBlock | None:
    row = (await conn.execute(select(domain_blocks).where(domain_blocks.c.id == block_id))).first()
    return _block(row) if row else None


async def block_for(conn: AsyncConnection, domain: str) -> DomainBlock | None:
    row = (
        await conn.execute(select(domain_blocks).where(domain_blocks.c.domain == domain))
    ).first()
    return _block(row) if row else None


async def add_block(
    conn: AsyncConnection,
    *,
    domain: str,
    severity: str,
    public_comment: str,
    private_comment: str,
    created_by: int | None,
) -> DomainBlock | None:
    """The new block; None when the domain is already blocked."""
    now = utcnow()
    try:
        async with conn.begin_nested():
            row = (
                await conn.execute(
                    insert(domain_blocks)
                    .values(
                        domain=domain,
                        severity=severity,
                        public_comment=public_comment,
                        private_comment=private_comment,
                        created_by=created_by,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(*domain_blocks.c)
                )
            ).one()
    except IntegrityError:
        return None
    return _block(row)


async def update_block(
    conn: AsyncConnection,
    block_id: int,
    *,
    severity: str,
    public_comment: str,
    private_comment: str,
) -> DomainBlock | None:
    row = (
        await conn.execute(
            update(domain_blocks)
            .where(domain_blocks.c.id == block_id)
            .values(
                severity=severity,
                public_comment=public_comment,
                private_comment=private_comment,
                updated_at=utcnow(),
            )
            .returning(*domain_blocks.c)
        )
    ).first()
    return _block(row) if row else None


async def remove_block(conn: AsyncConnection, block_id: int) -> DomainBlock | None:
    found = await get_block(conn, block_id)
    if found is not None:
        await conn.execute(delete(domain_blocks).where(domain_blocks.c.id == block_id))
    return found


async def list_allows(conn: AsyncConnection) -> list[DomainAllow]:
    rows = await conn.execute(select(domain_allows).order_by(domain_allows.c.domain))
    return [_allow(row) for row in rows]


async def add_allow(
    conn: AsyncConnection, *, domain: str, created_by: int | None
) -> DomainAllow | None:
    """The new allow; None when the domain is already allowed."""
    try:
        async with conn.begin_nested():
            row = (
                await conn.execute(
                    insert(domain_allows)
                    .values(domain=domain, created_by=created_by, created_at=utcnow())
                    .returning(*domain_allows.c)
                )
            ).one()
    except IntegrityError:
        return None
    return _allow(row)


async def remove_allow(conn: AsyncConnection, allow_id: int) -> DomainAllow | None:
    row = (await conn.execute(select(domain_allows).where(domain_allows.c.id == allow_id))).first()
    if row is None:
        return None
    await conn.execute(delete(domain_allows).where(domain_allows.c.id == allow_id))
    return _allow(row)
