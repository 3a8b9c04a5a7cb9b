"""Residents' data downloads waiting, being built, ready or failed (one row per account)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import data_exports

WORKING = ("pending", "running")


@dataclass(frozen=True)
class DataExport:
    id: int
    account_id: int
    state: str
    progress: int
    file_name: str | None
    requested_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None


def _export(row: Any) -> DataExport:
    return DataExport(
        id=row.id,
        account_id=row.account_id,
        state=row.state,
        progress=row.progress,
        file_name=row.file_name,
        requested_at=row.requested_at,
        finished_at=row.finished_at,
        expires_at=row.expires_at,
    )


async def of_account(conn: AsyncConnection, account_id: int) -> DataExport | None:
    row = (
        await conn.execute(select(data_exports).where(data_exports.c.account_id == account_id))
    ).first()
    return _export(row) if row else None


async def request(conn: AsyncConnection, account_id: int) -> tuple[DataExport, str | None]:
    """Queue a download for the account: the waiting one when there is one already (one
    job), else a fresh one replacing the previous; with the previous file's name, to
    remove once committed."""
    now = utcnow()
    found = await of_account(conn, account_id)
    if found is None:
        try:
            async with conn.begin_nested():
                await conn.execute(
                    insert(data_exports).values(
                        account_id=account_id, state="pending", progress=0, requested_at=now
                    )
                )
        except IntegrityError:
            pass  # requested at the same moment: that request is the job
        found = await of_account(conn, account_id)
        assert found is not None
        return found, None
    if found.state in WORKING:
        return found, None
    row = (
        await conn.execute(
            update(data_exports)
            .where(data_exports.c.id == found.id, data_exports.c.state.not_in(WORKING))
            .values(
                state="pending",
                progress=0,
                file_name=None,
                requested_at=now,
                started_at=None,
                finished_at=None,
                expires_at=None,
            )
            .returning(*data_exports.c)
        )
    ).first()
    return (_export(row) if row else found), found.file_name


async def claim_next(conn: AsyncConnection, *, stale_before: datetime) -> DataExport | None:
    """Take the oldest waiting download for building, or one whose building started
    before `stale_before` and never ended (its process stopped)."""
    waiting = or_(
        data_exports.c.state == "pending",
        and_(data_exports.c.state == "running", data_exports.c.started_at < stale_before),
    )
    row = (
        await conn.execute(select(data_exports).where(waiting).order_by(data_exports.c.id).limit(1))
    ).first()
    if row is None:
        return None
    claimed = await conn.execute(
        update(data_exports)
        .where(data_exports.c.id == row.id, waiting)
        .values(state="running", progress=5, started_at=utcnow())
    )
    return _export(row) if claimed.rowcount == 1 else None


async def set_progress(conn: AsyncConnection, export_id: int, progress: int) -> None:
    await conn.execute(
        update(data_exports).where(data_exports.c.id == export_id).values(progress=progress)
    )


async def finish(
    conn: AsyncConnection, export_id: int, *, file_name: str | None, expires_at: datetime | None
) -> None:
    """Ready with its file, or failed (no file)."""
    await conn.execute(
        update(data_exports)
        .where(data_exports.c.id == export_id)
        .values(
            state="ready" if file_name else "failed",
            progress=100 if file_name else 0,
            file_name=file_name,
            finished_at=utcnow(),
            expires_at=expires_at,
        )
    )


async def expired(conn: AsyncConnection, now: datetime) -> list[DataExport]:
    rows = await conn.execute(
        select(data_exports).where(
            data_exports.c.state == "ready", data_exports.c.expires_at <= now
        )
    )
    return [_export(row) for row in rows]


async def remove(conn: AsyncConnection, export_id: int) -> None:
    await conn.execute(delete(data_exports).where(data_exports.c.id == export_id))
