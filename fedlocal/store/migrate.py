"""Apply Alembic migrations to the store (`fedlocal migrate`, and at `serve` start)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from .database import Database

if TYPE_CHECKING:
    from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config pointing at our migrations, bound to `connection` if given."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def migrate(database: Database) -> None:
    """Bring the schema up to the newest revision. Safe to run repeatedly; a database
    already at the newest revision costs one query (no migration scripts are loaded)."""
    if await current_revision(database) == head_revision():
        return
    async with database.write() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))


async def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    async with database.read() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


@functools.cache
def head_revision() -> str | None:
    """The newest revision shipped with this code (read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
