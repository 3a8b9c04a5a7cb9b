"""Reports: residents' reports and Flags received, and their handling by moderators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Report
from .accounts import accounts_by_actor_ids
from .clock import utcnow
from .tables import accounts, reports


def _report(row: Row[Any]) -> Report:
    return Report(
        id=row.id,
        uri=row.uri,
        reporter_id=row.reporter_id,
        origin_domain=row.origin_domain,
        target_id=row.target_id,
        post_ids=tuple(int(i) for i in row.post_ids or ()),
        category=row.category,
        comment=row.comment,
        forwarded=row.forwarded,
        snapshot=dict(row.snapshot or {}),
        note=row.note,
        assigned_account_id=row.assigned_account_id,
        resolved_at=row.resolved_at,
        resolved_by_id=row.resolved_by_id,
        action=row.action,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def insert_report(
    conn: AsyncConnection,
    *,
    uri: str | None,
    reporter_id: int | None,
    origin_domain: str | None,
    target_id: int,
    post_ids: Sequence[int],
    category: str,
    comment: str,
    forwarded: bool,
    snapshot: dict[str, Any],
) -> Report:
    now = utcnow()
    row = (
        await conn.execute(
            insert(reports)
            .values(
                uri=uri,
                reporter_id=reporter_id,
                origin_domain=origin_domain,
                target_id=target_id,
                post_ids=list(post_ids),
                category=category,
                comment=comment,
                forwarded=forwarded,
                snapshot=snapshot,
                note="",
                created_at=now,
                updated_at=now,
            )
            .returning(*reports.c)
        )
    ).one()
    return _report(row)


async def get_report(conn: AsyncConnection, report_id: int) -> Report | None:
    row = (await conn.execute(select(reports).where(reports.c.id == report_id))).one_or_none()
    return _report(row) if row is not None else None


async def list_reports(
    conn: AsyncConnection,
    *,
    resolved: bool | None = None,
    reporter_id: int | None = None,
    target_id: int | None = None,
    max_id: int | None = None,
    min_id: int | None = None,
    since_id: int | None = None,
    limit: int = 20,
) -> list[Report]:
    """Newest first (paged by id): open ones, resolved ones or both."""
    query = select(reports)
    if resolved is True:
        query = query.where(reports.c.resolved_at.is_not(None))
    elif resolved is False:
        query = query.where(reports.c.resolved_at.is_(None))
    if reporter_id is not None:
        query = query.where(reports.c.reporter_id == reporter_id)
    if target_id is not None:
        query = query.where(reports.c.target_id == target_id)
    if max_id is not None:
        query = query.where(reports.c.id < max_id)
    if since_id is not None:
        query = query.where(reports.c.id > since_id)
    if min_id is not None:
        query = query.where(reports.c.id > min_id)
        rows = list(await conn.execute(query.order_by(reports.c.id).limit(limit)))
        rows.reverse()
    else:
        rows = list(await conn.execute(query.order_by(reports.c.id.desc()).limit(limit)))
    return [_report(row) for row in rows]


async def count_open(conn: AsyncConnection) -> int:
    query = select(func.count()).select_from(reports).where(reports.c.resolved_at.is_(None))
    return int((await conn.execute(query)).scalar_one())


async def update_report(conn: AsyncConnection, report_id: int, **values: Any) -> Report | None:
    """Change a report's handling (note, assignment, resolution); None when there is none."""
    row = (
        await conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .values(**values, updated_at=utcnow())
            .returning(*reports.c)
        )
    ).one_or_none()
    return _report(row) if row is not None else None


async def resolve(
    conn: AsyncConnection, report_id: int, *, by_account_id: int, action: str, at: datetime
) -> Report | None:
    return await update_report(
        conn, report_id, resolved_at=at, resolved_by_id=by_account_id, action=action
    )


async def accounts_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Account]:
    """The staff accounts a page of reports names (assigned, resolved by), by account id."""
    if not ids:
        return {}
    rows = await conn.execute(
        select(accounts.c.id, accounts.c.actor_id).where(accounts.c.id.in_(list(set(ids))))
    )
    by_actor = {row.actor_id: row.id for row in rows}
    found = await accounts_by_actor_ids(conn, list(by_actor))
    return {by_actor[actor_id]: account for actor_id, account in found.items()}
