"""What a streaming client has not seen yet: new statuses of its streams, new
notifications, and deletions of statuses it was sent.

Read from the database on each wake-up (a commit in this process, or a periodic poll),
so posts stored by a worker in another process reach the stream too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.paging import PageQuery
from ..models import Actor
from ..store import notification_pages
from ..store import threads as thread_store
from ..store import timelines as timeline_store
from . import messages, views
from .context import ServiceContext
from .limits import hidden_authors
from .messages import ConversationView
from .views import NotificationView, PostView

USER_STREAMS = ("user", "user:notification")
PUBLIC_STREAMS = ("public", "public:local", "public:remote")
STREAMS = (*USER_STREAMS, "direct", *PUBLIC_STREAMS)
# Where a thread's new message is told as a `conversation` event: Mastodon's `direct`
# stream, and the user stream too (some apps open that one only).
CONVERSATION_STREAMS = ("direct", "user")
BATCH = 40
REMEMBERED = 500


@dataclass(frozen=True)
class StreamEvent:
    stream: str
    event: str  # update | notification | delete | conversation
    status: PostView | None = None
    notification: NotificationView | None = None
    deleted_id: int | None = None
    conversation: ConversationView | None = None


class StreamReader:
    """One client's position in the streams it follows."""

    def __init__(self, ctx: ServiceContext, viewer: Actor):
        self.ctx = ctx
        self.viewer = viewer
        self._post_cursor: dict[str, int] = {}
        self._notification_cursor = 0
        self._message_cursor = 0
        self._sent: deque[tuple[str, int]] = deque(maxlen=REMEMBERED)

    async def start(self, streams: Iterable[str]) -> None:
        """Start from now: only what happens from here on is sent."""
        async with self.ctx.db.read() as conn:
            newest = await timeline_store.newest_post_id(conn)
            self._notification_cursor = await notification_pages.newest_id(conn, self.viewer.id)
            self._message_cursor = await thread_store.newest_filed_id(conn)
        for stream in streams:
            self._post_cursor.setdefault(stream, newest)

    async def add(self, stream: str) -> None:
        if stream not in self._post_cursor:
            await self.start([stream])

    def remove(self, stream: str) -> None:
        self._post_cursor.pop(stream, None)

    @property
    def streams(self) -> list[str]:
        return list(self._post_cursor)

    async def poll(self) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        hidden = await hidden_authors(self.ctx, self.viewer)
        async with self.ctx.db.read() as conn:
            for stream, cursor in list(self._post_cursor.items()):
                if stream in ("user:notification", "direct"):
                    continue
                page = PageQuery(min_id=cursor, limit=BATCH)
                if stream == "user":
                    found = await timeline_store.home(conn, self.viewer.id, page)
                else:
                    found = await timeline_store.public(
                        conn,
                        page,
                        local=stream == "public:local",
                        remote=stream == "public:remote",
                        hidden_authors=hidden,
                    )
                if not found:
                    continue
                self._post_cursor[stream] = max(p.id for p in found)
                for view in reversed(await views.posts(conn, self.viewer, found)):
                    events.append(StreamEvent(stream, "update", status=view))
                    self._sent.append((stream, view.post.id))
            if any(s in self._post_cursor for s in USER_STREAMS):
                found_notifications = await notification_pages.page_for(
                    conn, self.viewer.id, PageQuery(min_id=self._notification_cursor, limit=BATCH)
                )
                if found_notifications:
                    self._notification_cursor = max(n.id for n in found_notifications)
                    shown = await views.notifications(conn, self.viewer, found_notifications)
                    stream = "user" if "user" in self._post_cursor else "user:notification"
                    events.extend(
                        StreamEvent(stream, "notification", notification=n) for n in reversed(shown)
                    )
            events.extend(await self._conversations(conn))
            sent_ids = list({post_id for _s, post_id in self._sent})
            gone = set(await timeline_store.deleted_among(conn, sent_ids))
        if gone:
            for stream, post_id in list(self._sent):
                if post_id in gone and stream in self._post_cursor:
                    events.append(StreamEvent(stream, "delete", deleted_id=post_id))
            self._sent = deque(
                (item for item in self._sent if item[1] not in gone), maxlen=REMEMBERED
            )
        return events

    async def _conversations(self, conn: AsyncConnection) -> list[StreamEvent]:
        """A `conversation` event for each thread of the viewer's with a new message."""
        streams = [s for s in CONVERSATION_STREAMS if s in self._post_cursor]
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
