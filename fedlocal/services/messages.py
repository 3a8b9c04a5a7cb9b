"""Messages between neighbours, as residents read and write them: the list of their
threads, one thread with its messages, a reply, a first message, the unread marks.

A message is a direct post (`posts.write_note` with `direct` visibility, addressed and
mentioned to the other person only), so it leaves as a Mastodon direct message: in reply
to the thread's newest message, or to the listing for the first one. Filing it in its
thread happens where every direct post is written (`threads.file_message`). Only the two
people of a thread see it: anyone else gets NotFound.

The thread page returns the listing (the Post) and the neighbour (the Actor) so that what
can be done with the listing between these two (reserve, lend, give back…) can be shown
beside the messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.paging import PageQuery
from ..models import Actor, Post, Thread, ThreadMember
from ..store import actors as actor_store
from ..store import notifications as notification_store
from ..store import threads as thread_store
from ..store import timelines as timeline_store
from . import blocks, views
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound
from .posts import write_note
from .views import AccountView, PostView
from .visibility import visible

# Whom one may write to: residents here, people elsewhere (not groups, nor our instance's
# own actors).
WRITABLE_ROLES = ("resident", "remote")


@dataclass(frozen=True)
class ThreadSummary:
    """A thread as the list shows it."""

    thread: Thread
    member: ThreadMember
    # The neighbour: the other person of the thread.
    other: Actor
    # The offer or request the thread is about, when it is about one.
    listing: Post | None
    # The newest message the viewer may read.
    last: Post | None

    @property
    def unread(self) -> bool:
        return self.member.unread


@dataclass(frozen=True)
class ThreadPage:
    """A thread with its messages, oldest first."""

    thread: Thread
    member: ThreadMember
    other: Actor
    listing: Post | None
    messages: list[Post]
    # Authors of the messages (the viewer and the neighbour), by actor id.
    authors: dict[int, Actor]


@dataclass(frozen=True)
class ConversationView:
    """A thread as the client API shows it (Mastodon's Conversation)."""

    thread: Thread
    unread: bool
    accounts: list[AccountView]
    last_status: PostView | None


def _check_writer(viewer: Actor) -> None:
    if viewer.role != "resident":
        raise Forbidden("only residents write messages")


async def threads(ctx: ServiceContext, viewer: Actor, page: PageQuery) -> list[ThreadSummary]:
    """`viewer`'s threads, the one with the newest message first."""
    async with ctx.db.read() as conn:
        return await _summaries(conn, viewer, await thread_store.page_for(conn, viewer.id, page))


async def _summaries(
    conn: AsyncConnection, viewer: Actor, found: list[tuple[Thread, ThreadMember]]
) -> list[ThreadSummary]:
    """The threads with their neighbour, listing and newest message (a few queries)."""
    actors = await timeline_store.actors_by_ids(conn, [m.other_id for _t, m in found])
    posts = await timeline_store.posts_by_ids(
        conn,
        [t.last_post_id for t, _m in found if t.last_post_id]
        + [t.listing_id for t, _m in found if t.listing_id],
    )
    readable = {p.id for p in await visible(conn, viewer, list(posts.values()))}
    listed = []
    for thread_row, member in found:
        other = actors.get(member.other_id)
        if other is None:
            continue
        last = posts.get(thread_row.last_post_id) if thread_row.last_post_id else None
        listing = posts.get(thread_row.listing_id) if thread_row.listing_id else None
        listed.append(
            ThreadSummary(
                thread_row,
                member,
                other,
                listing if listing is not None and listing.id in readable else None,
                last if last is not None and last.id in readable else None,
            )
        )
    return listed


async def _membership(
    conn: AsyncConnection, viewer: Actor, thread_id: int
) -> tuple[Thread, ThreadMember, Actor]:
    """The thread, `viewer`'s place in it and the neighbour; NotFound for anyone else."""
    found = await thread_store.get_for(conn, thread_id, viewer.id)
    other = await actor_store.get_actor(conn, found[1].other_id) if found else None
    if found is None or other is None:
        raise NotFound("no such conversation")
    return found[0], found[1], other


async def thread(
    ctx: ServiceContext, viewer: Actor, thread_id: int, *, mark_read: bool = True
) -> ThreadPage:
    """One of `viewer`'s threads with its messages; reading it marks it read."""
    async with ctx.db.read() as conn:
        thread_row, member, other = await _membership(conn, viewer, thread_id)
        messages = await visible(conn, viewer, await thread_store.messages(conn, thread_id))
        listing = None
        if thread_row.listing_id is not None:
            about = await timeline_store.posts_by_ids(conn, [thread_row.listing_id])
            shown = await visible(conn, viewer, list(about.values()))
            listing = shown[0] if shown and not shown[0].is_deleted else None
    if mark_read and member.unread:
        async with ctx.db.write() as conn:
            await thread_store.mark_read(conn, thread_id, viewer.id)
    return ThreadPage(
        thread_row,
        member,
        other,
        listing,
        messages,
        {viewer.id: viewer, other.id: other},
    )


async def reply(ctx: ServiceContext, viewer: Actor, thread_id: int, text: str) -> Post:
    """`viewer` writes in one of their threads: a direct message to the neighbour, in
    reply to the thread's newest message (or to its listing)."""
    _check_writer(viewer)
    async with ctx.db.write() as conn:
        thread_row, _member, other = await _membership(conn, viewer, thread_id)
        if other.gone_at is not None:
            raise NotFound("no such conversation")
        parent = await _parent_of(conn, thread_row)
        post = await _send(ctx, conn, viewer, other, text, parent)
    ctx.outbox.wake()
    return post


async def write_to(
    ctx: ServiceContext, viewer: Actor, other: Actor, text: str, listing: Post | None = None
) -> tuple[Thread, Post]:
    """`viewer`'s message to `other`, about `listing` when given: it starts their thread
    (or continues it when they already have one)."""
    _check_writer(viewer)
    if other.id == viewer.id:
        raise InvalidInput("you cannot write to yourself", field="to")
    if other.role not in WRITABLE_ROLES or other.gone_at is not None:
        raise InvalidInput("messages go to people only", field="to")
    if listing is not None and listing.actor_id not in (viewer.id, other.id):
        raise InvalidInput("the listing is neither yours nor theirs", field="listing")
    async with ctx.db.write() as conn:
        existing = await thread_store.find(
            conn, viewer.id, other.id, listing.id if listing else None
        )
        parent = await _parent_of(conn, existing) if existing else listing
        post = await _send(ctx, conn, viewer, other, text, parent)
        filed = await thread_store.find(conn, viewer.id, other.id, listing.id if listing else None)
    ctx.outbox.wake()
    assert filed is not None
    return filed, post


async def _parent_of(conn: AsyncConnection, thread_row: Thread) -> Post | None:
    """What a new message of the thread answers: its newest message, else its listing."""
    for post_id in (thread_row.last_post_id, thread_row.listing_id):
        if post_id is not None:
            found = await timeline_store.posts_by_ids(conn, [post_id])
            if post_id in found:
                return found[post_id]
    return None


async def _send(
    ctx: ServiceContext,
    conn: AsyncConnection,
    author: Actor,
    other: Actor,
    text: str,
    parent: Post | None,
) -> Post:
    await blocks.refuse_if_blocked(conn, author, other)
    post = await write_note(
        ctx,
        conn,
        author,
        text,
        visibility="direct",
        in_reply_to=parent.uri if parent else None,
        mentions=[other],
    )
    if other.role == "resident":
        # As a received direct message does: a Mastodon app learns of it this way.
        await notification_store.add(
            conn, recipient_id=other.id, type="mention", actor_id=author.id, post_id=post.id
        )
    return post


async def existing_thread(
    ctx: ServiceContext, viewer: Actor, other: Actor, listing_id: int | None = None
) -> Thread | None:
    """`viewer`'s thread with `other` (about `listing_id`), if they have one."""
    async with ctx.db.read() as conn:
        found = await thread_store.find(conn, viewer.id, other.id, listing_id)
        if found is None or await thread_store.get_for(conn, found.id, viewer.id) is None:
            return None
        return found


async def thread_of_message(ctx: ServiceContext, viewer: Actor, post: Post) -> int | None:
    """The id of `viewer`'s thread holding the direct post `post`, if there is one."""
    if post.visibility != "direct":
        return None
    async with ctx.db.read() as conn:
        return (await thread_store.threads_of_posts(conn, viewer.id, [post.id])).get(post.id)


async def listing_threads(ctx: ServiceContext, viewer: Actor, listing: Post) -> dict[int, int]:
    """{neighbour's actor id: thread id} of `viewer`'s threads about `listing`."""
    async with ctx.db.read() as conn:
        return await thread_store.listing_threads(conn, viewer.id, listing.id)


async def unread_count(ctx: ServiceContext, viewer: Actor) -> int:
    """How many of `viewer`'s threads have a message they have not read (capped)."""
    async with ctx.db.read() as conn:
        return await thread_store.count_unread(conn, viewer.id)


async def mark_read(ctx: ServiceContext, viewer: Actor, thread_id: int) -> None:
    async with ctx.db.write() as conn:
        if await thread_store.get_for(conn, thread_id, viewer.id) is None:
            raise NotFound("Record not found")
        await thread_store.mark_read(conn, thread_id, viewer.id)


async def hide(ctx: ServiceContext, viewer: Actor, thread_id: int) -> None:
    """Take the thread out of `viewer`'s list until its next message."""
    async with ctx.db.write() as conn:
        if await thread_store.get_for(conn, thread_id, viewer.id) is None:
            raise NotFound("Record not found")
        await thread_store.hide(conn, thread_id, viewer.id)


# The client API


async def conversations(
    ctx: ServiceContext, viewer: Actor, page: PageQuery
) -> list[ConversationView]:
    """`viewer`'s threads as Mastodon's conversations (paged by their newest message)."""
    listed = await threads(ctx, viewer, page)
    async with ctx.db.read() as conn:
        return await _conversation_views(conn, viewer, listed)


async def conversation(ctx: ServiceContext, viewer: Actor, thread_id: int) -> ConversationView:
    """One of `viewer`'s threads as a Mastodon conversation."""
    async with ctx.db.read() as conn:
        found = await thread_store.get_for(conn, thread_id, viewer.id)
        if found is None:
            raise NotFound("Record not found")
        return (await _conversation_views(conn, viewer, await _summaries(conn, viewer, [found])))[0]


async def conversations_among(
    conn: AsyncConnection, viewer: Actor, thread_ids: list[int]
) -> list[ConversationView]:
    """Those of `thread_ids` that are `viewer`'s, as conversations, inside the caller's
    read (the streams')."""
    found = await thread_store.get_many_for(conn, viewer.id, thread_ids)
    return await _conversation_views(conn, viewer, await _summaries(conn, viewer, found))


async def _conversation_views(
    conn: AsyncConnection, viewer: Actor, listed: list[ThreadSummary]
) -> list[ConversationView]:
    others = {v.actor.id: v for v in await views.accounts(conn, [s.other for s in listed])}
    lasts = {
        v.post.id: v
        for v in await views.posts(conn, viewer, [s.last for s in listed if s.last], listing=False)
    }
    return [
        ConversationView(
            thread=s.thread,
            unread=s.unread,
            accounts=[others[s.other.id]],
            last_status=lasts.get(s.last.id) if s.last else None,
        )
        for s in listed
    ]
