"""Rides (covoiturage): a driver offers seats from one place to another, once or every
week, or a resident asks for a ride; passengers book seats and the driver answers.

    booking: pending ──accept──▶ accepted
                │  └──decline──▶ declined
                └──(passenger or driver) cancel──▶ cancelled

A pending booking already holds its seats, so the driver is never asked to choose between
two passengers for one seat. Bookings of one ride are counted under a lock of the ride's
row (`ride_bookings.lock_ride`): two passengers racing for the last seat, here or from a
neighbour instance, get one seat and one clear refusal, never two seats.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncConnection

from ..formatting import markdown_to_html
from ..models import Actor, Place, Post, RideBooking, RideDetails, RideRole, Visibility
from ..ride_dates import (
    RideDate,
    departure_on,
    first_day,
    held_on,
    is_a_date_of,
    next_departures,
    seat_dates,
)
from ..store import actors as actor_store
from ..store import notifications as notification_store
from ..store import posts as post_store
from ..store import ride_bookings as booking_store
from ..store.clock import utcnow
from ..store.extras import POST_EXTRAS
from . import blocks, outgoing
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from .publishing import Draft, publish
from .ride_wording import ride_summary

PLACE_MAX = 80
NOTES_MAX = 500
BOOKING_STATES = ("pending", "accepted", "declined", "cancelled")
MAX_SEATS = 8
MAX_CONTRIBUTION_CENTS = 100_00
START_GRACE = timedelta(minutes=15)
MAX_AHEAD = timedelta(days=366)
MAX_TRIP = timedelta(hours=24)
RIDE_VISIBILITIES = ("public", "unlisted", "followers", "local")
_AMOUNT = re.compile(r"^\s*(\d{1,3})(?:[.,](\d{1,2}))?\s*(?:€|eur|euros?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RideInput:
    """What a driver (or a resident looking for a ride) fills in."""

    origin: str
    destination: str
    departs_at: datetime
    seats: int = 1
    role: str = "offer"
    arrives_at: datetime | None = None
    weekly: bool = False
    until: date | None = None
    # As typed: "3", "3,50", "3.50 €"; empty for none.
    contribution: str | None = None
    notes: str = ""
    visibility: str = "public"
    language: str | None = None
    timezone: str | None = None


def parse_contribution(text: str | None) -> int | None:
    """Cents from "3", "3,50", "3.5 €"; None for nothing typed."""
    if text is None or not text.strip():
        return None
    found = _AMOUNT.match(text)
    if found is None:
        raise InvalidInput(
            "the contribution is an amount in euros, such as 3 or 3,50", field="contribution"
        )
    cents = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    if cents > MAX_CONTRIBUTION_CENTS:
        raise InvalidInput("the contribution is at most 100 €", field="contribution")
    return cents


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("unknown time zone '%(zone)s'", zone=name, field="timezone") from None


def _place(ctx: ServiceContext, text: str, field: str) -> Place:
    """A quarter of the gazetteer (with its point) or a place named in free text."""
    name = " ".join(text.split())
    if not name:
        raise InvalidInput("say where the ride goes from and to", field=field)
    if len(name) > PLACE_MAX:
        raise InvalidInput("a place has at most %(max)s characters", max=PLACE_MAX, field=field)
    quarter = ctx.config.find_quarter(name)
    if quarter is not None:
        return Place(name=quarter.name, latitude=quarter.latitude, longitude=quarter.longitude)
    return Place(name=name)


def validate_ride(ctx: ServiceContext, data: RideInput) -> RideDetails:
    """The ride's details, or InvalidInput naming the first wrong field."""
    if data.role not in ("offer", "request"):
        raise InvalidInput("a ride is offered or requested", field="role")
    origin = _place(ctx, data.origin, "origin")
    destination = _place(ctx, data.destination, "destination")
    if (origin.name or "").casefold() == (destination.name or "").casefold():
        raise InvalidInput(
            "the destination is another place than the departure", field="destination"
        )
    zone_name = data.timezone or ctx.config.timezone
    zone = _zone(zone_name)
    for name in ("departs_at", "arrives_at"):
        moment = getattr(data, name)
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("dates need a time zone", field=name)
    now = utcnow()
    if data.departs_at < now - START_GRACE:
        raise InvalidInput("the ride cannot leave in the past", field="departs_at")
    if data.departs_at > now + MAX_AHEAD:
        raise InvalidInput("the ride must leave within the next year", field="departs_at")
    if data.arrives_at is not None:
        if data.arrives_at <= data.departs_at:
            raise InvalidInput("the ride must arrive after it leaves", field="arrives_at")
        if data.arrives_at - data.departs_at > MAX_TRIP:
            raise InvalidInput("a ride lasts at most a day", field="arrives_at")
    if not 1 <= data.seats <= MAX_SEATS:
        raise InvalidInput("seats are between 1 and %(max)s", max=MAX_SEATS, field="seats")
    until = data.until if data.weekly else None
    if until is not None:
        first = data.departs_at.astimezone(zone).date()
        if until < first:
            raise InvalidInput("a weekly ride ends after its first date", field="until")
        if until > first + MAX_AHEAD:
            raise InvalidInput("a weekly ride runs for a year at most", field="until")
    notes = data.notes.strip()
    if len(notes) > NOTES_MAX:
        raise InvalidInput("notes have at most %(max)s characters", max=NOTES_MAX, field="notes")
    if data.visibility not in RIDE_VISIBILITIES:
        raise InvalidInput(
            "visibility must be one of %(choices)s",
            choices=", ".join(RIDE_VISIBILITIES),
            field="visibility",
        )
    return RideDetails(
        role=cast(RideRole, data.role),
        origin=origin,
        destination=destination,
        departs_at=data.departs_at,
        arrives_at=data.arrives_at,
        timezone=zone_name,
        seats=data.seats,
        weekly=data.weekly,
        until=until,
        contribution_cents=parse_contribution(data.contribution),
        notes=notes,
    )


