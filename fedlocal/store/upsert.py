"""INSERT … ON CONFLICT DO NOTHING, spelled for whichever database is connected."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT into `table` in the connected database's dialect, which has `ON CONFLICT`
    (`on_conflict_do_nothing`, `on_conflict_do_update`: the same in both dialects).

    Only that dialect is imported: PostgreSQL's would add 2 MiB to every server that runs
    on SQLite (docs/performance.md "Memory at rest").
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def ignoring_conflicts(conn: AsyncConnection, table: Table, *returning: Any) -> Any:
    """`INSERT INTO table … ON CONFLICT DO NOTHING [RETURNING returning]` for the
    connected database, built once per database kind and shape, then taken from memory
    (docs/performance.md, "Statements built once"): the inbox's runs use these for every
    activity."""
    key = (conn.dialect.name, table, tuple(column.key for column in returning))
    statement = _IGNORING.get(key)
    if statement is None:
        statement = dialect_insert(conn, table).on_conflict_do_nothing()
        if returning:
            statement = statement.returning(*returning)
        _IGNORING[key] = statement
    return statement


_IGNORING: dict[tuple[str, Table, tuple[str, ...]], Any] = {}


async def insert_ignoring_conflicts(
    conn: AsyncConnection, table: Table, rows: list[dict[str, Any]] | dict[str, Any]
) -> int:
    """Insert rows, silently skipping those that violate a unique constraint.

    Returns how many rows were inserted; exact for a single row, a lower bound for a
    list (some drivers report no count for executemany).
    """
    if not rows:
        return 0
    result = await conn.execute(ignoring_conflicts(conn, table), rows)
    return max(result.rowcount or 0, 0)
