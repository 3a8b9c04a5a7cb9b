"""What a streaming client has not seen yet: new statuses of its streams, new
notifications, and deletions of statuses it was sent.

Read from the database on each wake-up (a commit in this process, or a periodic poll),
so posts stored by a worker in another process reach the stream too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from ..boundary.paging import PageQuery
from ..models import Actor
from ..store import notification_pages
from ..store import timelines as timeline_store
from . import views
from .context import ServiceContext
from .views import NotificationView, PostView

USER_STREAMS = ("user", "user:notification")
PUBLIC_STREAMS = ("public", "public:local", "public:remote")
STREAMS = USER_STREAMS + PUBLIC_STREAMS
BATCH = 40
REMEMBERED = 500


@dataclass(frozen=True)
class StreamEvent:
    stream: str
    event: str  # update | notification | delete
    status: PostView | None = None
    notification: NotificationView | None = None
    deleted_id: int | None = None


class StreamReader:
    """One client's position in the streams it follows."""

    def __init__(self, ctx: ServiceContext, viewer: Actor):
        self.ctx = ctx
        self.viewer = viewer
        self._post_cursor: dict[str, int] = {}
        self._notification_cursor = 0
        self._sent: deque[tuple[str, int]] = deque(maxlen=REMEMBERED)

    async def start(self, streams: Iterable[str]) -> None:
        """Start from now: only what happens from here on is sent."""
        async with self.ctx.db.read() as conn:
            newest = await timeline_store.newest_post_id(conn)
            self._notification_cursor = await notification_pages.newest_id(conn, self.viewer.id)
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
        async with self.ctx.db.read() as conn:
            for stream, cursor in list(self._post_cursor.items()):
                if stream == "user:notification":
                    continue
                page = PageQuery(min_id=cursor, limit=BATCH)
                if stream == "user":
                    found = await timeline_store.home(conn, self.viewer.id, page)
                else:
                    found = await timeline_store.public(
                        conn, page, local=stream == "public:local", remote=stream == "public:remote"
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
