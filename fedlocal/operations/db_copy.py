"""`fedlocal db copy`: move an instance from its SQLite file to PostgreSQL.

Generic over the tables in fedlocal/store/tables.py: both databases are migrated to the
same revision, then every table is copied in foreign-key order, in batches, ids included,
from one read snapshot of SQLite into one PostgreSQL transaction (the inbox queue, which
has a file of its own on SQLite, store/inbox_file.py, from a snapshot of that file). The
target must be empty (no row in any of our tables); on any error the transaction is
rolled back and the target stays as it was. Afterwards each id sequence is set past the
largest copied id, so new rows do not collide with copied ones.

The instance should be stopped while it runs: what it writes after the snapshot is not
copied. The config is switched afterwards (`database_url`), which the command prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Integer, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..config import Config
from ..store import Database, current_revision, migrate
from ..store.migrate import known_revisions
from ..store.tables import inbox_queue, metadata
from .archive import sqlite_path
from .errors import OperationFailed

BATCH_ROWS = 1000


@dataclass(frozen=True)
class CopyReport:
    revision: str | None
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


async def copy_to_postgres(
    config: Config,
    target_url: str,
    *,
    schema: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    if sqlite_path(config) is None:
        raise OperationFailed("this instance already uses PostgreSQL: there is nothing to copy")
    if not sqlite_path(config).exists():  # type: ignore[union-attr]
        raise OperationFailed(f"no database at {sqlite_path(config)}: nothing to copy")
    try:
        backend = make_url(target_url).get_backend_name()
    except Exception:  # noqa: BLE001 (any unparsable URL is the same mistake)
        backend = ""
    if backend not in ("postgresql", "postgres"):
        raise OperationFailed("--to must be a postgresql:// URL")
    source = Database(config.database_url)
    try:
        target = Database(target_url, schema=schema)
    except ValueError as exc:
        await source.dispose()
        raise OperationFailed(str(exc)) from None
    try:
        await migrate(source)
        await _prepare_target(target)
        revision = await current_revision(source)
        if await current_revision(target) != revision:
            raise OperationFailed("the two databases are at different revisions after migrating")
        rows = await _copy(source, target, progress)
        return CopyReport(revision, rows)
    except OperationFailed:
        raise
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        raise OperationFailed(
            f"copy to PostgreSQL failed, nothing was kept there: {_first_line(exc)}"
        ) from None
    finally:
        await source.dispose()
        await target.dispose()


async def _prepare_target(target: Database) -> None:
    try:
        if target.schema is not None:
            async with target.read() as conn:
                schemata = await conn.execute(
                    text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"),
                    {"name": target.schema},
                )
                if schemata.first() is None:
                    raise OperationFailed(
                        f"the PostgreSQL database has no schema {target.schema}: create it "
                        f"first (CREATE SCHEMA {target.schema})"
                    )
        revision = await current_revision(target)
        if revision is not None and revision not in known_revisions():
            raise OperationFailed(
                f"the PostgreSQL database is at revision {revision}, which this fedlocal does "
                "not know: it is not an empty database of this version"
            )
        await migrate(target)
    except (DBAPIError, OSError) as exc:
        raise OperationFailed(
            f"cannot prepare the PostgreSQL database: {_first_line(exc)}"
        ) from None
    async with target.read() as conn:
        for table in metadata.sorted_tables:
            found = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            if found:
                raise OperationFailed(
                    f"the PostgreSQL database is not empty (table {table.name} has {found} "
                    "rows): copy into an empty database"
                )


async def _copy(
    source: Database, target: Database, progress: Callable[[str, int], None] | None
) -> dict[str, int]:
    copied: dict[str, int] = {}
    # One snapshot of SQLite (and one of its inbox file), one transaction on PostgreSQL:
    # all or nothing.
    async with (
        source.inbox.read() as inbox_reader,
        source.read() as reader,
        target.write() as writer,
    ):
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns)
            count = 0
            from_file = inbox_reader if table is inbox_queue else reader
            result = await from_file.stream(select(table).order_by(*order))
            async for batch in result.mappings().partitions(BATCH_ROWS):
                await writer.execute(insert(table), [dict(row) for row in batch])
                count += len(batch)
            copied[table.name] = count
            await _reset_sequence(writer, table)
            if progress is not None:
                progress(table.name, count)
    return copied


async def _reset_sequence(conn: AsyncConnection, table) -> None:
    """Set the id sequence of `table` (if it has one) past its largest id."""
    key = list(table.primary_key.columns)
    if len(key) != 1 or not isinstance(key[0].type, Integer) or not key[0].autoincrement:
        return
    column = key[0].name
    sequence = (
        await conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column},
        )
    ).scalar_one()
    if sequence is None:
        return
    largest = (await conn.execute(select(func.max(table.c[column])))).scalar_one()
    await conn.execute(
        text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
        {"sequence": sequence, "value": largest or 1, "called": largest is not None},
    )


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__
