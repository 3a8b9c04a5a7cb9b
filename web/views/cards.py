"""Posts as the feeds show them: a card with its title, where it is (the quarter, and the
neighbouring instance it comes from) and how far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from fedlocal.models import Actor, Post
from fedlocal.services import nearby as nearby_service
from fedlocal.services.views import is_our_resident
from fedlocal.store import actors as actor_store
from fedlocal.store import feeds as feed_store
from fedlocal.store.clock import utcnow

from ..page import Page
from ..post_text import title_of


@dataclass(frozen=True)
class Card:
    post: Post
    author: Actor | None
    title: str
    place: str | None
    neighbour: str | None
    distance_km: float | None


async def _authors(page: Page, posts: Sequence[Post]) -> dict[int, Actor]:
    found: dict[int, Actor] = {}
    async with page.web.db.read() as conn:
        for actor_id in {post.actor_id for post in posts}:
            actor = await actor_store.get_actor(conn, actor_id)
            if actor is not None:
                found[actor_id] = actor
    return found


def _card(post: Post, author: Actor | None, quarter: str | None, km: float | None) -> Card:
    # The place a post names was named by its own instance's gazetteer, which knows its
    # quarters better than ours (a neighbour's post may lie nearer one of our quarters).
    place = (post.place.name if post.place else None) or quarter
    neighbour = author.domain if author is not None and not author.is_local else None
    return Card(post, author, title_of(post) or "—", place, neighbour, km)


@dataclass(frozen=True)
class CardPage:
    cards: list[Card]
    # Where the next (older) page starts, when there may be one.
    next_max_id: int | None


async def nearby_cards(
    page: Page,
    *,
    centre: tuple[float, float] | None,
    radius_km: float,
    kinds: Sequence[str],
    categories: Sequence[str] = (),
    max_id: int | None = None,
    limit: int = 20,
) -> CardPage:
    """Offers, requests and events around `centre`, local and from neighbours, newest
    first; local-only posts for our residents only. An instance without a place on the
    map lists its recent posts instead."""
    found = await _nearby(page, centre, radius_km, kinds, categories, max_id, limit)
    next_max_id = found[-1].post.id if len(found) == limit else None
    return CardPage(found, next_max_id)


async def _nearby(
    page: Page,
    centre: tuple[float, float] | None,
    radius_km: float,
    kinds: Sequence[str],
    categories: Sequence[str],
    max_id: int | None,
    limit: int,
) -> list[Card]:
    if centre is None:
        async with page.web.db.read() as conn:
            items = await feed_store.recent_posts(
                conn,
                kinds=list(kinds),
                category=categories[0] if len(categories) == 1 else None,
                local_only=False,
                max_id=max_id,
                limit=limit,
            )
        posts = [
            item.post
            for item in items
            if not (item.post.listing and item.post.listing.status not in ("open", "reserved"))
        ]
        authors = {item.post.actor_id: item.author for item in items}
        return [_card(post, authors.get(post.actor_id), None, None) for post in posts]
    found = await nearby_service.nearby(
        page.services,
        latitude=centre[0],
        longitude=centre[1],
        radius_km=radius_km,
        kinds=kinds,
        categories=categories,
        max_id=max_id,
        limit=limit,
        include_local_only=is_our_resident(page.me),
    )
    authors = await _authors(page, [item.post for item in found])
    return [
        _card(item.post, authors.get(item.post.actor_id), item.quarter, item.distance_km)
        for item in found
    ]


# An event that started this long ago is still "happening".
STILL_HAPPENING = timedelta(hours=3)


def upcoming(cards: list[Card], limit: int) -> list[Card]:
    """Events not over yet, soonest first."""
    now = utcnow()
    kept = [
        card
        for card in cards
        if card.post.event is not None
        and (card.post.event.ends_at or card.post.event.starts_at + STILL_HAPPENING) >= now
    ]
    kept.sort(key=lambda card: card.post.event.starts_at)  # type: ignore[union-attr]
    return kept[:limit]
