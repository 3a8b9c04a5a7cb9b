"""Opening an instance from the command line: config, migrated database, federation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ..config import load_config
from ..federation.runtime import Federation, start_federation
from ..models import Actor
from ..services.errors import NotFound
from ..store import Database, migrate
from ..store import actors as actor_store


@contextlib.asynccontextmanager
async def open_instance(
    config_path: str, *, beside_other_processes: bool = False
) -> AsyncIterator[Federation]:
    """The instance of `config_path`, migrated, its federation started (see
    `start_federation` for `beside_other_processes`)."""
    config = load_config(config_path)
    db = Database(config.database_url, schema=config.database_schema or None)
    try:
        await migrate(db)
        federation = await start_federation(
            config, db, beside_other_processes=beside_other_processes
        )
        try:
            yield federation
        finally:
            await federation.close()
    finally:
        await db.dispose()


async def resident(federation: Federation, name: str) -> Actor:
    async with federation.db.read() as conn:
        actor = await actor_store.get_local_actor(conn, name)
    if actor is None or actor.role != "resident":
        raise NotFound(f"no local account named '{name}'")
    return actor
