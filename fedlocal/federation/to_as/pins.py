"""Pinned posts: the actor's `featured` collection and the Add/Remove that tell its
followers, in Mastodon's shapes (Mastodon's `collections/featured`, `AddSerializer`)."""

from __future__ import annotations

import uuid
from typing import Any

from activitypub.addressing import PUBLIC

from ...categories import Categories
from ...models import Actor, Post
from ...urls import Urls
from .activities import post_object
from .actors import featured_url
from .vocabulary import AS_CONTEXT, COLLECTION_CONTEXT


def featured_collection(
    actor: Actor,
    posts: list[Post],
    urls: Urls,
    *,
    categories: Categories | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """An OrderedCollection of the pinned posts, embedded (Mastodon reads them from it)."""
    items = [
        post_object(post, actor, urls, categories=categories, language=language) for post in posts
    ]
    return {
        "@context": COLLECTION_CONTEXT,
        "id": featured_url(actor),
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }


def add_pin(actor: Actor, post: Post) -> dict[str, Any]:
    """`Add` of the post to the actor's featured collection (a pin)."""
    return {"type": "Add", "actor": actor.uri, **_pin_fields(actor, post, "adds")}


def remove_pin(actor: Actor, post: Post) -> dict[str, Any]:
    """`Remove` of the post from the actor's featured collection (an unpin)."""
    return {"type": "Remove", "actor": actor.uri, **_pin_fields(actor, post, "removes")}


def _pin_fields(actor: Actor, post: Post, name: str) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.uri}#{name}/{uuid.uuid4()}",
        "to": [PUBLIC],
        "cc": [actor.followers_url] if actor.followers_url else [],
        "object": post.uri,
        "target": featured_url(actor),
    }
