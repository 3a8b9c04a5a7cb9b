"""The `database` fixture: every store test runs once on SQLite and once on PostgreSQL.

Migrating takes most of a test's time, so each backend is migrated once per session: a
SQLite test gets a copy of a migrated template file, and PostgreSQL tests share one
migrated schema that is emptied before each test. `test_migrations.py` covers the
migrations themselves on fresh databases.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from fedlocal.store import Database, migrate
from fedlocal.store.database import inbox_file_of
from fedlocal.store.tables import metadata
from tests.support.databases import postgres_schema, postgres_url_or_skip


class _BackgroundLoop:
    """An event loop on its own thread for session-wide setup, so pytest-asyncio's
    per-test loops are left alone and async context managers stay on one loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="session")
def background_loop():
    loop = _BackgroundLoop()
    try:
        yield loop
    finally:
        loop.close()


async def _migrate_and_dispose(database: Database) -> None:
    try:
        await migrate(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, background_loop) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "store.sqlite3"
    background_loop.run(_migrate_and_dispose(Database(f"sqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def postgres_template(background_loop):
    """(url, schema) of a migrated schema shared by the session's PostgreSQL tests."""
    url = postgres_url_or_skip()
    context = postgres_schema(url)
    schema = background_loop.run(context.__aenter__())
    try:
        background_loop.run(_migrate_and_dispose(Database(url, schema=schema)))
        yield url, schema
    finally:
        background_loop.run(context.__aexit__(None, None, None))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request, tmp_path):
    """A migrated, empty database; once SQLite, once PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"
        template = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, path)
        # and the inbox queue's file beside it (`Database.inbox`)
        shutil.copyfile(inbox_file_of(str(template)), inbox_file_of(str(path)))
        db = Database(f"sqlite:///{path}")
    else:
        url, schema = request.getfixturevalue("postgres_template")
        db = Database(url, schema=schema)
        async with db.write() as conn:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(delete(table))
    try:
        yield db
    finally:
        await db.dispose()
