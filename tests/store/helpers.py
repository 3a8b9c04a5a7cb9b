"""Small builders shared by the store tests: actors with realistic URLs, and a clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from fedlocal.models import Actor
from fedlocal.store import actors as actor_store
from fedlocal.store.clock import utcnow

LOCAL = "local.example"


async def local_actor(
    conn: AsyncConnection, username: str = "alice", *, role: str = "resident", **fields: Any
) -> Actor:
    base = f"https://{LOCAL}/users/{username.lower()}"
    fields.setdefault("domain", LOCAL)
    fields.setdefault("inbox_url", f"{base}/inbox")
    fields.setdefault("shared_inbox_url", f"https://{LOCAL}/inbox")
    return await actor_store.insert_local_actor(
        conn,
        uri=base,
        role=role,
        type="Group" if role == "community" else "Person",
        username=username,
        **fields,
    )


async def remote_actor(
    conn: AsyncConnection,
    username: str,
    host: str = "remote.example",
    *,
    shared_inbox: str | None = "default",
    **fields: Any,
) -> Actor:
    """A remote Person; `shared_inbox` defaults to the host's `/inbox`, None for none."""
    fields.setdefault("inbox_url", f"https://{host}/users/{username}/inbox")
    if shared_inbox == "default":
        shared_inbox = f"https://{host}/inbox"
    return await actor_store.upsert_remote_actor(
        conn,
        uri=f"https://{host}/users/{username}",
        type="Person",
        username=username,
        domain=host,
        shared_inbox_url=shared_inbox,
        **fields,
    )


def assert_aware_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


def later(seconds: float = 0, **kwargs: float) -> datetime:
    """A moment relative to the real clock, for the `now=` arguments of the queue claims."""
    return utcnow() + timedelta(seconds=seconds, **kwargs)


FIXED = datetime(2031, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


async def all_pages(
    fetch: Callable[[Any], Awaitable[list]], cursor_of: Callable[[Any], Any], max_pages: int = 20
) -> list[list]:
    """Every page from `fetch(cursor)` until an empty one, starting from cursor None.

    Fails instead of looping forever when the cursor does not advance."""
    pages: list[list] = []
    cursor = None
    for _ in range(max_pages):
        page = await fetch(cursor)
        if not page:
            return pages
        pages.append(page)
        cursor = cursor_of(page[-1])
    raise AssertionError(f"still paging after {max_pages} pages: the cursor does not advance")
