"""Actor documents (the web app's profile page for browsers) and their collections:
outbox, followers, following."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...boundary import ids
from ...models import Actor
from ...services import collections, people, pins
from ...services.collections import Direction
from .. import to_as
from .html import HtmlPages
from .responses import activity_json, federation_of, json_error, not_found, wants_activitypub

PAGE_SIZE = 20


async def _local_actor(request: Request) -> Actor | None:
    return await people.local_actor(
        federation_of(request).services, request.path_params["username"]
    )


async def _live_local_actor(request: Request) -> Actor | None:
    """One of our actors whose collections are served: a deleted account has none."""
    actor = await _local_actor(request)
    return None if actor is None or actor.gone_at is not None else actor


async def instance_actor(request: Request) -> Response:
    # Served to anyone, signed or not: it is the key other servers need to verify our
    # signed fetches, so requiring a signature here would loop (interop.md §1.4).
    federation = federation_of(request)
    return await _actor_document(request, federation.actors.instance)


async def _actor_document(request: Request, actor: Actor) -> Response:
    federation = federation_of(request)
    keys = await collections.keys(federation.services, actor)
    return activity_json(to_as.actor_document(actor, keys, federation.urls))


def _page_number(request: Request) -> int | None:
    for name in ("max_id", "after"):
        if request.query_params.get(name):
            return ids.query_id(request.query_params[name], name)
    return None


async def outbox(request: Request) -> Response:
    federation = federation_of(request)
    actor = await _live_local_actor(request)
    if actor is None:
        return json_error(404, "no such actor")
    collection_id = actor.outbox_url or federation.urls.outbox(actor.username)
    if "page" not in request.query_params:
        total = await collections.outbox_size(federation.services, actor)
        return activity_json(
            to_as.ordered_collection(collection_id, total, f"{collection_id}?page=true")
        )
    max_id = _page_number(request)
    found = await collections.outbox_page(
        federation.services, actor, max_id=max_id, limit=PAGE_SIZE
    )
    items: list[Any] = [to_as.announce(actor, post, author, a) for a, post, author in found.shared]
    for post in found.posts:
        activity = to_as.create(post, actor, federation.urls, **federation.outbox.render_options())
        activity.pop("@context")
        items.append(activity)
    next_id = found.next_max_id
    next_page = f"{collection_id}?page=true&max_id={next_id}" if next_id else None
    page_id = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id else "")
    return activity_json(to_as.ordered_collection_page(page_id, collection_id, items, next_page))


async def followers(request: Request) -> Response:
    return await _follow_collection(request, "followers")


async def following(request: Request) -> Response:
    return await _follow_collection(request, "following")


async def _follow_collection(request: Request, direction: Direction) -> Response:
    services = federation_of(request).services
    actor = await _live_local_actor(request)
    if actor is None:
        return json_error(404, "no such actor")
    collection_id = f"{actor.uri}/{direction}"
    if "page" not in request.query_params:
        total = await collections.follow_count(services, actor, direction)
        return activity_json(
            to_as.ordered_collection(collection_id, total, f"{collection_id}?page=true")
        )
    after = _page_number(request)
    rows = await collections.follow_page(services, actor, direction, after=after, limit=PAGE_SIZE)
    items = [other.uri for _follow, other in rows]
    next_page = (
        f"{collection_id}?page=true&after={rows[-1][0].id}" if len(rows) == PAGE_SIZE else None
    )
    page_id = f"{collection_id}?page=true" + (f"&after={after}" if after else "")
    return activity_json(to_as.ordered_collection_page(page_id, collection_id, items, next_page))


async def featured(request: Request) -> Response:
    """The actor's pinned posts, embedded, as Mastodon serves `collections/featured`."""
    federation = federation_of(request)
    actor = await _live_local_actor(request)
    if actor is None or actor.role != "resident":
        return json_error(404, "no such actor")
    pinned = await pins.pinned_posts(federation.services, actor)
    options = federation.outbox.render_options()
    shown = [post for post in pinned if post.visibility in pins.PINNABLE and not post.is_local_only]
    return activity_json(to_as.featured_collection(actor, shown, federation.urls, **options))


async def instance_outbox(request: Request) -> Response:
    federation = federation_of(request)
    return activity_json(to_as.ordered_collection(federation.urls.instance_outbox, 0, None))


def actor_routes(html: HtmlPages) -> list[Route]:
    async def actor_endpoint(request: Request) -> Response:
        actor = await _local_actor(request)
        if actor is None or actor.role == "instance":
            return not_found(request, "no such actor")
        if actor.gone_at is not None:
            # A deleted account: a Tombstone for servers, "gone" for browsers.
            if not wants_activitypub(request):
                raise HTTPException(410)
            return activity_json(to_as.actor_tombstone(actor), status=410)
        if not wants_activitypub(request):
            return await html.actor_page(request, actor)
        return await _actor_document(request, actor)

    return [
        Route("/actor", instance_actor),
        Route("/actor/outbox", instance_outbox),
        Route("/users/{username}", actor_endpoint),
        Route("/users/{username}/outbox", outbox),
        Route("/users/{username}/followers", followers),
        Route("/users/{username}/following", following),
        Route("/users/{username}/collections/featured", featured),
    ]
