"""Pagination by id, as Mastodon does it and as our collections and feeds follow it:
`max_id` (older than), `since_id` (newer than), `min_id` (just newer than), `limit`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .ids import parse_count, query_id

BOUNDS = ("max_id", "since_id", "min_id")


@dataclass(frozen=True)
class PageQuery:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20


def page_query(
    get: Callable[[str], str | None], *, default: int = 20, maximum: int = 40
) -> PageQuery:
    """The paging parameters `get(name)` gives. A bound that is not an id in the store's
    range is a bad request (400); a limit that is not a number is the default, one above
    `maximum` is `maximum` (as Mastodon)."""
    bounds = {name: query_id(get(name), name, minimum=0) for name in BOUNDS}
    raw_limit = get("limit")
    limit = parse_count(raw_limit, minimum=1, maximum=10**9) if raw_limit else None
    return PageQuery(
        max_id=bounds["max_id"],
        since_id=bounds["since_id"],
        min_id=bounds["min_id"],
        limit=default if limit is None else min(limit, maximum),
    )
