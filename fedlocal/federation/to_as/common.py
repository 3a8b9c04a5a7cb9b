"""Pieces every post document shares: dates, addressing, hashtags."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from activitypub.addressing import PUBLIC

from ...models import Actor, Place, Post
from ...urls import Urls


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, to the second, as Mastodon writes it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_precise(moment: datetime) -> str:
    """RFC 3339 in UTC to the millisecond, for `updated`: two status changes within one
    second must still read as newer than each other (receivers drop older edits)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def addressing(post: Post, author: Actor) -> tuple[list[str], list[str]]:
    """`to` and `cc` for a post's visibility (interop.md §3.2)."""
    followers = author.followers_url
    extra = [r for r in post.recipients if r]
    if post.visibility == "public":
        return [PUBLIC], [f for f in [followers] if f] + extra
    if post.visibility == "unlisted":
        return [f for f in [followers] if f], [PUBLIC] + extra
    if post.visibility == "followers":
        return [f for f in [followers] if f], extra
    return extra, []


def hashtag_tags(names: Iterable[str], urls: Urls) -> list[dict[str, Any]]:
    """`tag` entries of type Hashtag, as Mastodon writes them."""
    return [{"type": "Hashtag", "name": f"#{name}", "href": urls.tag(name)} for name in names]


def hashtag_link(name: str, urls: Urls) -> str:
    """A hashtag in Mastodon's own markup, so it renders as a tag link there."""
    return (
        f'<a href="{html.escape(urls.tag(name))}" class="mention hashtag" rel="tag">'
        f"#<span>{html.escape(name)}</span></a>"
    )


def place_document(place: Place | None, *, with_address: bool) -> dict[str, Any] | None:
    """A `Place`: name and coordinates, and for events a schema.org PostalAddress (offers
    never carry an exact address). None when there is nothing to say."""
    if place is None:
        return None
    document: dict[str, Any] = {"type": "Place"}
    if place.name:
        document["name"] = place.name
    if with_address:
        fields = {
            "streetAddress": place.street,
            "postalCode": place.postal_code,
            "addressLocality": place.locality,
            "addressRegion": place.region,
            "addressCountry": place.country,
        }
        address = {key: value for key, value in fields.items() if value}
        if address:
            document["address"] = {"type": "PostalAddress", **address}
    if place.has_coordinates:
        document["latitude"] = place.latitude
        document["longitude"] = place.longitude
    return document if len(document) > 1 else None
