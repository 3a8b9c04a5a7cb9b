"""The outbox: renders activities (to_as) and queues them for delivery.

Implements `fedlocal.services.ports.Outbox`. Each method runs inside the caller's write
transaction, so a change and the activity telling others about it commit together.

Who receives what:
- a post's Create goes to its author's followers and to the people it addresses;
- an Update or Delete also reaches the community's followers when the community
  announced the post, and the people involved with it (remote participants of an event,
  people who showed interest in an offer, the person it is (or was, until this
  change) reserved for);
- replies to a single person (Accept, Reject, Join, Leave, FEP-0837) go to that person.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from activitypub.addressing import PUBLIC
from activitypub.jsonutil import dumps_compact

from ..categories import Categories
from ..config import Config
from ..models import Actor, Announce, Follow, Participation, Post
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import interests as interest_store
from ..store import outbox as outbox_store
from ..store import participations as participation_store
from ..store.clock import utcnow
from ..urls import Urls
from . import to_as


class FederationOutbox:
    def __init__(self, config: Config, urls: Urls):
        self.config = config
        self.urls = urls
        self.categories = Categories(config.categories)
        self.work_available = asyncio.Event()

    def wake(self) -> None:
        self.work_available.set()

    def render_options(self) -> dict[str, Any]:
        """How our objects are rendered: the instance's categories and language (served
        documents and delivered activities must agree)."""
        return {"categories": self.categories, "language": self.config.default_language}

    async def _enqueue(
        self,
        conn: AsyncConnection,
        actor: Actor,
        activity: dict[str, Any],
        *,
        followers: bool = False,
        extra_followers_of: Sequence[int] = (),
        inboxes: Sequence[str | None] = (),
    ) -> None:
        targets = [inbox for inbox in inboxes if inbox]
        if not followers and not extra_followers_of and not targets:
            return  # addressed only to our own actors: nothing to deliver
        await outbox_store.enqueue_activity(
            conn,
            uri=activity["id"],
            actor_id=actor.id,
            body=dumps_compact(activity).decode(),
            followers_of=actor.id if followers else None,
            extra_followers_of=list(extra_followers_of),
            inboxes=[inbox for inbox in inboxes if inbox],
        )

    async def _inboxes_of(self, conn: AsyncConnection, uris: Sequence[str]) -> list[str | None]:
        """Delivery inboxes of the remote actors among `uris`."""
        inboxes = []
        for uri in dict.fromkeys(uris):
            actor = await actor_store.get_actor_by_uri(conn, uri)
            if actor is not None and not actor.is_local:
                inboxes.append(actor.delivery_inbox)
        return inboxes

    async def _send_to(
        self, conn: AsyncConnection, sender: Actor, activity: dict[str, Any], recipient: Actor
    ) -> None:
        """An activity meant for one actor only (answers, Follow, Like, Join…): to its
        personal inbox, never the shared one, as Mastodon addresses them."""
        await self._enqueue(conn, sender, activity, inboxes=[recipient.inbox_url])

    async def _involved_inboxes(
        self, conn: AsyncConnection, post: Post, also_to: Sequence[str] = ()
    ) -> list[str | None]:
        """Everyone a change to `post` concerns beyond followers."""
        uris = list(post.recipients) + list(also_to)
        if post.kind == "event":
            uris += [a.uri for _p, a in await participation_store.list_for_event(conn, post.id)]
        if post.kind in ("offer", "request"):
            uris += [a.uri for _i, a in await interest_store.list_for_post(conn, post.id)]
            if post.listing and post.listing.reserved_for:
                uris.append(post.listing.reserved_for)
        return await self._inboxes_of(conn, uris)

    async def _community_audience(
        self, conn: AsyncConnection, author: Actor, post: Post
    ) -> list[int]:
        """Who received a public resident post through the community's Announce: the
        community's followers and, through our instance actor, linked neighbours."""
        if post.visibility != "public" or author.role != "resident":
            return []
        return await self._announce_audience(conn)

    async def _shared_audience(self, conn: AsyncConnection, author: Actor, post: Post) -> list[int]:
        """Whose followers hold the post through an Announce of ours, and so must hear of
        its edits and deletion: the community (and neighbours) for a public resident
        post, and every group of ours that redistributed it."""
        groups_sharing = await announce_store.group_ids_sharing(conn, post.uri)
        return [*await self._community_audience(conn, author, post), *groups_sharing]

    async def _announce_audience(self, conn: AsyncConnection) -> list[int]:
        ids = []
        for role in ("community", "instance"):
            actor = await actor_store.get_actor_by_role(conn, role)
            if actor is not None:
                ids.append(actor.id)
        return ids

    async def create(self, conn: AsyncConnection, author: Actor, post: Post) -> None:
        if post.is_local_only:
            return  # local-only posts never leave this instance
        await self._enqueue(
            conn,
            author,
            to_as.create(post, author, self.urls, **self.render_options()),
            followers=post.visibility != "direct",
            inboxes=await self._inboxes_of(conn, post.recipients),
        )

    async def update(
        self, conn: AsyncConnection, author: Actor, post: Post, *, also_to: Sequence[str] = ()
    ) -> None:
        if post.is_local_only:
            return  # local-only posts never leave this instance
        document = to_as.object_document(post, author, self.urls, **self.render_options())
        await self._enqueue(
            conn,
            author,
            to_as.update(document, author, post.edited_at or utcnow()),
            followers=post.visibility != "direct",
            extra_followers_of=await self._shared_audience(conn, author, post),
            inboxes=await self._involved_inboxes(conn, post, also_to),
        )

    async def update_actor(self, conn: AsyncConnection, actor: Actor) -> None:
        """A profile change (display name), to the actor's followers."""
        keys = await actor_store.keys_of(conn, actor.id)
        document = to_as.actor_document(actor, keys, self.urls)
        await self._enqueue(conn, actor, to_as.update_actor(document, utcnow()), followers=True)

    async def delete(self, conn: AsyncConnection, author: Actor, post: Post) -> None:
        if post.is_local_only:
            return  # local-only posts never leave this instance
        await self._enqueue(
            conn,
            author,
            to_as.delete(post, author),
            followers=post.visibility != "direct",
            extra_followers_of=await self._shared_audience(conn, author, post),
            inboxes=await self._involved_inboxes(conn, post),
        )

    async def follow(
        self, conn: AsyncConnection, follower: Actor, followed: Actor, follow: Follow
    ) -> None:
        await self._send_to(conn, follower, to_as.follow(follower, followed, follow), followed)

    async def undo_follow(
        self, conn: AsyncConnection, follower: Actor, followed: Actor, follow: Follow
    ) -> None:
        await self._send_to(conn, follower, to_as.undo_follow(follower, followed, follow), followed)

    async def accept_follow(
        self, conn: AsyncConnection, followed: Actor, follower: Actor, follow: Follow
    ) -> None:
        await self._send_to(
            conn, followed, to_as.accept_follow(followed, follower, follow), follower
        )

    async def reject_follow(
        self, conn: AsyncConnection, followed: Actor, follower: Actor, follow: Follow
    ) -> None:
        await self._send_to(
            conn, followed, to_as.reject_follow(followed, follower, follow), follower
        )

    async def announce(
        self, conn: AsyncConnection, announcer: Actor, post: Post, announce: Announce
    ) -> None:
        if post.is_local_only:
            return
        author = await actor_store.get_actor(conn, post.actor_id)
        assert author is not None
        inboxes = [] if author.is_local else [author.delivery_inbox]
        # The community's Announces also go to linked neighbours (our instance actor's
        # followers): that is what a neighbour link is.
        extra = await self._announce_audience(conn) if announcer.role == "community" else []
        await self._enqueue(
            conn,
            announcer,
            to_as.announce(announcer, post, author, announce),
            followers=True,
            extra_followers_of=[i for i in extra if i != announcer.id],
            inboxes=inboxes,
        )

    async def group_announce(
        self,
        conn: AsyncConnection,
        group: Actor,
        post: Post,
        announce: Announce,
        inner: dict[str, Any] | None,
    ) -> None:
        """A group redistributes a member's post in both forms of FEP-1b12 practice: the
        bare object id (what Mastodon renders as a boost) and the member's activity itself
        (what group-aware peers read); receivers deduplicate by object id."""
        if post.is_local_only:
            return
        author = await actor_store.get_actor(conn, post.actor_id)
        assert author is not None
        bare = to_as.announce(group, post, author, announce)
        await self._enqueue(conn, group, bare, followers=True)
        if inner is None:  # one of our residents' posts: its Create, as we sent it
            inner = to_as.create(post, author, self.urls, **self.render_options())
        wrapped = {**bare, "id": f"{announce.uri}/activity", "object": _without_context(inner)}
        await self._enqueue(conn, group, wrapped, followers=True)

    async def group_delete(
        self, conn: AsyncConnection, group: Actor, moderator: Actor, post_uri: str
    ) -> None:
        """A moderator's removal of a post, announced by the group to its members."""
        removal = {
            "id": f"{group.uri}#removals/{uuid.uuid4()}",
            "type": "Delete",
            "actor": moderator.uri,
            "object": post_uri,
        }
        await self.group_announce_activity(conn, group, removal, f"{removal['id']}/announce")

    async def group_announce_activity(
        self,
        conn: AsyncConnection,
        group: Actor,
        activity: dict[str, Any],
        announce_id: str | None = None,
    ) -> None:
        """The group passes an activity on to its members, wrapped in its Announce (a
        member's Update or Delete of a post the group shared, a moderator's removal)."""
        announce = {
            "@context": to_as.AS_CONTEXT,
            "id": announce_id or f"{group.uri}#announces/{uuid.uuid4()}",
            "type": "Announce",
            "actor": group.uri,
            "to": [PUBLIC],
            "cc": [group.followers_url],
            "object": _without_context(activity),
        }
        await self._enqueue(conn, group, announce, followers=True)

    async def undo_announce(
        self, conn: AsyncConnection, announcer: Actor, post: Post, announce: Announce
    ) -> None:
        """Un-boost: to the announcer's followers and to the post's author."""
        if post.is_local_only:
            return
        author = await actor_store.get_actor(conn, post.actor_id)
        assert author is not None
        await self._enqueue(
            conn,
            announcer,
            to_as.undo_announce(announcer, post, author, announce),
            followers=True,
            inboxes=[] if author.is_local else [author.delivery_inbox],
        )

    async def like(
        self, conn: AsyncConnection, liker: Actor, post: Post, author: Actor, like_uri: str
    ) -> None:
        """A Like goes to the post's author only, as Mastodon sends it."""
        await self._send_to(conn, liker, to_as.like(liker, post, author, like_uri), author)

    async def undo_like(
        self, conn: AsyncConnection, liker: Actor, post: Post, author: Actor, like_uri: str
    ) -> None:
        await self._send_to(conn, liker, to_as.undo_like(liker, post, author, like_uri), author)

    async def join(
        self,
        conn: AsyncConnection,
        actor: Actor,
        event: Post,
        organiser: Actor,
        participation: Participation,
    ) -> None:
        await self._send_to(
            conn,
            actor,
            to_as.join(
                actor, event.uri, organiser.uri, participation.join_uri, participation.message
            ),
            organiser,
        )

    async def leave(
        self, conn: AsyncConnection, actor: Actor, event: Post, organiser: Actor
    ) -> None:
        await self._send_to(conn, actor, to_as.leave(actor, event.uri, organiser.uri), organiser)

    async def accept_join(
        self,
        conn: AsyncConnection,
        organiser: Actor,
        participant: Actor,
        event: Post,
        participation: Participation,
    ) -> None:
        await self._send_to(
            conn,
            organiser,
            to_as.accept_join(organiser, participant.uri, event.uri, participation.join_uri),
            participant,
        )

    async def reject_join(
        self,
        conn: AsyncConnection,
        organiser: Actor,
        participant: Actor,
        event: Post,
        participation: Participation,
    ) -> None:
        await self._send_to(
            conn,
            organiser,
            to_as.reject_join(organiser, participant.uri, event.uri, participation.join_uri),
            participant,
        )

    async def offer_agreement(
        self, conn: AsyncConnection, actor: Actor, listing: Post, author: Actor, offer_uri: str
    ) -> None:
        await self._send_to(
            conn, actor, to_as.offer_agreement(actor, listing.uri, author.uri, offer_uri), author
        )

    async def accept_offer(
        self, conn: AsyncConnection, author: Actor, listing: Post, interested: Actor, offer_uri: str
    ) -> None:
        agreement_uri = f"{listing.uri}#agreements/{interested.id}"
        await self._send_to(
            conn,
            author,
            to_as.accept_offer(author, offer_uri, interested.uri, agreement_uri, listing.uri),
            interested,
        )


def _without_context(activity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in activity.items() if k != "@context"}
