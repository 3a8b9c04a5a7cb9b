"""What a streaming client has not seen yet: new statuses of its streams, new
notifications, and deletions of the statuses its streams could have shown.

Read from the database on each wake-up (a commit in this process, or a periodic poll),
so posts stored by a worker in another process reach the stream too.

The streams are Mastodon's: `user`, `user:notification`, `direct`, `public` (`:local`,
`:remote`, each also `:media`), `hashtag` and `hashtag:local` (with a `tag`), and `list`
(with a `list`: one of the resident's lists, or `nearby`, the nearby feed every account
has). `subscription()` turns a name and its parameter into a `Subscription`, or refuses
with `UnknownStream`, whose message names the stream; `allowed()` then checks that a list
is the viewer's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.ids import parse_id
from ..boundary.paging import PageQuery
from ..clock import utcnow
from ..formatting import normalise_hashtag
from ..models import Actor, Post
from ..store import followed_tags as tag_store
from ..store import lists as list_store
from ..store import notification_pages, stream_reads
from ..store import post_edits as edit_store
from ..store import threads as thread_store
from ..store import timelines as timeline_store
from . import filters, limits, messages, notifications, timelines, views
from .context import ServiceContext
from .errors import ServiceError
from .messages import ConversationView
from .views import NotificationView, PostView
from .visibility import visible

USER_STREAMS = ("user", "user:notification")
PUBLIC_STREAMS = (
    "public",
    "public:local",
    "public:remote",
    "public:media",
    "public:local:media",
    "public:remote:media",
)
HASHTAG_STREAMS = ("hashtag", "hashtag:local")
STREAMS = (*USER_STREAMS, "direct", *PUBLIC_STREAMS, *HASHTAG_STREAMS, "list")
# The list every account has (api/entities.NEARBY_LIST_ID): the nearby feed.
NEARBY_LIST = "nearby"
# Where a thread's new message is told as a `conversation` event: Mastodon's `direct`
# stream, and the user stream too (some apps open that one only).
CONVERSATION_STREAMS = ("direct", "user")
BATCH = 40
REMEMBERED = 500
# A deletion is written with the time it was decided and committed a moment later:
# look back this far on each poll (told deletions are remembered, so none twice).
DELETION_OVERLAP = timedelta(seconds=10)


class UnknownStream(ServiceError):
    """A stream this server does not have, or one missing its parameter."""

    status = 400


class NotYourList(ServiceError):
    """Mastodon's answer for a list that is not the account's."""

    status = 401


@dataclass(frozen=True)
class Subscription:
    name: str
    # A hashtag stream's tag as the client gave it, a list stream's list id.
    arg: str | None = None

    @property
    def label(self) -> list[str]:
        """The `stream` of its WebSocket frames: `["hashtag", "Vélo"]`, `["user"]` (the
        tag as asked for: masto.js matches frames to subscriptions by it)."""
        return [self.name] if self.arg is None else [self.name, self.arg]

    @property
    def hashtag(self) -> str:
        """A hashtag stream's tag as tags are compared (`Vélo` → `velo`)."""
        return normalise_hashtag(self.arg or "")


def subscription(name: object, params: Mapping[str, object] | None = None) -> Subscription:
    """The subscription for stream `name` with its `tag` or `list` parameter."""
    params = params or {}
    if not isinstance(name, str) or name not in STREAMS:
        shown = name if isinstance(name, str) else ""
        raise UnknownStream("Unknown stream type: %(stream)s", stream=shown[:100])
    if name in HASHTAG_STREAMS:
        tag = params.get("tag")
        if not isinstance(tag, str) or not tag.strip("# "):
            raise UnknownStream("Missing tag name parameter for stream %(stream)s", stream=name)
        return Subscription(name, tag.strip()[:100])
    if name == "list":
        wanted = params.get("list")
        if not isinstance(wanted, str) or not wanted:
            raise UnknownStream("Missing list name parameter for stream %(stream)s", stream=name)
        if wanted != NEARBY_LIST and parse_id(wanted) is None:
            raise NotYourList("Not authorized to stream list %(list)s", list=wanted[:100])
        return Subscription(name, wanted)
    return Subscription(name)


async def allowed(ctx: ServiceContext, viewer: Actor, stream: Subscription) -> Subscription:
    """The subscription, if the viewer may follow it: a list must be theirs."""
    if stream.name == "list" and stream.arg != NEARBY_LIST:
        list_id = parse_id(stream.arg)
        async with ctx.db.read() as conn:
            found = await list_store.get(conn, list_id) if list_id is not None else None
        if found is None or found.actor_id != viewer.id:
            raise NotYourList("Not authorized to stream list %(list)s", list=str(stream.arg))
    return stream


@dataclass(frozen=True)
class StreamEvent:
    stream: Subscription
    event: str  # update | status.update | notification | delete | conversation
    status: PostView | None = None
    notification: NotificationView | None = None
    deleted_id: int | None = None
    conversation: ConversationView | None = None


