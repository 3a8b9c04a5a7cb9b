"""Our posts at their URIs: ActivityStreams JSON for federation, the web app's page for
browsers, 410 with a Tombstone once deleted."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...boundary import ids
from ...models import Actor, Post
from ...services import group_purchases as purchase_service
from ...services.errors import NotFound
from ...services.visibility import visible_post
from .. import to_as
from .html import HtmlPages
from .responses import activity_json, federation_of, json_error, not_found, wants_activitypub


async def _our_post(request: Request) -> tuple[Post, Actor] | None:
    """One of our posts as anyone may see it (these routes know no signatures: followers-
    only and direct posts are not served), or its tombstone."""
    post_id = ids.parse_id(request.path_params["post_id"])
    if post_id is None:
        return None
    try:
        post, author = await visible_post(
            federation_of(request).services, None, post_id, tombstone=True
        )
    except NotFound:
        return None
    return (post, author) if post.is_local else None


async def _create_activity(request: Request) -> Response:
    found = await _our_post(request)
    if found is None:
        return json_error(404, "no such activity")
    post, author = found
    if post.is_deleted:
        return activity_json(to_as.tombstone(post), status=410)
    federation = federation_of(request)
    terms = await purchase_service.terms_of(federation.services, post)
    return activity_json(
        to_as.create(
            post,
            author,
            federation.urls,
            **federation.outbox.render_options(),
            group_purchase=terms,
        )
    )


def object_routes(html: HtmlPages) -> list[Route]:
    async def object_endpoint(request: Request) -> Response:
        found = await _our_post(request)
        if found is None:
            return not_found(request, "no such object")
        post, author = found
        if not wants_activitypub(request):
            return await html.post_page(request, post, author)
        if post.is_deleted:
            return activity_json(to_as.tombstone(post), status=410)
        federation = federation_of(request)
        terms = await purchase_service.terms_of(federation.services, post)
        return activity_json(
            to_as.object_document(
                post,
                author,
                federation.urls,
                **federation.outbox.render_options(),
                group_purchase=terms,
            )
        )

    return [
        Route("/objects/{post_id}", object_endpoint),
        Route("/objects/{post_id}/activity", _create_activity),
    ]
