"""Builds the residents' data downloads queued by services/data_exports.py, one at a
time (`run_once`), with the archive of federation/archive.py."""

from __future__ import annotations

import asyncio
import logging

from ..services import data_exports
from ..store import actors as actor_store
from ..store import residents as account_store
from .archive import write_archive
from .runtime import Federation

log = logging.getLogger(__name__)


class ExportWorker:
    def __init__(self, federation: Federation):
        self.federation = federation

    async def run_once(self) -> int:
        """Build one waiting download; how many (0 or 1)."""
        services = self.federation.services
        export = await data_exports.claim(services)
        if export is None:
            return 0
        async with self.federation.db.read() as conn:
            account = await account_store.get_account(conn, export.account_id)
            actor = await actor_store.get_actor(conn, account.actor_id) if account else None
        if account is None or actor is None:
            await data_exports.finished(services, export, 0, None)
            return 1
        folder = data_exports.exports_dir(services)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        name = data_exports.new_file_name()
        try:
            await data_exports.progress(services, export.id, 20)
            await write_archive(self.federation, account, actor, folder / name)
        except Exception:
            log.exception("data download %s failed", export.id)
            await asyncio.to_thread((folder / name).unlink, missing_ok=True)
            await data_exports.finished(services, export, actor.id, None)
            return 1
        await data_exports.finished(services, export, actor.id, name)
        return 1
