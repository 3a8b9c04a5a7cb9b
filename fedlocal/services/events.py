"""Events: publishing, RSVPs (Join/Leave), the organiser's decisions, capacity, cancellation.

Join modes (as Mobilizon): `free` — a Join is accepted at once while places remain;
`restricted` — the organiser accepts or rejects each one; `external` — participation
happens elsewhere (`external_url`), Joins are rejected. The participant count and the
remaining places travel to followers and participants as `Update`s of the event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncConnection

from ..formatting import description_html, normalise_hashtag
from ..models import JOIN_MODES, Actor, EventDetails, Participation, Place, Post, Visibility
from ..store import actors as actor_store
from ..store import notifications as notification_store
from ..store import participations as participation_store
from ..store import posts as post_store
from ..store.clock import utcnow
from . import blocks, media, outgoing
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .places import resolve_place
from .publishing import Draft, publish

TITLE_MAX = 120
MAX_CAPACITY = 100_000
# An event carries one picture, its poster (Mobilizon's `image`).
MAX_POSTERS = 1
MAX_DURATION = timedelta(days=31)
# An event starts from now (a few minutes' grace for a form filled in slowly) up to two
# years ahead: a date in the past or in year 9999 is a typing mistake, and it would travel
# to every follower and into every calendar.
START_GRACE = timedelta(minutes=15)
MAX_AHEAD = timedelta(days=2 * 366)
EVENT_VISIBILITIES = ("public", "unlisted", "followers", "local")
# A venue's point is public: kept to about a metre (an offer's is rounded to ~100 m).
VENUE_DECIMALS = 5


@dataclass(frozen=True)
class EventInput:
    """What an organiser fills in to publish an event."""

    title: str
    starts_at: datetime
    ends_at: datetime | None = None
    timezone: str | None = None
    description: str = ""
    category: str | None = None
    venue: str | None = None
    street: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    region: str | None = None
    country: str | None = None
    quarter: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    join_mode: str = "free"
    capacity: int | None = None
    external_url: str | None = None
    visibility: str = "public"
    language: str | None = None
    # The organiser's upload shown as the event's poster (one at most).
    media_ids: tuple[int, ...] = ()


def validate_event(ctx: ServiceContext, data: EventInput) -> EventInput:
    """The input, normalised, or InvalidInput naming the first wrong field."""
    title = " ".join(data.title.split())
    if not title:
        raise InvalidInput("a title is required", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput("a title has at most %(max)s characters", max=TITLE_MAX, field="title")
    _check_dates(data.starts_at, data.ends_at)
    timezone = data.timezone or ctx.config.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "unknown time zone '%(zone)s'", zone=timezone, field="timezone"
        ) from None
    if data.join_mode not in JOIN_MODES:
        raise InvalidInput(
            "join mode is one of %(choices)s", choices=", ".join(JOIN_MODES), field="join_mode"
        )
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        raise InvalidInput("the capacity is a positive number of places", field="capacity")
    external = (data.external_url or "").strip() or None
    if data.join_mode == "external" and not external:
        raise InvalidInput("external participation needs its URL", field="external_url")
    if external and not external.startswith(("https://", "http://")):
        raise InvalidInput("the participation link must be an http(s) URL", field="external_url")
    if data.category is not None and data.category not in ctx.categories:
        raise InvalidInput(
            "unknown category '%(category)s'", category=data.category, field="category"
        )
    description = data.description.strip()
    if len(description) > ctx.config.post_max_characters:
        raise InvalidInput(
            "a description has at most %(max)s characters",
            max=ctx.config.post_max_characters,
            field="description",
        )
    if data.visibility not in EVENT_VISIBILITIES:
        raise InvalidInput(
            "visibility must be one of %(choices)s",
            choices=", ".join(EVENT_VISIBILITIES),
            field="visibility",
        )
    for name in ("venue", "street", "postal_code", "locality", "region", "country"):
        value = getattr(data, name)
        if value is not None and len(value) > 200:
            raise InvalidInput("at most 200 characters", field=name)
    return replace(
        data, title=title, timezone=timezone, description=description, external_url=external
    )


def _check_dates(starts_at: datetime, ends_at: datetime | None) -> None:
    """InvalidInput naming the wrong date: aware, from now to two years ahead, ending
    after it starts and within 31 days."""
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("dates need a time zone", field=name)
    now = utcnow()
    if starts_at < now - START_GRACE:
        raise InvalidInput("the event cannot start in the past", field="starts_at")
    if starts_at > now + MAX_AHEAD:
        raise InvalidInput("the event must start within the next two years", field="starts_at")
    if ends_at is not None:
        if ends_at <= starts_at:
            raise InvalidInput("the event must end after it starts", field="ends_at")
        if ends_at - starts_at > MAX_DURATION:
            raise InvalidInput("an event lasts at most 31 days", field="ends_at")


def _event_place(ctx: ServiceContext, data: EventInput) -> Place:
    # An event's venue is public by nature: its address is kept as given, and its point on
    # the map is the venue's own when the organiser gives it (to about a metre), not the
    # quarter's. Without one, the quarter named, else the one the locality names.
    quarter = data.quarter
    if quarter is None and data.latitude is None:
        known = ctx.config.find_quarter(data.locality or "")
        quarter = known.name if known else None
    area = resolve_place(ctx, quarter=quarter, latitude=data.latitude, longitude=data.longitude)
    latitude, longitude = area.latitude, area.longitude
    if data.latitude is not None and data.longitude is not None:
        latitude = round(data.latitude, VENUE_DECIMALS)
        longitude = round(data.longitude, VENUE_DECIMALS)
    return Place(
        name=(data.venue or "").strip() or area.name,
        latitude=latitude,
        longitude=longitude,
        street=(data.street or "").strip() or None,
        postal_code=(data.postal_code or "").strip() or None,
        locality=(data.locality or "").strip() or None,
        region=(data.region or "").strip() or None,
        country=(data.country or "").strip() or None,
    )


async def publish_event(ctx: ServiceContext, organiser: Actor, data: EventInput) -> Post:
    """Publish an event organised by `organiser`."""
    if not organiser.is_local or organiser.role == "instance":
        raise Forbidden("only residents and groups organise events here")
    data = validate_event(ctx, data)
    details = EventDetails(
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        timezone=data.timezone or ctx.config.timezone,
        status="confirmed",
        join_mode=data.join_mode,
        capacity=data.capacity,
        participant_count=0,
        external_url=data.external_url,
    )
    category = ctx.categories.get(data.category)
    described = description_html(data.description or "", ctx.urls)
    hashtags = [
        "evenement",
        *([normalise_hashtag(category.hashtag)] if category else []),
        *described.hashtags,
    ]
    if len(data.media_ids) > MAX_POSTERS:
        raise InvalidInput("an event has one poster", field="media_ids")
    async with ctx.db.write() as conn:
        attachments = await media.attachments_for(ctx, conn, organiser, data.media_ids)
        draft = Draft(
            type="Event",
            kind="event",
            # validate_event allows only the visibilities events take.
            visibility=cast(Visibility, data.visibility),
            name=data.title,
            content=described.html,
            source=data.description,
            language=data.language or ctx.config.default_language,
            category=data.category,
            place=_event_place(ctx, data),
            event=details,
            hashtags=tuple(dict.fromkeys(hashtags)),
            attachments=attachments,
        )
        post = await publish(ctx, conn, organiser, draft)
    ctx.outbox.wake()
    return post


async def _event(conn: AsyncConnection, event_uri: str) -> Post:
    post = await post_store.get_post_by_uri(conn, event_uri)
    if post is None or post.is_deleted or post.kind != "event" or post.event is None:
        raise NotFound("no such event")
    return post


def _refusal(post: Post) -> str | None:
    """Why nobody can join this event now, or None."""
    event = post.event
    assert event is not None
    if event.status == "cancelled":
        return "this event is cancelled"
    if event.join_mode == "external":
        return "participation for this event happens on its own site"
    if event.is_full:
        return "this event is full"
    return None


async def _recount(ctx: ServiceContext, conn: AsyncConnection, post: Post) -> Post:
    """Store the accepted participants' count and tell followers and participants."""
    assert post.event is not None
    count = await participation_store.count_accepted(conn, post.id)
    if count == post.event.participant_count:
        return post
    updated = await post_store.update_post(
        conn, post.id, event=replace(post.event, participant_count=count), edited_at=utcnow()
    )
    organiser = await actor_store.get_actor(conn, post.actor_id)
    assert organiser is not None
    await ctx.outbox.send(conn, outgoing.PostUpdated(organiser, updated))
    return updated


