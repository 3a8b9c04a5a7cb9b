"""What services need from the federation layer, as interfaces.

`fedlocal.federation` implements these; `fedlocal.app` (and the CLI) plug the
implementations into the ServiceContext. This keeps the arrows one way: federation calls
services, services only know these protocols.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Announce, Follow, Participation, Post


class Outbox(Protocol):
    """Renders activities and queues them for delivery, inside the caller's transaction,
    so a change and the activity announcing it commit together or not at all."""

    async def create(self, conn: AsyncConnection, author: Actor, post: Post) -> None: ...

    async def update(
        self, conn: AsyncConnection, author: Actor, post: Post, *, also_to: Sequence[str] = ()
    ) -> None:
        """Tell everyone concerned the post changed (status, participants, edits), and
        the actors in `also_to` whom the change took off it (a reservation released)."""

    async def delete(self, conn: AsyncConnection, author: Actor, post: Post) -> None: ...

    async def update_actor(self, conn: AsyncConnection, actor: Actor) -> None:
        """Tell the actor's followers its profile changed."""

    async def follow(
        self, conn: AsyncConnection, follower: Actor, followed: Actor, follow: Follow
    ) -> None: ...

    async def undo_follow(
        self, conn: AsyncConnection, follower: Actor, followed: Actor, follow: Follow
    ) -> None: ...

    async def accept_follow(
        self, conn: AsyncConnection, followed: Actor, follower: Actor, follow: Follow
    ) -> None: ...

    async def reject_follow(
        self, conn: AsyncConnection, followed: Actor, follower: Actor, follow: Follow
    ) -> None: ...

    async def announce(
        self, conn: AsyncConnection, announcer: Actor, post: Post, announce: Announce
    ) -> None: ...

    async def group_announce(
        self,
        conn: AsyncConnection,
        group: Actor,
        post: Post,
        announce: Announce,
        inner: dict | None,
    ) -> None:
        """A group redistributes a member's post to its followers (FEP-1b12)."""

    async def group_delete(
        self, conn: AsyncConnection, group: Actor, moderator: Actor, post_uri: str
    ) -> None:
        """A moderator's removal of a post, announced by the group."""

    async def group_announce_activity(
        self,
        conn: AsyncConnection,
        group: Actor,
        activity: dict,
        announce_id: str | None = None,
    ) -> None:
        """The group passes an activity on to its members (a member's Update or Delete)."""

    async def undo_announce(
        self, conn: AsyncConnection, announcer: Actor, post: Post, announce: Announce
    ) -> None: ...

    async def like(
        self, conn: AsyncConnection, liker: Actor, post: Post, author: Actor, like_uri: str
    ) -> None: ...

    async def undo_like(
        self, conn: AsyncConnection, liker: Actor, post: Post, author: Actor, like_uri: str
    ) -> None: ...

    async def join(
        self,
        conn: AsyncConnection,
        actor: Actor,
        event: Post,
        organiser: Actor,
        participation: Participation,
    ) -> None: ...

    async def leave(
        self, conn: AsyncConnection, actor: Actor, event: Post, organiser: Actor
    ) -> None: ...

    async def accept_join(
        self,
        conn: AsyncConnection,
        organiser: Actor,
        participant: Actor,
        event: Post,
        participation: Participation,
    ) -> None: ...

    async def reject_join(
        self,
        conn: AsyncConnection,
        organiser: Actor,
        participant: Actor,
        event: Post,
        participation: Participation,
    ) -> None: ...

    async def offer_agreement(
        self, conn: AsyncConnection, actor: Actor, listing: Post, author: Actor, offer_uri: str
    ) -> None:
        """FEP-0837: propose an agreement on a marketplace-aware peer's listing."""

    async def accept_offer(
        self, conn: AsyncConnection, author: Actor, listing: Post, interested: Actor, offer_uri: str
    ) -> None:
        """FEP-0837: accept a peer's Offer when the listing is reserved for them."""

    def wake(self) -> None:
        """Tell an in-process delivery worker that new work is committed."""


class Remote(Protocol):
    """Finds and caches remote actors."""

    async def actor(self, uri: str, *, refresh: bool = False) -> Actor: ...

    async def actor_by_handle(self, handle: str) -> Actor: ...

    async def resolve(self, uri: str) -> Actor | Post:
        """What a URL names: a remote actor, or a remote post (kept as if announced to
        us), fetched and stored; RemoteFailure when it is neither."""

    async def instance_actor(self, domain: str) -> Actor:
        """The server-level actor of another instance (for neighbour links)."""