async def publish_ride(ctx: ServiceContext, author: Actor, data: RideInput) -> Post:
    """Publish a ride offered (or asked for) by one of our residents."""
    if author.role != "resident":
        raise Forbidden("only residents offer or ask for rides")
    ride = validate_ride(ctx, data)
    language = data.language or ctx.config.default_language
    content = ride_content(ride, language)
    async with ctx.db.write() as conn:
        draft = Draft(
            kind="ride",
            # validate_ride allows only these visibilities.
            visibility=cast(Visibility, data.visibility),
            name=f"{ride.origin.name} → {ride.destination.name}",
            content=content,
            source=ride.notes,
            language=language,
            category="carpooling" if ctx.categories.get("carpooling") else None,
            place=ride.origin,
            ride=ride,
            hashtags=("covoiturage",),
        )
        post = await publish(ctx, conn, author, draft)
    ctx.outbox.wake()
    return post


def ride_content(ride: RideDetails, language: str) -> str:
    """What every reader sees, Mastodon's too: the ride in one line, then the notes."""
    summary = ride_summary(ride, language)
    escaped = summary.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    content = f"<p>{escaped}</p>"
    if ride.notes:
        content += markdown_to_html(ride.notes)
    return content


# --- dates ---------------------------------------------------------------------------------


async def upcoming_dates(ctx: ServiceContext, post: Post) -> list[RideDate]:
    """The ride's next departures with their seats left."""
    assert post.ride is not None
    async with ctx.db.read() as conn:
        held = await booking_store.seats_held_by_date(conn, post.id)
    # The bookings counted here as well as the ride's own figures: a peer's ride says
    # its server's count, which our residents' newest bookings may not be in yet.
    return seat_dates(post.ride, held)


# --- bookings ------------------------------------------------------------------------------


async def _ride(conn: AsyncConnection, ride_id: int) -> Post:
    post = await post_store.get_post(conn, ride_id)
    if post is None or post.is_deleted or post.kind != "ride" or post.ride is None:
        raise NotFound("no such ride")
    return post