async def join_event(
    ctx: ServiceContext, actor: Actor, event_uri: str, message: str | None = None
) -> Participation:
    """`actor` (one of ours) RSVPs. Our own events decide at once; for a remote event a
    `Join` goes to its organiser and the participation stays pending until they answer."""
    if actor.role != "resident":
        raise Forbidden("only residents take part in events")
    message = (message or "").strip()[:1000] or None
    async with ctx.db.write() as conn:
        post = await _event(conn, event_uri)
        organiser = await actor_store.get_actor(conn, post.actor_id)
        assert organiser is not None
        await blocks.refuse_if_blocked(conn, actor, organiser)
        existing = await participation_store.get(conn, post.id, actor.id)
        if existing is not None and existing.state in ("pending", "accepted"):
            return existing
        refusal = _refusal(post)
        if refusal:
            raise Conflict(refusal, field="event")
        join_uri = f"{actor.uri}#join/{uuid.uuid4()}"
        if post.is_local:
            state = "accepted" if post.event.join_mode == "free" else "pending"  # type: ignore[union-attr]
            participation = await participation_store.upsert(
                conn,
                event_id=post.id,
                actor_id=actor.id,
                join_uri=join_uri,
                state=state,
                message=message,
            )
            await notification_store.add(
                conn, recipient_id=post.actor_id, type="rsvp", actor_id=actor.id, post_id=post.id
            )
            await _recount(ctx, conn, post)
        else:
            participation = await participation_store.upsert(
                conn,
                event_id=post.id,
                actor_id=actor.id,
                join_uri=join_uri,
                state="pending",
                message=message,
            )
            await ctx.outbox.send(conn, outgoing.Joined(actor, post, organiser, participation))
    ctx.outbox.wake()
    return participation