class StreamReader:
    """One client's position in the streams it follows."""

    def __init__(self, ctx: ServiceContext, viewer: Actor):
        self.ctx = ctx
        self.viewer = viewer
        self._post_cursor: dict[Subscription, int] = {}
        self._notification_cursor = 0
        self._message_cursor = 0
        self._edit_cursor = 0
        self._deletions_since = utcnow() - DELETION_OVERLAP
        self._told_deleted: deque[int] = deque(maxlen=REMEMBERED)
        self._sent: deque[tuple[Subscription, int]] = deque(maxlen=REMEMBERED)

    async def start(self, streams: Iterable[Subscription]) -> None:
        """Start from now: only what happens from here on is sent."""
        async with self.ctx.db.read() as conn:
            newest = await timeline_store.newest_post_id(conn)
            if not self._post_cursor:
                self._notification_cursor = await notification_pages.newest_id(conn, self.viewer.id)
                self._message_cursor = await thread_store.newest_filed_id(conn)
                self._edit_cursor = await edit_store.newest_id(conn)
        for stream in streams:
            self._post_cursor.setdefault(stream, newest)

    async def add(self, stream: Subscription) -> None:
        if stream not in self._post_cursor:
            await self.start([stream])

    def remove(self, stream: Subscription) -> None:
        self._post_cursor.pop(stream, None)

    @property
    def streams(self) -> list[Subscription]:
        return list(self._post_cursor)

    def _following(self, name: str) -> Subscription | None:
        return next((s for s in self._post_cursor if s.name == name), None)

    async def poll(self) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        nearby = [s for s in self._post_cursor if s.name == "list" and s.arg == NEARBY_LIST]
        hidden = await limits.hidden_authors(self.ctx, self.viewer)
        async with self.ctx.db.read() as conn:
            for stream, cursor in list(self._post_cursor.items()):
                if stream.name in ("user:notification", "direct") or stream in nearby:
                    continue
                page = PageQuery(min_id=cursor, limit=BATCH)
                found = await self._new_posts(conn, stream, page, hidden)
                if not found:
                    continue
                self._post_cursor[stream] = max(p.id for p in found)
                if stream.name.endswith(":media"):
                    found = [p for p in found if p.attachments]
                shown = await views.posts(conn, self.viewer, found)
                context = "home" if stream.name in ("user", "list") else "public"
                shown = await filters.apply(conn, self.viewer, shown, context)
                self._updates(events, stream, shown)
            events.extend(await self._notifications(conn))
            events.extend(await self._conversations(conn))
            events.extend(await self._deletions(conn))
            events.extend(await self._edits(conn))
        for stream in nearby:
            page = PageQuery(min_id=self._post_cursor[stream], limit=BATCH)
            shown = await timelines.nearby(self.ctx, self.viewer, page)
            if shown and stream in self._post_cursor:
                self._post_cursor[stream] = max(v.post.id for v in shown)
                self._updates(events, stream, shown)
        return events

    def _updates(
        self, events: list[StreamEvent], stream: Subscription, shown: list[PostView]
    ) -> None:
        for view in sorted(shown, key=lambda v: v.post.id):
            events.append(StreamEvent(stream, "update", status=view))
            self._sent.append((stream, view.post.id))

    async def _new_posts(
        self, conn: AsyncConnection, stream: Subscription, page: PageQuery, hidden: Select[Any]
    ) -> list[Post]:
        """The stream's posts after the cursor; public ones without the limited and
        suspended accounts `hidden` names."""
        name = stream.name
        if name == "user":
            return await timeline_store.home(conn, self.viewer.id, page)
        if name == "list":
            list_id = parse_id(stream.arg)
            found = await list_store.get(conn, list_id) if list_id is not None else None
            if found is None or found.actor_id != self.viewer.id:
                return []
            return await list_store.timeline(conn, found, page)
        local = name.startswith(("public:local", "hashtag:local"))
        remote = name.startswith("public:remote")
        if name in HASHTAG_STREAMS and stream.arg is not None:
            return await timeline_store.tagged(
                conn, [stream.hashtag], page, local=local, hidden_authors=hidden
            )
        return await timeline_store.public(
            conn, page, local=local, remote=remote, hidden_authors=hidden
        )

    async def _notifications(self, conn: AsyncConnection) -> list[StreamEvent]:
        stream = self._following("user") or self._following("user:notification")
        if stream is None:
            return []
        found = await notification_pages.page_for(
            conn, self.viewer.id, PageQuery(min_id=self._notification_cursor, limit=BATCH)
        )
        if not found:
            return []
        self._notification_cursor = max(n.id for n in found)
        shown = await notifications.seen(conn, self.viewer, found)
        return [StreamEvent(stream, "notification", notification=n) for n in reversed(shown)]

    async def _conversations(self, conn: AsyncConnection) -> list[StreamEvent]:
        """A `conversation` event for each thread of the viewer's with a new message."""
        streams = [s for s in self._post_cursor if s.name in CONVERSATION_STREAMS]
        if not streams:
            return []
        filed = await thread_store.filed_after(conn, self.viewer.id, self._message_cursor, BATCH)
        if not filed:
            return []
        self._message_cursor = max(filing for filing, _thread in filed)
        thread_ids = list(dict.fromkeys(thread for _filing, thread in filed))
        found = await messages.conversations_among(conn, self.viewer, thread_ids)
        return [
            StreamEvent(stream, "conversation", conversation=view)
            for view in found
            for stream in streams
        ]

    async def _deletions(self, conn: AsyncConnection) -> list[StreamEvent]:
        """A `delete` event on every followed stream that could have shown a post deleted
        since the last look (whether or not it was sent here), and on those that were
        sent a post that is now gone altogether."""
        checked_at = utcnow()
        deleted = [
            p
            for p in await stream_reads.deleted_since(conn, self._deletions_since, limit=BATCH * 5)
            if p.id not in self._told_deleted
        ]
        if len(deleted) < BATCH * 5:
            self._deletions_since = checked_at - DELETION_OVERLAP
        events: list[StreamEvent] = []
        if deleted:
            events.extend(await self._deleted_posts(conn, deleted))
        sent_ids = list({post_id for _s, post_id in self._sent})
        gone = set(await timeline_store.deleted_among(conn, sent_ids))
        told = {(e.stream, e.deleted_id) for e in events}
        for stream, post_id in list(self._sent):
            if post_id in gone and stream in self._post_cursor and (stream, post_id) not in told:
                events.append(StreamEvent(stream, "delete", deleted_id=post_id))
                told.add((stream, post_id))
        if gone:
            self._sent = deque(
                (item for item in self._sent if item[1] not in gone), maxlen=REMEMBERED
            )
        return events

    async def _edits(self, conn: AsyncConnection) -> list[StreamEvent]:
        """A `status.update` event on every followed stream that could show a post edited
        since the last look (as Mastodon: the status as it now reads)."""
        found = await edit_store.edited_after(conn, self._edit_cursor, BATCH)
        if not found:
            return []
        self._edit_cursor = max(edit_id for edit_id, _post in found)
        edited = await timeline_store.posts_by_ids(conn, list({p for _e, p in found}))
        shown = await views.posts(
            conn, self.viewer, [p for p in edited.values() if not p.is_deleted]
        )
        if not shown:
            return []
        showing = await self._streams_showing(conn, [v.post for v in shown])
        return [
            StreamEvent(stream, "status.update", status=view)
            for view in shown
            for stream in showing[view.post.id]
        ]

    async def _streams_showing(
        self, conn: AsyncConnection, posts: list[Post]
    ) -> dict[int, list[Subscription]]:
        """For each post, the followed streams that sent it or could show it."""
        authors = list({p.actor_id for p in posts} - {self.viewer.id})
        states = await timeline_store.follow_states(conn, self.viewer.id, authors)
        followed = {a for a, state in states.items() if state == "accepted"} | {self.viewer.id}
        tags = await stream_reads.hashtags_of(conn, [p.id for p in posts])
        every = {tag for found in tags.values() for tag in found}
        # Posts with a hashtag the viewer follows come to their user stream.
        followed_tags = await tag_store.followed_among(conn, self.viewer.id, list(every))
        sent = set(self._sent)
        return {
            post.id: [
                stream
                for stream in self._post_cursor
                if (stream, post.id) in sent
                or _could_show(stream, post, followed, tags, followed_tags)
            ]
            for post in posts
        }

    async def _deleted_posts(self, conn: AsyncConnection, deleted: list[Post]) -> list[StreamEvent]:
        self._told_deleted.extend(p.id for p in deleted)
        seen = {p.id for p in await visible(conn, self.viewer, deleted, tombstone=True)}
        shown = [p for p in deleted if p.id in seen]
        if not shown:
            return []
        showing = await self._streams_showing(conn, shown)
        return [
            StreamEvent(stream, "delete", deleted_id=post.id)
            for post in shown
            for stream in showing[post.id]
        ]


def _could_show(
    stream: Subscription,
    post: Post,
    followed: set[int],
    tags: Mapping[int, set[str]],
    followed_tags: set[str],
) -> bool:
    """Whether `stream` could have shown `post` (a deleted or edited one, which the viewer
    may know of): the widest answer, a client drops a `delete` of a status it does not
    hold. `followed`: the authors the viewer follows; `followed_tags`: the hashtags."""
    name = stream.name
    if name == "user":
        return post.actor_id in followed or bool(tags.get(post.id, set()) & followed_tags)
    if name in ("user:notification", "direct"):
        return False
    if post.visibility != "public":
        return name == "list" and post.is_local
    if (name.startswith("public:local") or name == "hashtag:local") and not post.is_local:
        return False
    if name.startswith("public:remote") and post.is_local:
        return False
    if name in HASHTAG_STREAMS:
        return stream.hashtag in tags.get(post.id, set())
    return True
