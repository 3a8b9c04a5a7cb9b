"""INSERT … ON CONFLICT DO NOTHING, spelled for whichever database is connected."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_ignoring_conflicts(
    conn: AsyncConnection, table: Table, rows: list[dict[str, Any]] | dict[str, Any]
) -> int:
    """Insert rows, silently skipping those that violate a unique constraint.

    Returns how many rows were inserted; exact for a single row, a lower bound for a
    list (some drivers report no count for executemany).
    """
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing()
    result = await conn.execute(statement, rows)
    return max(result.rowcount or 0, 0)
