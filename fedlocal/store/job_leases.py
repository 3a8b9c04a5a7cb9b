"""Leases on periodic jobs, so that every process on the database may run the timer but
one round runs at a time (and one per interval): a row per job, taken by a conditional
UPDATE. A process killed during its round holds the lease until `locked_until`; then
another process takes the job over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import job_leases
from .upsert import insert_ignoring_conflicts


async def take(
    conn: AsyncConnection,
    name: str,
    *,
    holder: str,
    now: datetime,
    lease: timedelta,
    every: timedelta,
) -> bool:
    """Take job `name` for `holder` until `now + lease`, if nobody holds it and its last
    round began at least `every` ago. True when taken.

    One UPDATE with the conditions in its WHERE: on PostgreSQL a second process updating
    the row at the same moment waits for the first, then finds the conditions false."""
    await insert_ignoring_conflicts(conn, job_leases, {"name": name})
    result = await conn.execute(
        update(job_leases)
        .where(
            job_leases.c.name == name,
            or_(job_leases.c.locked_until.is_(None), job_leases.c.locked_until < now),
            or_(job_leases.c.last_run_at.is_(None), job_leases.c.last_run_at <= now - every),
        )
        .values(holder=holder, locked_until=now + lease)
    )
    return result.rowcount == 1


async def release(conn: AsyncConnection, name: str, *, holder: str, began_at: datetime) -> None:
    """End `holder`'s round of job `name`, begun at `began_at` (nothing if the lease was
    lost to another process meanwhile)."""
    await conn.execute(
        update(job_leases)
        .where(job_leases.c.name == name, job_leases.c.holder == holder)
        .values(locked_until=None, last_run_at=began_at)
    )
