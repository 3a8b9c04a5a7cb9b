"""Posts as the feeds show them: a card with its title, where it is (the quarter, and the
neighbouring instance it comes from) and how far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fedlocal.clock import utcnow
from fedlocal.models import Actor, EventDetails, Post
from fedlocal.ride_dates import next_departures
from fedlocal.services import nearby_feed, neighbours, pins

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


def _card(
    post: Post,
    author: Actor | None,
    quarter: str | None,
    km: float | None,
    names: dict[str, str],
) -> Card:
    # The place a post names was named by its own instance's gazetteer, which knows its
    # quarters better than ours (a neighbour's post may lie nearer one of our quarters).
    place = (post.place.name if post.place else None) or quarter
    neighbour = None
    if author is not None and not author.is_local:
        neighbour = names.get(author.domain, author.domain)
    return Card(post, author, title_of(post) or "—", place, neighbour, km)


async def pinned_cards(page: Page) -> list[Card]:
    """The announcements verified organisations pinned (the town hall's, a linked
    neighbour's), the latest first: what tops the landing page and the nearby feed."""
    found = await pins.organization_announcements(page.services)
    remote = any(not author.is_local for _post, author in found)
    names = await neighbours.instance_names(page.services) if remote else {}
    return [_card(post, author, None, None, names) for post, author in found]


async def neighbour_name(page: Page, author: Actor) -> str | None:
    """The name of the neighbouring instance `author` lives on (None for ours)."""
    if author.is_local:
        return None
    names = await neighbours.instance_names(page.services)
    return names.get(author.domain, author.domain)


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
    found = await nearby_feed.feed(
        page.services,
        page.me,
        centre=centre,
        radius_km=radius_km,
        kinds=kinds,
        categories=categories,
        max_id=max_id,
        limit=limit,
    )
    remote = any(item.author is not None and not item.author.is_local for item in found)
    names = await neighbours.instance_names(page.services) if remote else {}
    cards = [_card(item.post, item.author, item.quarter, item.distance_km, names) for item in found]
    return CardPage(cards, cards[-1].post.id if len(cards) == limit else None)


# An event that started this long ago is still "happening".
STILL_HAPPENING = timedelta(hours=3)


def _not_over(event: EventDetails, now: datetime) -> bool:
    # Compared with `now` moved back, not the start moved forward: a start in year 9999
    # would overflow.
    if event.ends_at is not None:
        return event.ends_at >= now
    return event.starts_at >= now - STILL_HAPPENING


def coming_rides(cards: list[Card], limit: int) -> list[Card]:
    """Rides that still leave (a weekly one: a next date), soonest departure first."""
    now = utcnow()
    kept = [
        (departures[0], card)
        for card in cards
        if card.post.ride is not None
        and (departures := next_departures(card.post.ride, after=now, count=1))
    ]
    kept.sort(key=lambda pair: pair[0])
    return [card for _, card in kept[:limit]]


def upcoming(cards: list[Card], limit: int) -> list[Card]:
    """Events not over yet, soonest first."""
    now = utcnow()
    kept = [
        card for card in cards if card.post.event is not None and _not_over(card.post.event, now)
    ]
    kept.sort(key=lambda card: card.post.event.starts_at)  # type: ignore[union-attr]
    return kept[:limit]