async def leave_event(ctx: ServiceContext, actor: Actor, event_uri: str) -> None:
    """Withdraw an RSVP."""
    async with ctx.db.write() as conn:
        post = await _event(conn, event_uri)
        participation = await participation_store.get(conn, post.id, actor.id)
        if participation is None:
            raise Conflict("you are not taking part in this event")
        if post.is_local and post.actor_id == actor.id:
            raise InvalidInput("the organiser cannot leave their own event")
        await participation_store.remove(conn, participation.id)
        if post.is_local:
            await _recount(ctx, conn, post)
        else:
            organiser = await actor_store.get_actor(conn, post.actor_id)
            assert organiser is not None
            await ctx.outbox.send(conn, outgoing.Left(actor, post, organiser))
    ctx.outbox.wake()


async def decide(
    ctx: ServiceContext, organiser: Actor, participation_id: int, accept: bool
) -> Participation:
    """The organiser of a restricted event accepts or rejects a pending participation."""
    async with ctx.db.write() as conn:
        participation = await participation_store.get_by_id(conn, participation_id)
        if participation is None:
            raise NotFound("no such participation")
        post = await post_store.get_post(conn, participation.event_id)
        if post is None or post.actor_id != organiser.id or not post.is_local:
            raise Forbidden("only the organiser decides")
        if participation.state != "pending":
            raise Conflict("this participation is already %(state)s", state=participation.state)
        assert post.event is not None
        if accept and post.event.is_full:
            raise Conflict("this event is full", field="capacity")
        participant = await actor_store.get_actor(conn, participation.actor_id)
        assert participant is not None
        await _settle(ctx, conn, post, participant, participation, accept)
    ctx.outbox.wake()
    return replace(participation, state="accepted" if accept else "rejected")


async def _settle(
    ctx: ServiceContext,
    conn: AsyncConnection,
    post: Post,
    participant: Actor,
    participation: Participation,
    accept: bool,
) -> None:
    organiser = await actor_store.get_actor(conn, post.actor_id)
    assert organiser is not None
    await participation_store.set_state(
        conn, participation.id, "accepted" if accept else "rejected"
    )
    if not participant.is_local:
        if accept:
            await ctx.outbox.send(
                conn, outgoing.JoinAccepted(organiser, participant, post, participation)
            )
        else:
            await ctx.outbox.send(
                conn, outgoing.JoinRejected(organiser, participant, post, participation)
            )
    if accept:
        await _recount(ctx, conn, post)


