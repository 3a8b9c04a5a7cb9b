"""Test databases: a fresh SQLite file, or a fresh schema in the PostgreSQL test database.

The PostgreSQL database outlives each run, so every test creates its own schema and drops
it afterwards. Under CI the PostgreSQL URL is mandatory: a missing URL fails, never skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import Table
from sqlalchemy.engine import make_url

from fedlocal.store import Database, migrate
from fedlocal.store.tables import inbox_queue

POSTGRES_ENV = "FEDLOCAL_TEST_POSTGRES_URL"


def postgres_url_or_skip() -> str:
    """The PostgreSQL URL for tests; fails under CI when missing, skips locally."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{POSTGRES_ENV} must be set under CI: PostgreSQL tests may not skip")
    pytest.skip(f"set {POSTGRES_ENV} to run the PostgreSQL half of the store tests")


def holding(db: Database, table: Table) -> Database:
    """The database that holds `table`: the inbox queue's own (`db.inbox`, a file of its
    own on SQLite) for `inbox_queue`, the store for every other table."""
    return db.inbox if table is inbox_queue else db


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def postgres_schema(url: str) -> AsyncIterator[str]:
    """Create a uniquely named schema, yield its name, drop it with everything in it."""
    schema = f"fedlocal_test_{uuid.uuid4().hex[:16]}"
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield schema
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


@asynccontextmanager
async def fresh_database(
    kind: str, directory: Path, *, migrated: bool = True
) -> AsyncIterator[Database]:
    """A migrated, empty database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        database = Database(f"sqlite:///{directory / 'store.sqlite3'}")
        try:
            if migrated:
                await migrate(database)
            yield database
        finally:
            await database.dispose()
        return
    url = postgres_url_or_skip()
    async with postgres_schema(url) as schema:
        database = Database(url, schema=schema)
        try:
            if migrated:
                await migrate(database)
            yield database
        finally:
            await database.dispose()
