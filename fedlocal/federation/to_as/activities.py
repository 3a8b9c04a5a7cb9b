"""A post as its object document, and the activities that carry posts: Create, Update,
Delete, Announce.

Every kind goes through `post_object`, which picks the shape: a plain `Note`, a FEP-0837
`Note` for offers and requests, an `Event`. Rendering options:
- `categories`: the instance's `fedlocal.categories.Categories` (labels, hashtags and
  Mobilizon categories); the built-in ones when not given. Callers that have a config pass
  `Categories(config.categories)` — services keep one in `ServiceContext.categories`.
- `language`: the instance language the key facts and the event summary are written in
  (French or English; anything else is written in English); the post's language when not
  given.
- `timezone`: the instance's time zone, for an offer's availability dates in words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from activitypub.addressing import PUBLIC

from ...categories import Categories
from ...models import Actor, Announce, Post
from ...purchases import GroupPurchase
from ...urls import Urls
from .common import addressing, iso, iso_precise
from .events import event
from .group_purchase_object import with_group_purchase
from .listings import listing
from .notes import note
from .rides import ride
from .vocabulary import AS_CONTEXT, OBJECT_CONTEXT, context_for

BUILT_IN_CATEGORIES = Categories()
DEFAULT_TIMEZONE = "Europe/Paris"


def post_object(
    post: Post,
    author: Actor,
    urls: Urls,
    *,
    categories: Categories | None = None,
    language: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    group_purchase: GroupPurchase | None = None,
) -> dict[str, Any]:
    """The post as an ActivityStreams object of the shape its kind needs (no `@context`)."""
    categories = categories or BUILT_IN_CATEGORIES
    if post.kind in ("offer", "request"):
        return listing(
            post, author, urls, categories=categories, language=language, timezone=timezone
        )
    if post.kind == "event":
        return event(post, author, urls, categories=categories, language=language)
    if post.kind == "ride" and post.ride is not None:
        return ride(post, author, urls)
    if post.kind == "group_purchase" and group_purchase is not None:
        return with_group_purchase(note(post, author, urls), group_purchase)
    return note(post, author, urls)


def object_document(
    post: Post,
    author: Actor,
    urls: Urls,
    *,
    categories: Categories | None = None,
    language: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    group_purchase: GroupPurchase | None = None,
) -> dict[str, Any]:
    """The object served at its URI, with its context."""
    obj = post_object(
        post,
        author,
        urls,
        categories=categories,
        language=language,
        timezone=timezone,
        group_purchase=group_purchase,
    )
    return {"@context": context_for(post.kind), **obj}


def tombstone(post: Post) -> dict[str, Any]:
    """What a deleted post's URI serves (with a 410)."""
    document: dict[str, Any] = {"@context": OBJECT_CONTEXT, "id": post.uri, "type": "Tombstone"}
    if post.deleted_at:
        document["deleted"] = iso(post.deleted_at)
    return document


def create(
    post: Post,
    author: Actor,
    urls: Urls,
    *,
    categories: Categories | None = None,
    language: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    group_purchase: GroupPurchase | None = None,
) -> dict[str, Any]:
    """A Create embedding the post, addressed as the post is."""
    obj = post_object(
        post,
        author,
        urls,
        categories=categories,
        language=language,
        timezone=timezone,
        group_purchase=group_purchase,
    )
    return {
        "@context": context_for(post.kind),
        "id": f"{post.uri}/activity",
        "type": "Create",
        "actor": author.uri,
        "published": obj["published"],
        "to": obj["to"],
        "cc": obj["cc"],
        "object": obj,
    }


def delete(post: Post, author: Actor) -> dict[str, Any]:
    """A Delete naming a Tombstone; the same for every kind."""
    to, cc = addressing(post, author)
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{post.uri}#delete",
        "type": "Delete",
        "actor": author.uri,
        "to": to,
        "cc": cc,
        "object": {"id": post.uri, "type": "Tombstone"},
    }


def update(
    document: dict[str, Any], author: Actor, moment: datetime, *, step: str | None = None
) -> dict[str, Any]:
    """An Update carrying the object's current document (a status change, an edit, a new
    participant count); its id is unique per change. `step` is the step of an offer or a
    request with a neighbour it tells about (`listingStep`: reserved, lent, reminder…)."""
    obj = {k: v for k, v in document.items() if k != "@context"}
    obj["updated"] = iso_precise(moment)
    if step is not None:
        obj["listingStep"] = step
    return {
        "@context": document.get("@context", OBJECT_CONTEXT),
        "id": f"{obj['id']}#updates/{int(moment.timestamp() * 1000)}",
        "type": "Update",
        "actor": author.uri,
        "published": obj["updated"],
        "to": obj.get("to", []),
        "cc": obj.get("cc", []),
        "object": obj,
    }


def update_actor(document: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """An Update of an actor's own document (a new display name), as Mastodon sends one
    when a profile changes: to Public, the actor's followers in copy."""
    obj = {k: v for k, v in document.items() if k != "@context"}
    return {
        "@context": document["@context"],
        "id": f"{obj['id']}#updates/{int(moment.timestamp() * 1000)}",
        "type": "Update",
        "actor": obj["id"],
        "to": [PUBLIC],
        "cc": [obj["followers"]] if obj.get("followers") else [],
        "object": obj,
    }


def delete_actor(actor: Actor) -> dict[str, Any]:
    """A deleted account, as Mastodon sends it: actor and object both the actor's id, to
    Public (it goes to its followers' and every known server's inbox)."""
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{actor.uri}#delete",
        "type": "Delete",
        "actor": actor.uri,
        "to": [PUBLIC],
        "object": actor.uri,
    }


def actor_tombstone(actor: Actor) -> dict[str, Any]:
    """What a deleted account's URI serves (with a 410)."""
    document: dict[str, Any] = {"@context": OBJECT_CONTEXT, "id": actor.uri, "type": "Tombstone"}
    if actor.gone_at:
        document["deleted"] = iso(actor.gone_at)
    return document


def announce(announcer: Actor, post: Post, author: Actor, record: Announce) -> dict[str, Any]:
    """An Announce of the bare object id, the form Mastodon renders as a boost."""
    return {
        "@context": AS_CONTEXT,
        "id": record.uri,
        "type": "Announce",
        "actor": announcer.uri,
        "published": iso(record.published),
        "to": [PUBLIC],
        "cc": [c for c in (announcer.followers_url, author.uri) if c],
        "object": post.uri,
    }