async def get_ride(ctx: ServiceContext, ride_id: int) -> Post:
    async with ctx.db.read() as conn:
        return await _ride(conn, ride_id)


async def book_seats(
    ctx: ServiceContext,
    passenger: Actor,
    ride_id: int,
    *,
    seats: int = 1,
    on: date | None = None,
) -> RideBooking:
    """`passenger` asks for `seats` on the ride leaving on `on` (its only date when it is
    not weekly). The seats are held at once; the driver accepts or declines. On a ride
    from another server, the booking waits here while the driver's server holds the
    seats (or refuses): an `Offer` goes to it."""
    async with ctx.db.write() as conn:
        post = await _ride(conn, ride_id)
        if post.is_local:
            booking = await _book(ctx, conn, passenger, ride_id, seats=seats, on=on)
            ctx.outbox.wake()
            return booking
        offer_uri = f"{passenger.uri}#offers/{uuid.uuid4()}"
        booking = await _book(
            ctx, conn, passenger, ride_id, seats=seats, on=on, offer_uri=offer_uri
        )
        driver = await actor_store.get_actor(conn, post.actor_id)
        assert driver is not None
        await ctx.outbox.send(conn, outgoing.RideBooked(passenger, post, driver, booking))
    ctx.outbox.wake()
    return booking


async def receive_booking_answer(
    conn: AsyncConnection, driver: Actor, offer_uri: str, *, accepted: bool
) -> bool:
    """The driver's server answered one of our residents' bookings (`Accept` or `Reject`
    of their Offer): the booking is accepted or declined, and they are told. False when
    the Offer is no booking of ours, or the answer not from the ride's driver."""
    booking = await booking_store.get_by_offer_uri(conn, offer_uri)
    if booking is None:
        return False
    post = await post_store.get_post(conn, booking.ride_id)
    if post is None or post.actor_id != driver.id or post.is_local:
        return False
    if booking.state == "pending" or (booking.state == "accepted" and not accepted):
        # A Reject of a booking already accepted is the driver cancelling it.
        state = "accepted" if accepted else "declined"
        told = f"ride_{state}"
        if booking.state == "accepted":
            state, told = "cancelled", "ride_booking_cancelled"
        await booking_store.set_state(conn, booking.id, state)
        await notification_store.add(
            conn,
            recipient_id=booking.actor_id,
            type=told,
            actor_id=driver.id,
            post_id=post.id,
        )
    return True


async def _book(
    ctx: ServiceContext,
    conn: AsyncConnection,
    passenger: Actor,
    ride_id: int,
    *,
    seats: int,
    on: date | None,
    offer_uri: str | None = None,
) -> RideBooking:
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidInput("book between 1 and %(max)s seats", max=MAX_SEATS, field="seats")
    await booking_store.lock_ride(conn, ride_id)
    post = await _ride(conn, ride_id)
    ride = post.ride
    assert ride is not None
    if post.actor_id == passenger.id:
        raise Conflict("this is your own ride", field="ride")
    if ride.role != "offer":
        raise Conflict("this is a request for a ride: write to its author", field="ride")
    if ride.status == "cancelled":
        raise Conflict("this ride is cancelled", field="ride")
    driver = await actor_store.get_actor(conn, post.actor_id)
    assert driver is not None
    await blocks.refuse_if_blocked(conn, passenger, driver)
    day = on or first_day(ride)
    if not is_a_date_of(ride, day):
        raise InvalidInput("the ride does not leave on that day", field="on")
    if departure_on(ride, day) <= utcnow():
        raise Conflict("this ride has already left", field="on")
    existing = await booking_store.get(conn, post.id, passenger.id, day)
    if existing is not None and existing.state in booking_store.HOLDING:
        raise Conflict("you have already booked this ride", field="ride")
    # On a ride from elsewhere, the driver's server counts every passenger; ours only
    # keep a first check.
    held = await booking_store.seats_held(conn, post.id, day)
    left = ride.seats - (held if post.is_local else max(held, held_on(ride, day)))
    if left <= 0:
        raise Conflict("this ride is full", field="seats")
    if seats > left:
        raise Conflict("only %(left)s seats are left on this ride", left=left, field="seats")
    booking = await booking_store.book(
        conn,
        ride_id=post.id,
        actor_id=passenger.id,
        departs_on=day,
        seats=seats,
        state="pending",
        offer_uri=offer_uri,
    )
    if driver.is_local:
        await notification_store.add(
            conn,
            recipient_id=driver.id,
            type="ride_booking",
            actor_id=passenger.id,
            post_id=post.id,
        )
        await _recount(ctx, conn, post, driver)
    return booking