async def cancel_event(ctx: ServiceContext, organiser: Actor, post_id: int) -> Post:
    """Cancel an event; followers and participants get the `Update`."""
    async with ctx.db.write() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or post.is_deleted or post.kind != "event" or not post.is_local:
            raise NotFound("no such event")
        if post.actor_id != organiser.id:
            raise Forbidden("only the organiser can cancel this event")
        assert post.event is not None
        if post.event.status == "cancelled":
            raise Conflict("this event is already cancelled")
        updated = await post_store.update_post(
            conn, post.id, event=replace(post.event, status="cancelled"), edited_at=utcnow()
        )
        await ctx.outbox.send(conn, outgoing.PostUpdated(organiser, updated))
    ctx.outbox.wake()
    return updated


# Inbound: called by the inbox handlers inside their transaction.


async def receive_join(
    ctx: ServiceContext,
    conn: AsyncConnection,
    participant: Actor,
    event_uri: str,
    join_uri: str,
    message: str | None,
) -> str:
    """A remote person RSVPs to one of our events. Returns the outcome: accepted,
    pending or rejected (a rejection stores nothing and answers with a `Reject`)."""
    post = await post_store.get_post_by_uri(conn, event_uri)
    if post is None or not post.is_local or post.is_deleted or post.event is None:
        return "ignored"
    existing = await participation_store.get(conn, post.id, participant.id)
    if existing is not None and existing.state in ("pending", "accepted"):
        if existing.state == "accepted":
            # A repeated Join (a retry, a second device): confirm again, count once. The
            # Accept names the Join it answers, or the sender cannot match it.
            organiser = await actor_store.get_actor(conn, post.actor_id)
            assert organiser is not None
            answered = replace(existing, join_uri=join_uri)
            await ctx.outbox.send(
                conn, outgoing.JoinAccepted(organiser, participant, post, answered)
            )
        return existing.state
    refusal = _refusal(post)
    if refusal is None and await blocks.blocked_by_id(conn, participant, post.actor_id):
        refusal = "blocked"
    if refusal is not None:
        organiser = await actor_store.get_actor(conn, post.actor_id)
        assert organiser is not None
        rejected = Participation(
            0, post.id, participant.id, "rejected", join_uri, message, utcnow()
        )
        await ctx.outbox.send(conn, outgoing.JoinRejected(organiser, participant, post, rejected))
        return "rejected"
    participation = await participation_store.upsert(
        conn,
        event_id=post.id,
        actor_id=participant.id,
        join_uri=join_uri,
        state="pending",
        message=(message or "")[:1000] or None,
    )
    await notification_store.add(
        conn, recipient_id=post.actor_id, type="rsvp", actor_id=participant.id, post_id=post.id
    )
    assert post.event is not None
    if post.event.join_mode == "free":
        await _settle(ctx, conn, post, participant, participation, True)
        return "accepted"
    return "pending"


async def receive_leave(
    ctx: ServiceContext, conn: AsyncConnection, participant: Actor, event_uri: str
) -> bool:
    post = await post_store.get_post_by_uri(conn, event_uri)
    if post is None or not post.is_local or post.event is None:
        return False
    participation = await participation_store.get(conn, post.id, participant.id)
    if participation is None:
        return False
    await participation_store.remove(conn, participation.id)
    await _recount(ctx, conn, post)
    return True


async def receive_join_decision(
    conn: AsyncConnection, organiser: Actor, join_uri: str, accepted: bool
) -> bool:
    """The organiser of a remote event answered one of our residents' Join."""
    participation = await participation_store.get_by_join_uri(conn, join_uri)
    if participation is None:
        return False
    post = await post_store.get_post(conn, participation.event_id)
    if post is None or post.actor_id != organiser.id:
        return False
    await participation_store.set_state(
        conn, participation.id, "accepted" if accepted else "rejected"
    )
    await notification_store.add(
        conn,
        recipient_id=participation.actor_id,
        type="rsvp_accepted" if accepted else "rsvp_rejected",
        actor_id=organiser.id,
        post_id=post.id,
    )
    return True
