"""`fedlocal db copy`: an instance moved from SQLite to PostgreSQL keeps every row, then
serves from PostgreSQL; a non-empty target is refused and left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from fedlocal.app import create_app
from fedlocal.config import build_config
from fedlocal.operations import OperationFailed
from fedlocal.operations.db_copy import copy_to_postgres
from fedlocal.services import accounts
from fedlocal.store import Database, migrate
from fedlocal.store.tables import inbox_queue, metadata
from tests.support.asgi_server import run_asgi
from tests.support.databases import postgres_schema, postgres_url_or_skip
from tests.support.instance import TEST_SETTINGS, running_instance
from tests.support.live_server import free_socket
from tests.support.processes import run_cli, write_config

from .populated import counts, populate

pytestmark = pytest.mark.postgres


def _comparable(value):
    """A value as both databases give it back (JSON text in SQLite, objects in PostgreSQL;
    naive UTC datetimes in SQLite's raw rows)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


async def postgres_rows(db: Database) -> dict[str, list[tuple]]:
    """Every table's rows, the inbox queue's from its own file on SQLite."""
    found = {}
    for table in metadata.sorted_tables:
        order = list(table.primary_key.columns)
        async with (db.inbox if table is inbox_queue else db).read() as conn:
            found[table.name] = [
                tuple(r) for r in await conn.execute(select(table).order_by(*order))
            ]
    return found


@pytest.fixture
async def populated(tmp_path: Path):
    async with running_instance(tmp_path / "data", run_workers=False) as inst:
        made = await populate(inst)
        config = inst.config
    return config, made


async def test_an_instance_copied_to_postgresql_keeps_every_row_and_serves_from_it(
    tmp_path: Path, populated
) -> None:
    config, made = populated
    url = postgres_url_or_skip()
    source_db = Database(config.database_url)
    try:
        expected = await postgres_rows(source_db)
    finally:
        await source_db.dispose()
    assert counts(expected)["media_attachments"] and counts(expected)["follows"] >= 2
    assert counts(expected)["outgoing_activities"] and counts(expected)["inbox_queue"]

    async with postgres_schema(url) as schema:
        # When the instance is copied
        report = await copy_to_postgres(config, url, schema=schema)
        target = Database(url, schema=schema)
        try:
            # Then every row is there, ids and all
            copied = await postgres_rows(target)
            assert report.rows == counts(expected)
            for table, rows in expected.items():
                assert [tuple(map(_comparable, r)) for r in copied[table]] == [
                    tuple(map(_comparable, r)) for r in rows
                ], table
            served = build_config(
                {
                    "name": config.name,
                    "base_url": config.base_url,
                    "data_dir": str(config.data_dir),
                    "database_url": url,
                    **TEST_SETTINGS,
                    "run_workers": False,
                },
                environ={},
            )
            app = create_app(served, database=target)
            async with (
                run_asgi(app, free_socket()) as base,
                httpx.AsyncClient(base_url=base, trust_env=False) as http,
            ):
                post_id = int(made.post_uris[0].rsplit("/", 1)[-1])
                # And the post's page and the API read from PostgreSQL
                page = await http.get(f"/objects/{post_id}", headers={"Accept": "text/html"})
                assert page.status_code == 200 and "Perceuse" in page.text
                status = await http.get(f"/api/v1/statuses/{post_id}")
                assert status.status_code == 200
                assert status.json()["media_attachments"]
                _, cid = await accounts.create_account(app.state.services, "cid", "a long password")
                # And new rows get new ids (the sequences were moved past the copied ones)
                assert cid.id > max(row[0] for row in expected["actors"])
        finally:
            await target.dispose()


async def test_a_non_empty_target_is_refused_and_left_as_it_was(tmp_path: Path, populated) -> None:
    config, _ = populated
    url = postgres_url_or_skip()
    async with postgres_schema(url) as schema:
        target = Database(url, schema=schema)
        try:
            await migrate(target)
            async with target.write() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO received_activities (uri, received_at) "
                        "VALUES ('https://x.example/1', now())"
                    )
                )
            with pytest.raises(OperationFailed, match="not empty .*received_activities"):
                await copy_to_postgres(config, url, schema=schema)
            async with target.read() as conn:
                assert (await conn.execute(text("SELECT count(*) FROM actors"))).scalar_one() == 0
        finally:
            await target.dispose()


def test_the_cli_refuses_a_url_that_is_not_postgresql(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "nord.toml",
        {"name": "Nord", "base_url": "http://127.0.0.1:9", "data_dir": str(tmp_path / "data")},
    )
    run_cli("migrate", "--config", str(config))
    result = run_cli("db", "copy", "--config", str(config), "--to", "mysql://x/y", expect=1)
    assert result.stderr.strip() == "fedlocal: --to must be a postgresql:// URL"


async def test_the_cli_copies_and_says_how_to_switch_the_config(tmp_path: Path, populated) -> None:
    config, _ = populated
    url = postgres_url_or_skip()
    path = write_config(
        tmp_path / "nord.toml",
        {"name": "Nord", "base_url": config.base_url, "data_dir": str(config.data_dir)},
    )
    async with postgres_schema(url) as schema:
        result = run_cli("db", "copy", "--config", str(path), "--to", url, "--schema", schema)
        assert "copied" in result.stdout and "database_url = " in result.stdout
        again = run_cli(
            "db", "copy", "--config", str(path), "--to", url, "--schema", schema, expect=1
        )
        assert "not empty" in again.stderr and len(again.stderr.strip().splitlines()) == 1


async def test_a_target_from_a_newer_fedlocal_or_a_missing_schema_is_refused(populated) -> None:
    config, _ = populated
    url = postgres_url_or_skip()
    with pytest.raises(OperationFailed, match="no schema fedlocal_nowhere"):
        await copy_to_postgres(config, url, schema="fedlocal_nowhere")
    async with postgres_schema(url) as schema:
        target = Database(url, schema=schema)
        try:
            async with target.write() as conn:
                await conn.execute(text("CREATE TABLE alembic_version (version_num text)"))
                await conn.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
            with pytest.raises(OperationFailed, match="revision 9999"):
                await copy_to_postgres(config, url, schema=schema)
        finally:
            await target.dispose()
