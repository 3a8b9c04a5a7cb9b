"""Leasing work from a queue table: the one statement with which the inbox worker claims
activities and the delivery workers claim deliveries.

A queue row is due when it is pending, its `next_attempt_at` has come, and nobody holds it
(`locked_until` empty or past: a worker killed mid-batch gives its rows back that way). A
claim sets `locked_until` on up to `:limit` due rows, in the queue's order, and returns
them; on PostgreSQL `SKIP LOCKED` lets several workers claim side by side, on SQLite the
single writer serialises claims. A caller that picks among the due rows itself (the
delivery pool, which gives each host no more than its share) reads them with `due_rows`
and leases those it keeps with `lease_rows`, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    select,
    update,
)


def lease_now(table: Table) -> BindParameter[Any]:
    """The claim's `:now` parameter, for the caller's own conditions that compare with it."""
    return bindparam("now", type_=table.c.next_attempt_at.type)


def due_rows(
    table: Table,
    now: BindParameter[Any],
    *conditions: ColumnElement[bool],
    order_by: Sequence[ColumnElement[Any]],
    columns: Sequence[ColumnElement[Any]],
    locked: bool = True,
) -> Select[Any]:
    """Up to `:limit` rows of `table` due at `now` that also meet `conditions`, in
    `order_by`, locked for the caller's transaction (PostgreSQL: others skip them) unless
    `locked` is false (a look from a read-only transaction)."""
    due = (
        select(*columns)
        .where(
            table.c.state == "pending",
            table.c.next_attempt_at <= now,
            (table.c.locked_until.is_(None)) | (table.c.locked_until < now),
            *conditions,
        )
        .order_by(*order_by)
        .limit(bindparam("limit", type_=Integer))
    )
    return due.with_for_update(skip_locked=True) if locked else due


def claim_due(
    table: Table,
    now: BindParameter[Any],
    *conditions: ColumnElement[bool],
    order_by: Sequence[ColumnElement[Any]],
    returning: Sequence[ColumnElement[Any]],
) -> Update:
    """Lease up to `:limit` rows of `table` due at `now` that also meet `conditions`, in
    `order_by`, until `:until`; RETURNING `returning`. Built once, at import."""
    due = due_rows(table, now, *conditions, order_by=order_by, columns=[table.c.id])
    return lease_rows(table, table.c.id.in_(due.scalar_subquery())).returning(*returning)


def lease_rows(table: Table, which: ColumnElement[bool] | None = None) -> Update:
    """Lease the rows `which` selects (by default those whose id is in `:ids`, rows the
    caller picked among `due_rows` in the same transaction) until `:until`."""
    if which is None:
        which = table.c.id.in_(bindparam("ids", expanding=True))
    return (
        update(table)
        .where(which)
        .values(locked_until=bindparam("until", type_=table.c.locked_until.type))
    )
