"""What the web app's feed and landing page list: offers, requests and events around a
point, ours and our neighbours', each with its author (one query for all of them); an
instance without a place on the map lists its recent ones instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from ..models import Actor, Post
from ..store import feeds as feed_store
from ..store import timelines as timeline_store
from . import nearby
from .context import ServiceContext
from .limits import hidden_authors
from .visibility import is_our_resident

# Offers and requests still to be had; closed ones leave the feed.
AVAILABLE = ("open", "reserved")


@dataclass(frozen=True)
class FeedPost:
    post: Post
    author: Actor | None
    # The quarter of our gazetteer it lies in, and how far from the centre.
    quarter: str | None = None
    distance_km: float | None = None


async def feed(
    ctx: ServiceContext,
    viewer: Actor | None,
    *,
    centre: tuple[float, float] | None,
    radius_km: float,
    kinds: Sequence[str],
    categories: Sequence[str] = (),
    max_id: int | None = None,
    limit: int = 20,
) -> list[FeedPost]:
    """Newest first, older than `max_id`; local-only posts for our residents only."""
    hidden = await hidden_authors(ctx, viewer)
    if centre is None:
        return await _recent(ctx, kinds, categories, max_id, limit, hidden)
    found = await nearby.nearby(
        ctx,
        latitude=centre[0],
        longitude=centre[1],
        radius_km=radius_km,
        kinds=kinds,
        categories=categories,
        max_id=max_id,
        limit=limit,
        include_local_only=is_our_resident(viewer),
        hidden=hidden,
    )
    async with ctx.db.read() as conn:
        authors = await timeline_store.actors_by_ids(conn, [item.post.actor_id for item in found])
    return [
        FeedPost(item.post, authors.get(item.post.actor_id), item.quarter, item.distance_km)
        for item in found
    ]


async def _recent(
    ctx: ServiceContext,
    kinds: Sequence[str],
    categories: Sequence[str],
    max_id: int | None,
    limit: int,
    hidden: Select[Any],
) -> list[FeedPost]:
    async with ctx.db.read() as conn:
        items = await feed_store.recent_posts(
            conn,
            kinds=list(kinds),
            category=categories[0] if len(categories) == 1 else None,
            local_only=False,
            max_id=max_id,
            limit=limit,
            hidden_authors=hidden,
        )
    return [
        FeedPost(item.post, item.author)
        for item in items
        if not (item.post.listing and item.post.listing.status not in AVAILABLE)
    ]
