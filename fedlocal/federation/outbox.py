"""The outbox: renders activities (to_as) and queues them for delivery.

Implements `fedlocal.services.ports.Outbox`: one entry, `send(conn, news)`, inside the
caller's write transaction, so a change and the activity telling others about it commit
together. `_delivery` is the table of what each piece of news becomes and who gets it.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from activitypub.addressing import PUBLIC
from activitypub.jsonutil import dumps_compact

from ..config import Config
from ..models import Actor, Announce, Post
from ..services.outgoing import (
    AccountDeleted,
    Blocked,
    BlockUndone,
    Boosted,
    BoostUndone,
    CommitmentAnswered,
    CommitmentOffered,
    CommitmentWithdrawn,
    FollowAccepted,
    FollowRejected,
    FollowSent,
    FollowUndone,
    GroupPassedOn,
    GroupRemoved,
    GroupShared,
    InterestOffered,
    JoinAccepted,
    Joined,
    JoinRejected,
    Left,
    Liked,
    LikeUndone,
    Moved,
    News,
    OfferAccepted,
    PostCreated,
    PostDeleted,
    PostPinned,
    PostUnpinned,
    PostUpdated,
    ProfileUpdated,
    PurchaseTotalChanged,
    ReportForwarded,
    RideBooked,
    RideBookingAnswered,
    RideBookingWithdrawn,
)
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import group_purchases as purchase_store
from ..store import interests as interest_store
from ..store import outbox as outbox_store
from ..store import participations as participation_store
from ..store.clock import utcnow
from ..urls import Urls
from . import to_as


@dataclass(frozen=True)
class Delivery:
    """An activity and who receives it: the sender's followers, other actors' followers
    (`followers_of`: the community, groups, our instance actor for neighbours) and
    particular inboxes."""

    sender: Actor
    activity: dict[str, Any]
    followers: bool = False
    followers_of: Sequence[int] = ()
    inboxes: Sequence[str | None] = ()


class FederationOutbox:
    """Implements `fedlocal.services.ports.Outbox`: `send` renders a piece of news
    (`services.outgoing`) and queues it for its audience, in the caller's transaction."""

    def __init__(self, config: Config, urls: Urls):
        self.config = config
        self.urls = urls
        self.categories = config.category_set()
        self.work_available = asyncio.Event()
        # Set by `start_federation`: tells the delivery workers of other processes.
        self.tell_others: Callable[[], None] | None = None

    def wake(self) -> None:
        """New deliveries are committed: the delivery worker here, and those of other
        processes on the database (PostgreSQL), look now rather than at their next poll."""
        self.work_available.set()
        if self.tell_others is not None:
            self.tell_others()

    def render_options(self) -> dict[str, Any]:
        """How our objects are rendered: the instance's categories and language (served
        documents and delivered activities must agree)."""
        return {"categories": self.categories, "language": self.config.default_language}

    async def send(self, conn: AsyncConnection, news: News) -> None:
        about = _post_of(news)
        if about is not None and about.is_local_only:
            return  # local-only posts, and news of them, never leave this instance
        if isinstance(news, PurchaseTotalChanged):
            await self._send_total(conn, news.organiser, news.post)
            return
        await self._enqueue(conn, await self._delivery(conn, news))

    async def _send_total(self, conn: AsyncConnection, organiser: Actor, post: Post) -> None:
        """A group purchase's `Update` with its current total, to the audience of any of
        its Updates and its remote committers. At most one waits per purchase: while the
        previous Update of the purchase has not started its fan-out (nothing of it sent),
        it is rewritten with the newer document instead of queuing another, so a burst of
        commitments costs one delivery per inbox, not one per commitment."""
        options = self.render_options()
        options.update(await _kind_options(conn, post))
        document = to_as.object_document(post, organiser, self.urls, **options)
        prefix = f"{document['id']}#updates/"
        waiting = await outbox_store.waiting_in_series(conn, prefix)
        moment = await _next_moment(conn, prefix, utcnow(), waiting.uri if waiting else None)
        activity = to_as.update(document, organiser, moment)
        committers = tuple(
            neighbour.uri
            for _c, neighbour in await purchase_store.list_commitments(conn, post.id)
            if not neighbour.is_local
        )
        delivery = Delivery(
            organiser,
            activity,
            followers=post.visibility != "direct",
            followers_of=await self._shared_audience(conn, organiser, post),
            inboxes=await self._involved_inboxes(conn, post, committers),
        )
        if (
            waiting is not None
            and _same_audience(waiting, delivery)
            and await outbox_store.rewrite_waiting(
                conn,
                waiting.id,
                uri=activity["id"],
                body=dumps_compact(activity).decode(),
            )
        ):
            return
        await self._enqueue(conn, delivery)

    async def _delivery(self, conn: AsyncConnection, news: News) -> Delivery:
        """The activity telling `news`, and its audience: the one table of who receives
        what."""
        options = self.render_options()
        match news:
            case PostCreated(author, post):
                options.update(await _kind_options(conn, post))
                return Delivery(
                    author,
                    to_as.create(post, author, self.urls, **options),
                    followers=post.visibility != "direct",
                    inboxes=await self._inboxes_of(conn, post.recipients),
                )
            case PostUpdated(author, post, also_to, step):
                options.update(await _kind_options(conn, post))
                document = to_as.object_document(post, author, self.urls, **options)
                moment = await _next_moment(
                    conn, f"{document['id']}#updates/", post.edited_at or utcnow()
                )
                return Delivery(
                    author,
                    to_as.update(document, author, moment, step=step),
                    followers=post.visibility != "direct",
                    followers_of=await self._shared_audience(conn, author, post),
                    inboxes=await self._involved_inboxes(conn, post, also_to),
                )
            case PostDeleted(author, post):
                return Delivery(
                    author,
                    to_as.delete(post, author),
                    followers=post.visibility != "direct",
                    followers_of=await self._shared_audience(conn, author, post),
                    inboxes=await self._involved_inboxes(conn, post),
                )
            case PostPinned(author, post):
                return Delivery(
                    author,
                    to_as.add_pin(author, post),
                    followers=True,
                    followers_of=await self._pin_audience(conn, author),
                )
            case PostUnpinned(author, post):
                return Delivery(
                    author,
                    to_as.remove_pin(author, post),
                    followers=True,
                    followers_of=await self._pin_audience(conn, author),
                )
            case ProfileUpdated(actor):
                keys = await actor_store.keys_of(conn, actor.id)
                document = to_as.actor_document(actor, keys, self.urls)
                return Delivery(actor, to_as.update_actor(document, utcnow()), followers=True)
            case AccountDeleted(actor, inboxes):
                return Delivery(actor, to_as.delete_actor(actor), inboxes=inboxes)
            case Moved(actor, target_uri):
                return Delivery(actor, to_as.move(actor, target_uri, utcnow()), followers=True)
            case FollowSent(follower, followed, follow):
                return _to(follower, to_as.follow(follower, followed, follow), followed)
            case FollowUndone(follower, followed, follow):
                return _to(follower, to_as.undo_follow(follower, followed, follow), followed)
            case FollowAccepted(followed, follower, follow):
                return _to(followed, to_as.accept_follow(followed, follower, follow), follower)
            case FollowRejected(followed, follower, follow):
                return _to(followed, to_as.reject_follow(followed, follower, follow), follower)
            case Boosted(announcer, post, announce):
                author = await self._author(conn, post)
                # The community's Announces also go to linked neighbours (our instance
                # actor's followers): that is what a neighbour link is.
                neighbours = (
                    await self._announce_audience(conn) if announcer.role == "community" else []
                )
                return Delivery(
                    announcer,
                    to_as.announce(announcer, post, author, announce),
                    followers=True,
                    followers_of=neighbours,
                    inboxes=[] if author.is_local else [author.delivery_inbox],
                )
            case BoostUndone(announcer, post, announce):
                author = await self._author(conn, post)
                return Delivery(
                    announcer,
                    to_as.undo_announce(announcer, post, author, announce),
                    followers=True,
                    inboxes=[] if author.is_local else [author.delivery_inbox],
                )
            case GroupShared(group, post, announce, inner):
                return await self._group_share(conn, group, post, announce, inner)
            case GroupPassedOn(group, activity, announce_id):
                wrapper = _group_announce(group, activity, announce_id)
                return Delivery(group, wrapper, followers=True)
            case GroupRemoved(group, moderator, post_uri):
                removal = {
                    "id": f"{group.uri}#removals/{uuid.uuid4()}",
                    "type": "Delete",
                    "actor": moderator.uri,
                    "object": post_uri,
                }
                wrapper = _group_announce(group, removal, f"{removal['id']}/announce")
                return Delivery(group, wrapper, followers=True)
            case Liked(liker, post, author, like_uri):
                return _to(liker, to_as.like(liker, post, author, like_uri), author)
            case LikeUndone(liker, post, author, like_uri):
                return _to(liker, to_as.undo_like(liker, post, author, like_uri), author)
            case Joined(actor, event, organiser, participation):
                join = to_as.join(
                    actor, event.uri, organiser.uri, participation.join_uri, participation.message
                )
                return _to(actor, join, organiser)
            case Left(actor, event, organiser):
                return _to(actor, to_as.leave(actor, event.uri, organiser.uri), organiser)
            case JoinAccepted(organiser, participant, event, participation):
                accept = to_as.accept_join(
                    organiser, participant.uri, event.uri, participation.join_uri
                )
                return _to(organiser, accept, participant)
            case JoinRejected(organiser, participant, event, participation):
                reject = to_as.reject_join(
                    organiser, participant.uri, event.uri, participation.join_uri
                )
                return _to(organiser, reject, participant)
            case InterestOffered(actor, listing, author, offer_uri):
                offer = to_as.offer_agreement(actor, listing.uri, author.uri, offer_uri)
                return _to(actor, offer, author)
            case OfferAccepted(author, listing, interested, offer_uri):
                agreement_uri = f"{listing.uri}#agreements/{interested.id}"
                accept = to_as.accept_offer(
                    author, offer_uri, interested.uri, agreement_uri, listing.uri
                )
                return _to(author, accept, interested)
            case RideBooked(passenger, ride, driver, booking):
                return _to(passenger, to_as.book_seats(passenger, ride, driver, booking), driver)
            case RideBookingWithdrawn(passenger, ride, driver, booking):
                undo = to_as.withdraw_booking(passenger, ride, driver, booking)
                return _to(passenger, undo, driver)
            case RideBookingAnswered(driver, ride, passenger, offer_uri, booking, reason):
                if booking is not None and booking.state == "accepted":
                    answer = to_as.accept_booking(driver, ride, passenger.uri, booking)
                else:
                    answer = to_as.reject_booking(
                        driver, ride.uri, passenger.uri, offer_uri, reason
                    )
                return _to(driver, answer, passenger)
            case CommitmentAnswered(organiser, neighbour, purchase, offer_uri, unit, milli, why):
                answer = (
                    to_as.reject_commitment(organiser, neighbour.uri, offer_uri, why)
                    if why is not None
                    else to_as.accept_commitment(
                        organiser, neighbour.uri, offer_uri, purchase.uri, unit, milli
                    )
                )
                return _to(organiser, answer, neighbour)
            case CommitmentOffered(neighbour, purchase, organiser, unit, milli, offer_uri, at):
                offer = to_as.offer_commitment(
                    neighbour, organiser.uri, purchase.uri, offer_uri, unit, milli, at
                )
                return _to(neighbour, offer, organiser)
            case CommitmentWithdrawn(neighbour, purchase, organiser, unit, milli, offer_uri, at):
                undo = to_as.withdraw_commitment(
                    neighbour, organiser.uri, purchase.uri, offer_uri, unit, milli, at
                )
                return _to(neighbour, undo, organiser)
            case Blocked(blocker, target, block):
                return _to(blocker, to_as.block(blocker, target, block), target)
            case BlockUndone(blocker, target, block):
                return _to(blocker, to_as.undo_block(blocker, target, block), target)
            case ReportForwarded(instance, target, report_uri, post_uris, comment):
                # To the account's own inbox, as Mastodon sends it.
                flag = to_as.flag(instance.uri, report_uri, target.uri, post_uris, comment)
                return _to(instance, flag, target)
        raise TypeError(f"no delivery for {type(news).__name__}")

    async def _group_share(
        self,
        conn: AsyncConnection,
        group: Actor,
        post: Post,
        announce: Announce,
        inner: dict[str, Any] | None,
    ) -> Delivery:
        """A group redistributes a member's post in both forms of FEP-1b12 practice: the
        bare object id (what Mastodon renders as a boost) and the member's activity itself
        (what group-aware peers read); receivers deduplicate by object id. The bare one is
        queued here, the wrapped one returned."""
        author = await self._author(conn, post)
        bare = to_as.announce(group, post, author, announce)
        await self._enqueue(conn, Delivery(group, bare, followers=True))
        if inner is None:  # one of our residents' posts: its Create, as we sent it
            inner = to_as.create(post, author, self.urls, **self.render_options())
        wrapped = {
            **bare,
            "@context": _context_of(inner),
            "id": f"{announce.uri}/activity",
            "object": _without_context(inner),
        }
        return Delivery(group, wrapped, followers=True)

    async def _enqueue(self, conn: AsyncConnection, delivery: Delivery) -> None:
        """Queue a rendered activity: one row, expanded later into one delivery per
        inbox (the store's fan-out)."""
        targets = [inbox for inbox in delivery.inboxes if inbox]
        others = [i for i in delivery.followers_of if i != delivery.sender.id]
        if not delivery.followers and not others and not targets:
            return  # addressed only to our own actors: nothing to deliver
        await outbox_store.enqueue_activity(
            conn,
            uri=delivery.activity["id"],
            actor_id=delivery.sender.id,
            body=dumps_compact(delivery.activity).decode(),
            followers_of=delivery.sender.id if delivery.followers else None,
            extra_followers_of=others,
            inboxes=targets,
        )

    # Audiences

    async def _author(self, conn: AsyncConnection, post: Post) -> Actor:
        author = await actor_store.get_actor(conn, post.actor_id)
        assert author is not None
        return author

    async def _inboxes_of(self, conn: AsyncConnection, uris: Sequence[str]) -> list[str | None]:
        """Delivery inboxes of the remote actors among `uris`."""
        inboxes = []
        for uri in dict.fromkeys(uris):
            actor = await actor_store.get_actor_by_uri(conn, uri)
            if actor is not None and not actor.is_local:
                inboxes.append(actor.delivery_inbox)
        return inboxes

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

    async def _shared_audience(self, conn: AsyncConnection, author: Actor, post: Post) -> list[int]:
        """Whose followers hold the post through an Announce of ours, and so must hear of
        its edits and deletion: the community (and neighbours) for a public resident
        post, and every group of ours that redistributed it."""
        groups_sharing = await announce_store.group_ids_sharing(conn, post.uri)
        community = (
            await self._announce_audience(conn)
            if post.visibility == "public" and author.role == "resident"
            else []
        )
        return [*community, *groups_sharing]

    async def _pin_audience(self, conn: AsyncConnection, author: Actor) -> list[int]:
        """Beyond the author's followers, who hears of an organisation's pin: linked
        neighbours (the community's and instance actor's followers), whose feeds show
        it on top."""
        if author.organization_type is None:
            return []
        return await self._announce_audience(conn)

    async def _announce_audience(self, conn: AsyncConnection) -> list[int]:
        """The community's and the instance actor's followers (neighbours follow the
        instance actor)."""
        ids = []
        for role in ("community", "instance"):
            actor = await actor_store.get_actor_by_role(conn, role)
            if actor is not None:
                ids.append(actor.id)
        return ids


