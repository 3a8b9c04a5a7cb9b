"""Our posts at their URIs: ActivityStreams JSON for federation, HTML for browsers,
410 with a Tombstone once deleted."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...boundary import ids
from ...models import Actor, Post
from ...store import actors as actor_store
from ...store import posts as post_store
from .. import to_as
from .responses import activity_json, federation_of, json_error, wants_activitypub


async def _public_post(request: Request) -> tuple[Post, Actor] | None:
    """The local post the URL names, with its author, when it may be served."""
    federation = federation_of(request)
    post_id = ids.parse_id(request.path_params["post_id"])
    if post_id is None:
        return None
    async with federation.db.read() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or not post.is_local:
            return None
        author = await actor_store.get_actor(conn, post.actor_id)
    # Followers-only and direct posts are not served without authenticated fetch;
    # local-only ones never are, not even their tombstones.
    if author is None or post.is_local_only or (not post.is_deleted and not post.is_public):
        return None
    return post, author


async def object_endpoint(request: Request) -> Response:
    found = await _public_post(request)
    if found is None:
        return json_error(404, "no such object")
    post, author = found
    if not wants_activitypub(request):
        return await request.app.state.pages.post(request, post, author)
    if post.is_deleted:
        return activity_json(to_as.tombstone(post), status=410)
    federation = federation_of(request)
    return activity_json(
        to_as.object_document(post, author, federation.urls, **federation.outbox.render_options())
    )


async def create_activity_endpoint(request: Request) -> Response:
    found = await _public_post(request)
    if found is None:
        return json_error(404, "no such activity")
    post, author = found
    if post.is_deleted:
        return activity_json(to_as.tombstone(post), status=410)
    federation = federation_of(request)
    return activity_json(
        to_as.create(post, author, federation.urls, **federation.outbox.render_options())
    )


routes = [
    Route("/objects/{post_id}", object_endpoint),
    Route("/objects/{post_id}/activity", create_activity_endpoint),
]
