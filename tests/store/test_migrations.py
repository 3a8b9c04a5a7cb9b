"""Migrations on fresh, unmigrated databases (the `database` fixture starts from a template)."""

import re
import subprocess
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Text, event, inspect, text

from fedlocal.store import current_revision, head_revision, migrate
from fedlocal.store import received as received_store
from fedlocal.store.migrate import alembic_config
from fedlocal.store.tables import metadata
from tests.support.databases import fresh_database

CHANGES = re.compile(r"^\s*(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database(request, tmp_path):
    async with fresh_database(request.param, tmp_path, migrated=False) as db:
        yield db


def _schema(sync_connection) -> dict:
    inspector = inspect(sync_connection)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
            sorted(
                (u["name"] or "", tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
        )
        for table in sorted(inspector.get_table_names())
    }


def _differences(sync_connection, target: MetaData = metadata) -> list:
    context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
    return compare_metadata(context, target)


async def test_empty_database_has_no_revision(empty_database):
    assert head_revision() is not None
    assert await current_revision(empty_database) is None


async def test_migrate_reaches_head_and_is_a_no_op_the_second_time(empty_database):
    # Given a database migrated once, holding data
    await migrate(empty_database)
    assert await current_revision(empty_database) == head_revision()
    async with empty_database.write() as conn:
        await received_store.mark_received(conn, "https://remote.example/a/1")
    async with empty_database.read() as conn:
        schema_before = await conn.run_sync(_schema)

    # When migrating again, watching every statement sent
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(empty_database.writer.sync_engine, "before_cursor_execute", record)
    try:
        await migrate(empty_database)
    finally:
        event.remove(empty_database.writer.sync_engine, "before_cursor_execute", record)

    # Then nothing was changed
    assert [s for s in statements if CHANGES.match(s)] == []
    assert await current_revision(empty_database) == head_revision()
    async with empty_database.read() as conn:
        assert await conn.run_sync(_schema) == schema_before
        assert await received_store.was_received(conn, "https://remote.example/a/1")


async def test_migrated_schema_matches_the_table_definitions(empty_database):
    # A table change without a migration (or the reverse) shows up here.
    await migrate(empty_database)
    async with empty_database.read() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


async def test_every_table_is_created(empty_database):
    await migrate(empty_database)
    async with empty_database.read() as conn:
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert tables == set(metadata.tables) | {"alembic_version"}


async def test_the_comparison_notices_a_change_without_a_migration(empty_database):
    # Given the tables as defined, plus one column no migration creates
    await migrate(empty_database)
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["follows"].append_column(Column("note", Text))

    # When
    async with empty_database.read() as conn:
        differences = await conn.run_sync(_differences, changed)

    # Then
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "follows", "note")]


async def test_failed_logins_with_plain_addresses_are_dropped(empty_database):
    # Given a database at 0005 holding a failed login with its client address in clear
    async with empty_database.write() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0005"))
        await conn.execute(
            text(
                "INSERT INTO login_attempts (ip, login, created_at) "
                "VALUES ('203.0.113.9', 'ana', CURRENT_TIMESTAMP)"
            )
        )

    # When migrating to the newest revision
    await migrate(empty_database)

    # Then the row is gone, and so is the column that held the address
    async with empty_database.read() as conn:
        rows = (await conn.execute(text("SELECT * FROM login_attempts"))).all()
        columns = await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("login_attempts")}
        )
    assert rows == []
    assert columns == {"id", "address_hash", "login_hash", "created_at"}


async def test_pictures_uploaded_before_background_processing_are_ready(empty_database):
    # Given a database at 0009 holding an upload
    async with empty_database.write() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0009"))
        await conn.execute(
            text(
                "INSERT INTO actors (uri, type, role, username, domain, display_name, summary,"
                " manually_approves_followers, created_at, updated_at) VALUES"
                " ('https://x.test/ana', 'Person', 'resident', 'ana', 'x.test', '', '',"
                " false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO media_attachments (actor_id, purpose, position, file_key,"
                " content_type, width, height, small_key, small_content_type, small_width,"
                " small_height, focus_x, focus_y, created_at) SELECT id, 'attachment', 0,"
                " 'ab/cd.jpg', 'image/jpeg', 8, 8, 'ef/gh.jpg', 'image/jpeg', 4, 4, 0, 0,"
                " CURRENT_TIMESTAMP FROM actors"
            )
        )

    # When migrating to the newest revision
    await migrate(empty_database)

    # Then the upload is ready, with no error
    async with empty_database.read() as conn:
        rows = (await conn.execute(text("SELECT state, error FROM media_attachments"))).all()
    assert [tuple(row) for row in rows] == [("ready", None)]


def test_the_newest_revision_read_from_the_scripts_is_alembics():
    # `fedlocal serve` reads it without loading Alembic; it must agree with Alembic.
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_serving_an_up_to_date_database_does_not_load_alembic(tmp_path):
    # Given a migrated database
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    script = f"""
import asyncio, sys
from fedlocal.store import Database, migrate

async def main():
    db = Database({url!r})
    await migrate(db)
    await db.dispose()

asyncio.run(main())
assert "alembic" in sys.modules
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    # When a new process opens it as `serve` does, Then Alembic stays out of memory
    check = script.replace('assert "alembic" in', 'assert "alembic" not in')
    subprocess.run([sys.executable, "-c", check], check=True)