async def _recount(ctx: ServiceContext, conn: AsyncConnection, post: Post, driver: Actor) -> Post:
    """After a booking of our ride holds or frees seats (under the ride's lock): the ride
    keeps the seats held per day, and its `Update` tells the peers that show it how many
    are left on each date, so a full date closes there too."""
    assert post.ride is not None and post.is_local
    held = await booking_store.seats_held_by_date(conn, post.id)
    # Days gone are of no use to anyone: the ride's data stays small.
    since = utcnow().astimezone(ZoneInfo(post.ride.timezone)).date()
    booked = tuple(sorted((d, n) for d, n in held.items() if d >= since and n > 0))
    if booked == post.ride.booked:
        return post
    extras = {name: getattr(post, name) for name in POST_EXTRAS}
    extras["ride"] = replace(post.ride, booked=booked)
    updated = await post_store.update_post(conn, post.id, **extras)
    if post.ride.status == "open":
        await ctx.outbox.send(conn, outgoing.PostUpdated(driver, updated))
    return updated


async def receive_booking_offer(
    ctx: ServiceContext,
    conn: AsyncConnection,
    passenger: Actor,
    ride_uri: str,
    offer_uri: str,
    *,
    seats: int,
    on: date | None,
) -> bool:
    """A remote passenger's FEP-0837 Offer for seats on one of our rides (inside the
    inbox's transaction). Held like a booking of ours, or answered with a `Reject` saying
    why (full, cancelled, blocked, wrong day or seats), nothing counted. False when the
    Offer is about no ride of ours."""
    post = await post_store.get_post_by_uri(conn, ride_uri)
    if post is None or not post.is_local or post.kind != "ride" or post.ride is None:
        return False
    if await booking_store.get_by_offer_uri(conn, offer_uri) is not None:
        return True  # the same Offer again
    try:
        # Every refusal comes before anything is written.
        await _book(ctx, conn, passenger, post.id, seats=seats, on=on, offer_uri=offer_uri)
    except ServiceError as refused:
        driver = await actor_store.get_actor(conn, post.actor_id)
        assert driver is not None
        await ctx.outbox.send(
            conn,
            outgoing.RideBookingAnswered(
                driver, post, passenger, offer_uri, reason=refused.message
            ),
        )
    return True


async def _booking(conn: AsyncConnection, booking_id: int) -> tuple[RideBooking, Post]:
    booking = await booking_store.get_by_id(conn, booking_id)
    if booking is None:
        raise NotFound("no such booking")
    return booking, await _ride(conn, booking.ride_id)


async def answer_booking(
    ctx: ServiceContext, driver: Actor, booking_id: int, *, accept: bool
) -> RideBooking:
    """The driver accepts a pending booking, or declines it (its seats are free again)."""
    async with ctx.db.write() as conn:
        booking, post = await _booking(conn, booking_id)
        if post.actor_id != driver.id:
            raise Forbidden("only the driver answers bookings")
        if booking.state != "pending":
            raise Conflict("this booking was already answered or cancelled", field="booking")
        state = "accepted" if accept else "declined"
        booking = await booking_store.set_state(conn, booking.id, state)
        await _tell(ctx, conn, booking.actor_id, f"ride_{state}", driver, post)
        if not accept:
            await _recount(ctx, conn, post, driver)
        passenger = await actor_store.get_actor(conn, booking.actor_id)
        if passenger is not None and not passenger.is_local and booking.offer_uri:
            await ctx.outbox.send(
                conn,
                outgoing.RideBookingAnswered(
                    driver, post, passenger, booking.offer_uri, booking=booking
                ),
            )
    ctx.outbox.wake()
    return booking


