"""Apply Alembic migrations to the store (`fedlocal migrate`, and at `serve` start).

Alembic (with Mako and the rest it loads) costs about 12 MB of memory for the life of the
process, so it is imported only when there is something to migrate: a database already at
the newest revision is recognised with one query, and the newest revision is read from the
scripts' `revision =` lines (tests/store/test_migrations.py checks that reading agrees with
Alembic's).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from .database import Database, serialise
from .inbox_file import ensure_inbox_file

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(
    r'^(down_revision|revision)\s*(?::[^=]*)?=\s*(None|"[^"]*"|\'[^\']*\')', re.M
)


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config pointing at our migrations, bound to `connection` if given."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def migrate(database: Database) -> None:
    """Bring the schema up to the newest revision. Safe to run repeatedly; a database
    already at the newest revision costs one query (no migration scripts are loaded), and
    on SQLite one more for the inbox queue's file (`inbox_file.py`)."""
    if await current_revision(database) != head_revision():
        from alembic import command

        async with database.write() as connection:
            # Several processes starting at once on one PostgreSQL database: one migrates,
            # the others wait, then find nothing left to do.
            await serialise(connection, "migrate")
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
    await ensure_inbox_file(database)


async def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    async with database.read() as connection:
        try:
            # A savepoint: on PostgreSQL a missing table would abort the transaction.
            async with connection.begin_nested():
                rows = (
                    await connection.execute(text("SELECT version_num FROM alembic_version"))
                ).all()
        except DBAPIError:  # no alembic_version table: nothing migrated yet
            return None
    return rows[0][0] if len(rows) == 1 else None


def known_revisions() -> set[str]:
    """Every revision shipped with this code (a backup from a newer one cannot be read)."""
    found = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            if name == "revision":
                found.add(value.strip("\"'"))
    return found


@functools.cache
def head_revision() -> str | None:
    """The newest revision shipped with this code (read once per process): the one that
    no other script names as its `down_revision`."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(found["revision"].strip("\"'"))
        parent = found.get("down_revision", "None")
        if parent != "None":
            parents.add(parent.strip("\"'"))
    heads = revisions - parents
    if len(heads) > 1:
        raise RuntimeError(f"several migration heads: {sorted(heads)}")
    return heads.pop() if heads else None
