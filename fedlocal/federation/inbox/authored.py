"""Reading a post from a Create or Update, and who its author is.

Usually the sender is the author. Mobilizon sends a group's event from the organiser
while attributing it to the group, on the same server; we accept that shape but never on
the sender's word: the object is then fetched from its origin, and its author is whoever
the origin says — so a member of the same server cannot forge someone else's post.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ...models import Actor, RemotePostData
from ...services import remote_media
from ..origin import http_host
from .context import Ignored, InboxContext
from .fetch import fetch_document, object_document, parse_post, remote_actor


@dataclass(frozen=True)
class Authored:
    data: RemotePostData
    author: Actor


async def authored_post(ctx: InboxContext, value: Any, verb: str) -> Authored:
    """The post an activity carries, with its author (see the module docstring), and our
    copies of its pictures and of its author's (services/remote_media.py)."""
    found = await _authored(ctx, value, verb)
    return await with_pictures(ctx, found.data, found.author)


async def with_pictures(ctx: InboxContext, data: RemotePostData, author: Actor) -> Authored:
    """The post with our copies of its pictures, and its author with theirs (prepare
    phases only: this fetches)."""
    pictures = await remote_media.copy_attachments(ctx.services, data.attachments)
    author = await remote_media.copy_actor_pictures(ctx.services, author)
    return Authored(replace(data, attachments=pictures), author)


async def _authored(ctx: InboxContext, value: Any, verb: str) -> Authored:
    data = parse_post(ctx, await object_document(ctx, value), verb)
    if data.attributed_to == ctx.actor.uri:
        return Authored(data, ctx.actor)
    if http_host(data.attributed_to) != ctx.actor.domain:
        raise Ignored(f"{verb} of an object attributed to someone on another server")
    data = parse_post(ctx, await fetch_document(ctx, data.uri), verb)
    if http_host(data.attributed_to) != ctx.actor.domain:
        raise Ignored(f"{verb} of an object its origin attributes elsewhere")
    return Authored(data, await remote_actor(ctx, data.attributed_to))