async def cancel_booking(ctx: ServiceContext, actor: Actor, booking_id: int) -> RideBooking:
    """A passenger gives their seats back, or the driver cancels one passenger's booking;
    the other one hears it, on their own server when it is another: our passenger's
    `Undo` of their `Offer` frees the seats at the driver's server, our driver's `Reject`
    of a remote passenger's `Offer` cancels the booking at the passenger's."""
    async with ctx.db.write() as conn:
        booking, post = await _booking(conn, booking_id)
        await booking_store.lock_ride(conn, post.id)
        booking, post = await _booking(conn, booking_id)
        if actor.id not in (booking.actor_id, post.actor_id):
            raise Forbidden("only the passenger or the driver cancels a booking")
        if booking.state not in booking_store.HOLDING:
            raise Conflict("this booking is already cancelled or declined", field="booking")
        booking = await booking_store.set_state(conn, booking.id, "cancelled")
        by_passenger = actor.id == booking.actor_id
        other_id = post.actor_id if by_passenger else booking.actor_id
        await _tell(ctx, conn, other_id, "ride_booking_cancelled", actor, post)
        other = await actor_store.get_actor(conn, other_id)
        assert other is not None
        if post.is_local:
            driver = actor if not by_passenger else other
            await _recount(ctx, conn, post, driver)
        if not other.is_local and booking.offer_uri:
            if by_passenger:
                await ctx.outbox.send(
                    conn, outgoing.RideBookingWithdrawn(actor, post, other, booking)
                )
            else:
                await ctx.outbox.send(
                    conn,
                    outgoing.RideBookingAnswered(
                        actor,
                        post,
                        other,
                        booking.offer_uri,
                        reason="the driver cancelled this booking",
                    ),
                )
    ctx.outbox.wake()
    return booking


async def receive_booking_withdrawn(
    ctx: ServiceContext, conn: AsyncConnection, passenger: Actor, offer_uri: str
) -> bool:
    """A remote passenger cancels their booking of one of our rides (`Undo` of their
    `Offer`): the seats are free again and the driver is told. False when the Offer is no
    booking of theirs on a ride of ours; a second `Undo` changes nothing."""
    booking = await booking_store.get_by_offer_uri(conn, offer_uri)
    if booking is None or booking.actor_id != passenger.id:
        return False
    await booking_store.lock_ride(conn, booking.ride_id)
    post = await post_store.get_post(conn, booking.ride_id)
    if post is None or not post.is_local or post.ride is None:
        return False
    booking = await booking_store.get_by_offer_uri(conn, offer_uri)
    if booking is None or booking.state not in booking_store.HOLDING:
        return True
    await booking_store.set_state(conn, booking.id, "cancelled")
    driver = await actor_store.get_actor(conn, post.actor_id)
    assert driver is not None
    await _tell(ctx, conn, driver.id, "ride_booking_cancelled", passenger, post)
    await _recount(ctx, conn, post, driver)
    return True


