"""Where a direct message goes: its thread.

Every direct post, ours (`posts.write_note`, whichever way it was written) or received
(`inbound`), is filed here, inside the transaction that stores it. A thread is one per
pair of people and per listing: a message answering a message of a thread continues that
thread; one answering an offer or a request of one of the two opens (or continues) that
listing's thread; any other is the pair's own thread. Only threads with one of our
residents in them are kept, and each resident in one gets a member row with their
unread mark.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post, Thread
from ..store import blocks as block_store
from ..store import posts as post_store
from ..store import threads as thread_store
from ..store import timelines as timeline_store

LISTING_KINDS = ("offer", "request")
# Actors that hold conversations: residents here, anyone elsewhere.
SPEAKING_ROLES = ("resident", "remote")


async def file_message(conn: AsyncConnection, post: Post, author: Actor) -> list[Thread]:
    """Put the new direct post `post` by `author` in its threads (one per person it is
    addressed to), marking it unread for the others there. Returns those threads."""
    if post.visibility != "direct" or post.is_deleted or author.role not in SPEAKING_ROLES:
        return []
    addressed = [uri for uri in (*post.recipients, *(m.href for m in post.mentions))]
    people = await timeline_store.actors_by_uris(
        conn, [uri for uri in addressed if uri != author.uri]
    )
    parent = (
        await post_store.get_post_by_uri(conn, post.in_reply_to_uri)
        if post.in_reply_to_uri
        else None
    )
    parent_threads = await thread_store.threads_of_post(conn, parent.id) if parent else []
    filed = []
    for other in people.values():
        if other.role not in SPEAKING_ROLES or "resident" not in (author.role, other.role):
            continue
        if await block_store.blocked_either_way(conn, author.id, other.id):
            continue  # a block between them: the message reaches no thread
        thread = await _thread_for(conn, author, other, parent, parent_threads)
        for one, two in ((author, other), (other, author)):
            if one.role == "resident":
                await thread_store.add_member(conn, thread.id, one.id, two.id)
        await thread_store.add_message(conn, thread, post)
        filed.append(thread)
    return filed


async def _thread_for(
    conn: AsyncConnection,
    author: Actor,
    other: Actor,
    parent: Post | None,
    parent_threads: list[Thread],
) -> Thread:
    for candidate in parent_threads:
        same = await thread_store.find(conn, author.id, other.id, candidate.listing_id)
        if same is not None and same.id == candidate.id:
            return candidate
    listing = (
        parent
        if parent is not None
        and parent.kind in LISTING_KINDS
        and parent.actor_id in (author.id, other.id)
        else None
    )
    return await thread_store.get_or_create(
        conn, author.id, other.id, listing.id if listing else None
    )
