"""Conversations: a resident's threads of messages as Mastodon's Conversation entities
(`id`, `unread`, `accounts`: the neighbour, `last_status`), paged by their newest message;
marking one read, and hiding one (`DELETE`) until its next message."""

from __future__ import annotations

from starlette.routing import Route

from ..services import messages
from . import present
from .auth import Call, endpoint
from .pagination import page_from


@endpoint("read:statuses")
async def index(call: Call):
    views = await messages.conversations(call.ctx, call.actor, page_from(call.params))
    return present.paged(
        call,
        present.conversations(call, views),
        [v.thread.last_post_id for v in views if v.thread.last_post_id],
    )


@endpoint("write:conversations")
async def read(call: Call):
    thread_id = call.path_id()
    await messages.mark_read(call.ctx, call.actor, thread_id)
    return present.conversations(
        call, [await messages.conversation(call.ctx, call.actor, thread_id)]
    )[0]


@endpoint("write:conversations")
async def remove(call: Call):
    await messages.hide(call.ctx, call.actor, call.path_id())
    return {}


routes = [
    Route("/api/v1/conversations", index, methods=["GET"]),
    # Mastodon.py asks with the trailing slash.
    Route("/api/v1/conversations/", index, methods=["GET"]),
    Route("/api/v1/conversations/{id}/read", read, methods=["POST"]),
    Route("/api/v1/conversations/{id}", remove, methods=["DELETE"]),
]