async def cancel_ride(ctx: ServiceContext, driver: Actor, ride_id: int) -> Post:
    """The driver cancels the ride (every date of a weekly one): every passenger holding
    seats hears it, and their bookings are cancelled."""
    async with ctx.db.write() as conn:
        await booking_store.lock_ride(conn, ride_id)
        post = await _ride(conn, ride_id)
        assert post.ride is not None
        if post.actor_id != driver.id:
            raise Forbidden("only the driver cancels a ride")
        if post.ride.status == "cancelled":
            raise Conflict("this ride is cancelled", field="ride")
        if post.ride.status == "departed":
            raise Conflict("this ride has left", field="ride")
        extras = {name: getattr(post, name) for name in POST_EXTRAS}
        extras["ride"] = cancelled = replace(post.ride, status="cancelled", booked=())
        content = ride_content(cancelled, post.language or ctx.config.default_language)
        updated = await post_store.update_post(
            conn, post.id, **extras, content=content, edited_at=utcnow()
        )
        told: set[int] = set()
        elsewhere: list[str] = []
        for booking, passenger in await booking_store.list_for_ride(conn, post.id):
            await booking_store.set_state(conn, booking.id, "cancelled")
            if passenger.id not in told:
                told.add(passenger.id)
                await _tell(ctx, conn, passenger.id, "ride_cancelled", driver, updated)
                if not passenger.is_local:
                    elsewhere.append(passenger.uri)
        # Remote passengers get the cancelled ride even when they do not follow the driver.
        await ctx.outbox.send(conn, outgoing.PostUpdated(driver, updated, also_to=tuple(elsewhere)))
    ctx.outbox.wake()
    return updated


async def close_departed(ctx: ServiceContext, *, now: datetime | None = None) -> int:
    """Open rides with no departure left (a one-off ride gone, a weekly one past its
    `until`) become `departed`, so no list shows them as open. Nothing is sent: a peer
    tells the same from the dates. Returns how many (the maintenance worker's round)."""
    now = now or utcnow()
    closed = 0
    async with ctx.db.write() as conn:
        for post in await post_store.open_rides(conn):
            if post.ride is None or next_departures(post.ride, after=now, count=1):
                continue
            extras = {name: getattr(post, name) for name in POST_EXTRAS}
            extras["ride"] = replace(post.ride, status="departed")
            await post_store.update_post(conn, post.id, **extras)
            closed += 1
    return closed


async def _tell(
    ctx: ServiceContext, conn: AsyncConnection, recipient_id: int, type: str, by: Actor, post: Post
) -> None:
    recipient = await actor_store.get_actor(conn, recipient_id)
    if recipient is not None and recipient.is_local:
        await notification_store.add(
            conn, recipient_id=recipient.id, type=type, actor_id=by.id, post_id=post.id
        )


async def bookings_of(
    ctx: ServiceContext, driver: Actor, post: Post
) -> list[tuple[RideBooking, Actor]]:
    """The driver's view of who booked (waiting or accepted)."""
    if post.actor_id != driver.id:
        return []
    async with ctx.db.read() as conn:
        return await booking_store.list_for_ride(conn, post.id)


async def booked_rides(
    ctx: ServiceContext, passenger: Actor
) -> list[tuple[RideBooking, Post, Actor]]:
    """A passenger's coming bookings with their rides and drivers (their calendar)."""
    found = await my_bookings(ctx, passenger)
    drivers: dict[int, Actor] = {}
    async with ctx.db.read() as conn:
        for actor_id in {p.actor_id for _, p in found}:
            driver = await actor_store.get_actor(conn, actor_id)
            if driver is not None:
                drivers[actor_id] = driver
    return [(b, p, drivers[p.actor_id]) for b, p in found if p.actor_id in drivers]


async def my_bookings(
    ctx: ServiceContext, passenger: Actor, post: Post | None = None, *, every_state: bool = False
) -> list[tuple[RideBooking, Post]]:
    """A passenger's coming bookings (of one ride, or all: their calendar); with
    `every_state`, the declined and cancelled ones too (the ride's page says what became
    of each, a cancellation by a driver elsewhere included)."""
    zone = ZoneInfo(ctx.config.timezone)
    since = utcnow().astimezone(zone).date() - timedelta(days=1)
    states = BOOKING_STATES if every_state else booking_store.HOLDING
    async with ctx.db.read() as conn:
        found = await booking_store.booked_by(conn, passenger.id, since=since, states=states)
    return [(b, p) for b, p in found if post is None or p.id == post.id]
