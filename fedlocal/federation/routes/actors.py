"""Actor documents and their collections (outbox, followers, following)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...boundary import ids
from ...models import Actor
from ...store import actors as actor_store
from ...store import announces as announce_store
from ...store import follows as follow_store
from ...store import posts as post_store
from .. import to_as
from .responses import activity_json, federation_of, json_error, wants_activitypub

PAGE_SIZE = 20


async def _local_actor(request: Request) -> Actor | None:
    federation = federation_of(request)
    async with federation.db.read() as conn:
        return await actor_store.get_local_actor(conn, request.path_params["username"])


async def actor_endpoint(request: Request) -> Response:
    federation = federation_of(request)
    actor = await _local_actor(request)
    if actor is None or actor.role == "instance":
        return json_error(404, "no such actor")
    if not wants_activitypub(request):
        return await request.app.state.pages.profile(request, actor)
    return await _actor_document(federation, actor)


async def instance_actor(request: Request) -> Response:
    # Served to anyone, signed or not: it is the key other servers need to verify our
    # signed fetches, so requiring a signature here would loop (interop.md §1.4).
    federation = federation_of(request)
    return await _actor_document(federation, federation.actors.instance)


async def _actor_document(federation, actor: Actor) -> Response:
    async with federation.db.read() as conn:
        keys = await actor_store.keys_of(conn, actor.id)
    return activity_json(to_as.actor_document(actor, keys, federation.urls))


def _page_number(request: Request) -> int | None:
    for name in ("max_id", "after"):
        if request.query_params.get(name):
            return ids.query_id(request.query_params[name], name)
    return None


async def outbox(request: Request) -> Response:
    federation = federation_of(request)
    actor = await _local_actor(request)
    if actor is None:
        return json_error(404, "no such actor")
    collection_id = actor.outbox_url or federation.urls.outbox(actor.username)
    community = actor.role == "community"
    async with federation.db.read() as conn:
        if community:
            total = await announce_store.count_actor_announces(conn, actor.id)
        else:
            total = await post_store.count_actor_posts(conn, actor.id, ("public",))
        if "page" not in request.query_params:
            return activity_json(
                to_as.ordered_collection(collection_id, total, f"{collection_id}?page=true")
            )
        max_id = _page_number(request)
        items, last_id = await _outbox_items(federation, conn, actor, community, max_id)
    next_page = f"{collection_id}?page=true&max_id={last_id}" if last_id else None
    page_id = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id else "")
    return activity_json(to_as.ordered_collection_page(page_id, collection_id, items, next_page))


async def _outbox_items(federation, conn, actor: Actor, community: bool, max_id: int | None):
    items: list[Any] = []
    if community:
        announces = await announce_store.list_actor_announces(
            conn, actor.id, max_id=max_id, limit=PAGE_SIZE
        )
        for record in announces:
            post = await post_store.get_post(conn, record.object_id) if record.object_id else None
            author = await actor_store.get_actor(conn, post.actor_id) if post else None
            if post and author and not post.is_deleted:
                items.append(to_as.announce(actor, post, author, record))
        last = announces[-1].id if len(announces) == PAGE_SIZE else None
        return items, last
    posts = await post_store.list_actor_posts(
        conn, actor.id, visibilities=("public",), max_id=max_id, limit=PAGE_SIZE
    )
    for post in posts:
        activity = to_as.create(post, actor, federation.urls, **federation.outbox.render_options())
        activity.pop("@context")
        items.append(activity)
    return items, posts[-1].id if len(posts) == PAGE_SIZE else None


async def followers(request: Request) -> Response:
    return await _follow_collection(
        request, follow_store.count_followers, follow_store.list_followers, "followers"
    )


async def following(request: Request) -> Response:
    return await _follow_collection(
        request, follow_store.count_following, follow_store.list_following, "following"
    )


async def _follow_collection(request: Request, count, listing, name: str) -> Response:
    federation = federation_of(request)
    actor = await _local_actor(request)
    if actor is None:
        return json_error(404, "no such actor")
    collection_id = f"{actor.uri}/{name}"
    async with federation.db.read() as conn:
        total = await count(conn, actor.id)
        if "page" not in request.query_params:
            return activity_json(
                to_as.ordered_collection(collection_id, total, f"{collection_id}?page=true")
            )
        after = _page_number(request)
        rows = await listing(conn, actor.id, after_id=after, limit=PAGE_SIZE)
    items = [other.uri for _follow, other in rows]
    next_page = (
        f"{collection_id}?page=true&after={rows[-1][0].id}" if len(rows) == PAGE_SIZE else None
    )
    page_id = f"{collection_id}?page=true" + (f"&after={after}" if after else "")
    return activity_json(to_as.ordered_collection_page(page_id, collection_id, items, next_page))


async def instance_outbox(request: Request) -> Response:
    federation = federation_of(request)
    return activity_json(to_as.ordered_collection(federation.urls.instance_outbox, 0, None))


routes = [
    Route("/actor", instance_actor),
    Route("/actor/outbox", instance_outbox),
    Route("/users/{username}", actor_endpoint),
    Route("/users/{username}/outbox", outbox),
    Route("/users/{username}/followers", followers),
    Route("/users/{username}/following", following),
]
