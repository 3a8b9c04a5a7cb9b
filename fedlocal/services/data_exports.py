"""A resident's data download, built in the background.

The settings page asks for one (`request_export`: a request while one waits or is being
built is the same job); the export worker (federation/export_worker.py) builds the zip
under `data_dir/exports`, showing its progress, and notifies the resident
(`export_ready`) when it is ready; only its owner downloads it (`download`); the
maintenance worker removes it `EXPORT_DAYS` days later (`remove_expired`)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from ..models import Account
from ..store import data_exports as export_store
from ..store import notifications as notification_store
from ..store.clock import utcnow
from ..store.data_exports import DataExport
from .context import ServiceContext
from .errors import NotFound

EXPORT_DAYS = 7
# A build still "running" after this was cut short (the process stopped): built again.
STALE_AFTER = timedelta(hours=1)


def exports_dir(ctx: ServiceContext) -> Path:
    return ctx.config.data_dir / "exports"


async def request_export(ctx: ServiceContext, account: Account) -> DataExport:
    """Queue the account's data download (or return the one already waiting)."""
    async with ctx.db.write() as conn:
        found, replaced = await export_store.request(conn, account.id)
    if replaced:
        await remove_file(ctx, replaced)
    return found


async def current(ctx: ServiceContext, account: Account) -> DataExport | None:
    async with ctx.db.read() as conn:
        return await export_store.of_account(conn, account.id)


async def download(ctx: ServiceContext, account: Account, export_id: int) -> Path:
    """The zip of the account's ready download `export_id`; NotFound for anyone else's,
    one not ready or one removed."""
    found = await current(ctx, account)
    if found is None or found.id != export_id or found.state != "ready" or not found.file_name:
        raise NotFound("no such download")
    path = exports_dir(ctx) / found.file_name
    if not await asyncio.to_thread(path.is_file):
        raise NotFound("no such download")
    return path


# The export worker's steps


async def claim(ctx: ServiceContext) -> DataExport | None:
    """The next download to build: a waiting one, or one whose building stopped with its
    process (started more than `STALE_AFTER` ago)."""
    async with ctx.db.write() as conn:
        return await export_store.claim_next(conn, stale_before=utcnow() - STALE_AFTER)


async def progress(ctx: ServiceContext, export_id: int, percent: int) -> None:
    async with ctx.db.write() as conn:
        await export_store.set_progress(conn, export_id, percent)


def new_file_name() -> str:
    return f"{secrets.token_hex(16)}.zip"


async def finished(
    ctx: ServiceContext, export: DataExport, actor_id: int, file_name: str | None
) -> None:
    """Ready (and the resident notified) or failed."""
    expires = utcnow() + timedelta(days=EXPORT_DAYS) if file_name else None
    async with ctx.db.write() as conn:
        await export_store.finish(conn, export.id, file_name=file_name, expires_at=expires)
        if file_name:
            await notification_store.add(
                conn, recipient_id=actor_id, type="export_ready", actor_id=actor_id
            )


async def remove_expired(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Remove the downloads past their days (row and file); how many."""
    async with ctx.db.write() as conn:
        due = await export_store.expired(conn, now or utcnow())
        for export in due:
            await export_store.remove(conn, export.id)
    for export in due:
        if export.file_name:
            await remove_file(ctx, export.file_name)
    return len(due)


async def remove_file(ctx: ServiceContext, file_name: str) -> None:
    await asyncio.to_thread((exports_dir(ctx) / file_name).unlink, missing_ok=True)