def _to(sender: Actor, activity: dict[str, Any], recipient: Actor) -> Delivery:
    """An activity meant for one actor only (answers, Follow, Like, Join…): to its
    personal inbox, never the shared one, as Mastodon addresses them."""
    return Delivery(sender, activity, inboxes=[recipient.inbox_url])


async def _kind_options(conn: AsyncConnection, post: Post) -> dict[str, Any]:
    """What a kind's object needs beyond the post: a group purchase's terms."""
    if post.kind == "group_purchase":
        found = await purchase_store.get(conn, post.id)
        return {"group_purchase": found} if found is not None else {}
    return {}


async def _next_moment(
    conn: AsyncConnection, prefix: str, moment: datetime, waiting: str | None = None
) -> datetime:
    """When an Update of an object is written: `moment`, unless an Update of the object
    (ids starting with `prefix`; `waiting`, one still queued) was written at that
    millisecond or later. Receivers keep only a strictly newer `updated` (written to the
    millisecond, as the id), and two Updates never share an id."""
    previous = [waiting or "", await outbox_store.recent_in_series(conn, prefix) or ""]
    last = max((m for uri in previous if (m := _millis_of(uri, prefix))), default=None)
    if last is not None and int(moment.timestamp() * 1000) <= last:
        return datetime.fromtimestamp((last + 1) / 1000, tz=UTC)
    return moment


