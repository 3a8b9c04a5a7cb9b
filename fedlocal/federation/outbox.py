"""The outbox: renders activities (to_as) and queues them for delivery.

Implements `fedlocal.services.ports.Outbox`. Each method runs inside the caller's write
transaction, so a change and the activity telling others about it commit together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from activitypub.jsonutil import dumps_compact

from ..models import Actor, Announce, Follow, Post
from ..store import actors as actor_store
from ..store import outbox as outbox_store
from ..urls import Urls
from . import to_as


class FederationOutbox:
    def __init__(self, urls: Urls):
        self.urls = urls
        self.work_available = asyncio.Event()

    def wake(self) -> None:
        self.work_available.set()

    async def _enqueue(
        self,
        conn: AsyncConnection,
        actor: Actor,
        activity: dict[str, Any],
        *,
        followers: bool = False,
        inboxes: Sequence[str | None] = (),
    ) -> None:
        await outbox_store.enqueue_activity(
            conn,
            uri=activity["id"],
            actor_id=actor.id,
            body=dumps_compact(activity).decode(),
            followers_of=actor.id if followers else None,
            inboxes=[inbox for inbox in inboxes if inbox],
        )

    async def _recipient_inboxes(self, conn: AsyncConnection, post: Post) -> list[str | None]:
        """Inboxes of remote actors a post addresses directly (mentions, direct messages)."""
        inboxes = []
        for uri in post.data.get("recipients", []):
            actor = await actor_store.get_actor_by_uri(conn, uri)
            if actor is not None and not actor.is_local:
                inboxes.append(actor.delivery_inbox)
        return inboxes

    async def create(self, conn: AsyncConnection, author: Actor, post: Post) -> None:
        await self._enqueue(
            conn,
            author,
            to_as.create(post, author, self.urls),
            followers=post.visibility != "direct",
            inboxes=await self._recipient_inboxes(conn, post),
        )

    async def delete(self, conn: AsyncConnection, author: Actor, post: Post) -> None:
        await self._enqueue(
            conn,
            author,
            to_as.delete(post, author),
            followers=post.visibility != "direct",
            inboxes=await self._recipient_inboxes(conn, post),
        )

    async def follow(
        self, conn: AsyncConnection, follower: Actor, followed: Actor, follow: Follow
    ) -> None:
        await self._enqueue(
            conn, follower, to_as.follow(follower, followed, follow), inboxes=[followed.inbox_url]
        )

    async def undo_follow(
        self, conn: AsyncConnection, follower: Actor, followed: Actor, follow: Follow
    ) -> None:
        await self._enqueue(
            conn,
            follower,
            to_as.undo_follow(follower, followed, follow),
            inboxes=[followed.inbox_url],
        )

    async def accept_follow(
        self, conn: AsyncConnection, followed: Actor, follower: Actor, follow: Follow
    ) -> None:
        await self._enqueue(
            conn,
            followed,
            to_as.accept_follow(followed, follower, follow),
            inboxes=[follower.inbox_url],
        )

    async def reject_follow(
        self, conn: AsyncConnection, followed: Actor, follower: Actor, follow: Follow
    ) -> None:
        await self._enqueue(
            conn,
            followed,
            to_as.reject_follow(followed, follower, follow),
            inboxes=[follower.inbox_url],
        )

    async def announce(
        self, conn: AsyncConnection, announcer: Actor, post: Post, announce: Announce
    ) -> None:
        author = await actor_store.get_actor(conn, post.actor_id)
        assert author is not None
        inboxes = [] if author.is_local else [author.delivery_inbox]
        await self._enqueue(
            conn,
            announcer,
            to_as.announce(announcer, post, author, announce),
            followers=True,
            inboxes=inboxes,
        )
