"""The legal pages admins wrote (one row per edit) and residents' acceptance of the
terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import legal_documents, terms_acceptances
from .upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class StoredDocument:
    id: int
    kind: str
    language: str
    # None: the page is back to its template.
    body: str | None
    edited_by: int | None
    created_at: datetime


async def latest(conn: AsyncConnection, kind: str, language: str) -> StoredDocument | None:
    """The newest edit of this page in this language, if an admin ever edited it."""
    row = (
        await conn.execute(
            select(legal_documents)
            .where(legal_documents.c.kind == kind, legal_documents.c.language == language)
            .order_by(legal_documents.c.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return StoredDocument(row.id, row.kind, row.language, row.body, row.edited_by, row.created_at)


async def count_edits(conn: AsyncConnection, kind: str, language: str) -> int:
    rows = await conn.execute(
        select(legal_documents.c.id).where(
            legal_documents.c.kind == kind, legal_documents.c.language == language
        )
    )
    return len(rows.all())


async def add_edit(
    conn: AsyncConnection,
    *,
    kind: str,
    language: str,
    body: str | None,
    edited_by: int | None,
    now: datetime,
) -> None:
    await conn.execute(
        insert(legal_documents).values(
            kind=kind, language=language, body=body, edited_by=edited_by, created_at=now
        )
    )


async def record_acceptance(
    conn: AsyncConnection, account_id: int, version: str, *, now: datetime
) -> None:
    """Record that the account accepted this version (the first time counts)."""
    await insert_ignoring_conflicts(
        conn,
        terms_acceptances,
        {"account_id": account_id, "version": version, "accepted_at": now},
    )


async def accepted_at(conn: AsyncConnection, account_id: int, version: str) -> datetime | None:
    """When the account accepted this version of the terms, or None."""
    found: datetime | None = (
        await conn.execute(
            select(terms_acceptances.c.accepted_at).where(
                terms_acceptances.c.account_id == account_id,
                terms_acceptances.c.version == version,
            )
        )
    ).scalar_one_or_none()
    return found