def _millis_of(uri: str, prefix: str) -> int | None:
    """The instant an Update of ours was written, in milliseconds, from its id
    (`…#updates/<ms>`)."""
    tail = uri[len(prefix) :] if uri.startswith(prefix) else ""
    return int(tail) if tail.isdigit() else None


def _same_audience(queued: outbox_store.OutgoingActivity, delivery: Delivery) -> bool:
    """Whether a queued activity reaches everyone `delivery` would (so rewriting its body
    loses no one): the same followers, and every inbox of the new one among its own."""
    followers_of = delivery.sender.id if delivery.followers else None
    others = {i for i in delivery.followers_of if i != delivery.sender.id}
    targets = {inbox for inbox in delivery.inboxes if inbox}
    return (
        queued.followers_of == followers_of
        and set(queued.extra_followers_of) == others
        and targets <= set(queued.inboxes)
    )


def _post_of(news: News) -> Post | None:
    """The post a piece of news is about, if any (its local-only mark decides)."""
    for name in ("post", "event", "listing", "ride"):
        value = getattr(news, name, None)
        if isinstance(value, Post):
            return value
    return None


def _group_announce(
    group: Actor, activity: dict[str, Any], announce_id: str | None
) -> dict[str, Any]:
    """The group's Announce wrapping an activity it passes on to its members."""
    return {
        "@context": _context_of(activity),
        "id": announce_id or f"{group.uri}#announces/{uuid.uuid4()}",
        "type": "Announce",
        "actor": group.uri,
        "to": [PUBLIC],
        "cc": [group.followers_url],
        "object": _without_context(activity),
    }


def _context_of(activity: dict[str, Any]) -> Any:
    """The context of a wrapper around `activity`: the wrapped activity's own (a
    processor reads the embedded object with the wrapper's context, so its terms must be
    defined there), after ActivityStreams' when it does not start with it."""
    context = activity.get("@context")
    if context is None:
        return to_as.AS_CONTEXT
    terms = context if isinstance(context, list) else [context]
    return terms if terms[:1] == [to_as.AS_CONTEXT] else [to_as.AS_CONTEXT, *terms]


def _without_context(activity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in activity.items() if k != "@context"}
