"""Reading a post from a Create or Update, and who its author is.

Usually the sender is the author. Mobilizon sends a group's event from the organiser
while attributing it to the group, on the same server; we accept that shape but never on
the sender's word: the object is then fetched from its origin, and its author is whoever
the origin says — so a member of the same server cannot forge someone else's post.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...models import Actor, RemotePostData
from ...services.errors import Forbidden, RemoteFailure
from ..from_as import InvalidDocument, post_from_as
from ..origin import http_host
from .context import Ignored, InboxContext
from .fetch import fetch_document, fetch_failure, object_document


@dataclass(frozen=True)
class Authored:
    data: RemotePostData
    author: Actor


async def authored_post(ctx: InboxContext, value: Any, verb: str) -> Authored:
    """The post an activity carries, with its author (see the module docstring)."""
    data = _parse(ctx, await object_document(ctx, value), verb)
    if data.attributed_to == ctx.actor.uri:
        return Authored(data, ctx.actor)
    if http_host(data.attributed_to) != ctx.actor.domain:
        raise Ignored(f"{verb} of an object attributed to someone on another server")
    data = _parse(ctx, await fetch_document(ctx, data.uri), verb)
    if http_host(data.attributed_to) != ctx.actor.domain:
        raise Ignored(f"{verb} of an object its origin attributes elsewhere")
    try:
        author = await ctx.federation.remote.actor(data.attributed_to)
    except Forbidden as exc:
        raise Ignored(str(exc)) from exc
    except RemoteFailure as exc:
        raise fetch_failure(exc) from exc
    return Authored(data, author)


def _parse(ctx: InboxContext, document: dict[str, Any], verb: str) -> RemotePostData:
    try:
        return post_from_as(document, categories=ctx.services.categories)
    except InvalidDocument as exc:
        raise Ignored(f"{verb} of an unusable object: {exc}") from exc
