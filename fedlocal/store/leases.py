"""Leasing work from a queue table: the one statement with which the inbox worker claims
activities and the delivery workers claim deliveries.

A queue row is due when it is pending, its `next_attempt_at` has come, and nobody holds it
(`locked_until` empty or past: a worker killed mid-batch gives its rows back that way). A
claim sets `locked_until` on up to `:limit` due rows, in the queue's order, and returns
them; on PostgreSQL `SKIP LOCKED` lets several workers claim side by side, on SQLite the
single writer serialises claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Table,
    Update,
    bindparam,
    select,
    update,
)


def lease_now(table: Table) -> BindParameter[Any]:
    """The claim's `:now` parameter, for the caller's own conditions that compare with it."""
    return bindparam("now", type_=table.c.next_attempt_at.type)


def claim_due(
    table: Table,
    now: BindParameter[Any],
    *conditions: ColumnElement[bool],
    order_by: Sequence[ColumnElement[Any]],
    returning: Sequence[ColumnElement[Any]],
) -> Update:
    """Lease up to `:limit` rows of `table` due at `now` that also meet `conditions`, in
    `order_by`, until `:until`; RETURNING `returning`. Built once, at import."""
    due = (
        select(table.c.id)
        .where(
            table.c.state == "pending",
            table.c.next_attempt_at <= now,
            (table.c.locked_until.is_(None)) | (table.c.locked_until < now),
            *conditions,
        )
        .order_by(*order_by)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(table)
        .where(table.c.id.in_(due))
        .values(locked_until=bindparam("until", type_=table.c.locked_until.type))
        .returning(*returning)
    )
