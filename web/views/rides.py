"""Rides (covoiturage): the form to offer or ask for one, its page with its next dates and
seats left, booking, the driver's answers, and cancelling."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from fedlocal.clock import utcnow
from fedlocal.models import Actor, Post
from fedlocal.ride_dates import departure_on
from fedlocal.services import rides as ride_service
from fedlocal.services.errors import Forbidden, InvalidInput
from fedlocal.services.rides import MAX_SEATS, NOTES_MAX, PLACE_MAX, RideInput

from .. import labels
from ..forms import FormState, parse_date, parse_int, parse_local_datetime
from ..links import post_path
from ..page import Page
from ..service_messages import Refusal
from .cards import neighbour_name
from .common import keep_error, visible_post

FORM_VISIBILITIES = ("public", "followers", "local")
SERVICE_FIELDS = {
    "origin": "origin",
    "destination": "destination",
    "departs_at": "departs_on",
    "arrives_at": "arrives_time",
    "seats": "seats",
    "contribution": "contribution",
    "notes": "notes",
    "until": "until",
    "visibility": "visibility",
    "role": "role",
}
_MAX_ID = 2**63 - 1


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "role": t("You"),
        "origin": t("From"),
        "destination": t("To"),
        "departs_on": t("Date"),
        "departs_time": t("Leaves at"),
        "arrives_time": t("Arrives at"),
        "repeat": t("How often"),
        "until": t("Until"),
        "seats": t("Seats"),
        "contribution": t("Contribution per passenger (€)"),
        "notes": t("Luggage, pets, remarks"),
        "visibility": t("Who sees it"),
    }


async def new_ride(page: Page) -> Response:
    assert page.me is not None
    state = FormState(
        values={
            "role": "offer",
            "repeat": "once",
            "seats": "1",
            "visibility": "public",
            "origin": page.me.home_quarter or "",
        }
    )
    return await _form(page, state)


async def _form(page: Page, state: FormState, status: int = 200) -> Response:
    t = page.t
    return await page.render(
        "ride_form.html",
        status=status,
        kind="ride",
        state=state,
        labels=_labels(page),
        roles=[("offer", t("I drive and offer seats")), ("request", t("I am looking for a ride"))],
        repeats=[("once", t("Once")), ("weekly", t("Every week, same day and time"))],
        visibilities=[(v, t(labels.VISIBILITIES[v])) for v in FORM_VISIBILITIES],
        places=[q.name for q in page.config.quarters],
        place_max=PLACE_MAX,
        notes_max=NOTES_MAX,
        max_seats=MAX_SEATS,
        timezone=page.config.timezone,
        section="publish",
    )


async def publish_ride(page: Page) -> Response:
    assert page.me is not None
    state = FormState(values=page.form.as_dict())
    data = read_ride(page, state)
    if data is None or not state.ok:
        return await _form(page, state, status=422)
    try:
        post = await ride_service.publish_ride(page.services, page.me, data)
    except (InvalidInput, Forbidden) as exc:
        keep_error(page, state, exc, SERVICE_FIELDS)
        return await _form(page, state, status=exc.status)
    return page.redirect(post_path(post), notice="published")


def read_ride(page: Page, state: FormState) -> RideInput | None:
    t, values = page.t, state.values
    role = values.get("role", "offer")
    if role not in ("offer", "request"):
        state.error("role", t("Choose one of the options."))
    for name in ("origin", "destination"):
        if not values.get(name, "").strip():
            state.error(name, t("Say where the ride goes from and to."))
    departs_at = _moment(page, state, "departs_time")
    arrives_at = None
    if values.get("arrives_time", "").strip():
        arrives_at = _moment(page, state, "arrives_time")
        if departs_at and arrives_at and arrives_at <= departs_at:
            state.error("arrives_time", t("The ride must arrive after it leaves."))
    repeat = values.get("repeat", "once")
    if repeat not in ("once", "weekly"):
        state.error("repeat", t("Choose one of the options."))
    until = None
    if repeat == "weekly" and values.get("until", "").strip():
        until = parse_date(values["until"].strip())
        if until is None:
            state.error("until", t("Enter a date, for example 2025-06-14."))
    seats = parse_int(values.get("seats", ""), minimum=1, maximum=MAX_SEATS)
    if seats is None:
        state.error("seats", t("Enter a number from 1 to %(max)s.", max=MAX_SEATS))
    visibility = values.get("visibility", "public")
    if visibility not in FORM_VISIBILITIES:
        state.error("visibility", t("Choose who sees this post."))
    if not state.ok or departs_at is None or seats is None:
        return None
    return RideInput(
        role=role,
        origin=values["origin"],
        destination=values["destination"],
        departs_at=departs_at,
        arrives_at=arrives_at,
        weekly=repeat == "weekly",
        until=until,
        seats=seats,
        contribution=values.get("contribution") or None,
        notes=values.get("notes", ""),
        visibility=visibility,
        language=page.lang,
        timezone=page.config.timezone,
    )


def _moment(page: Page, state: FormState, time_field: str) -> datetime | None:
    t = page.t
    day = state.values.get("departs_on", "").strip()
    clock = state.values.get(time_field, "").strip()
    if not day:
        state.error("departs_on", t("Give the date of the ride."))
        return None
    if parse_date(day) is None:
        state.error("departs_on", t("Enter a date, for example 2025-06-14."))
        return None
    if not clock:
        state.error(time_field, t("Give the time it leaves."))
        return None
    moment = parse_local_datetime(day, clock, page.config.timezone)
    if moment is None:
        state.error(time_field, t("Enter a time, for example 18:30."))
    return moment


async def calendar(page: Page) -> Response:
    """`/rides.ics`: the rides the resident booked, to add to their calendar."""
    # icalendar (with dateutil) is loaded by the first calendar asked for, as the feeds do.
    from .. import ical

    assert page.me is not None
    now = utcnow()
    booked = await ride_service.booked_rides(page.services, page.me)
    about = ical.Calendar(page.t("My rides — %(name)s", name=page.config.name))
    items = [
        ical.CalendarRide(
            post=post,
            driver=driver,
            departs_at=departure_on(post.ride, booking.departs_on),
            booking_id=booking.id,
            confirmed=booking.state == "accepted",
        )
        for booking, post, driver in booked
        if post.ride is not None
    ]
    body = ical.render_calendar(about, (), now=now, rides=items)
    return Response(
        body,
        media_type=ical.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="rides.ics"'},
    )


# The page of a ride


async def detail(page: Page, post: Post, author: Actor) -> Response:
    me = page.me
    assert post.ride is not None
    is_driver = me is not None and me.id == author.id and post.is_local
    dates = await ride_service.upcoming_dates(page.services, post)
    bookings = await ride_service.bookings_of(page.services, me, post) if is_driver and me else []
    mine = await ride_service.my_bookings(page.services, me, post, every_state=True) if me else []
    booked_days = {b.departs_on for b, _ in mine if b.state in ("pending", "accepted")}
    can_book = (
        me is not None
        and me.role == "resident"
        and not is_driver
        and post.ride.role == "offer"
        and post.ride.status == "open"
    )
    return await page.render(
        "ride.html",
        post=post,
        author=author,
        neighbour=await neighbour_name(page, author),
        ride=post.ride,
        dates=dates,
        bookable=[d for d in dates if not d.is_full and d.day not in booked_days],
        is_driver=is_driver,
        bookings=bookings,
        mine=[booking for booking, _ in mine],
        can_book=can_book,
        max_seats=MAX_SEATS,
        section="feed",
    )


async def _ride(page: Page) -> Post:
    post, _author = await visible_post(page, page.request.path_params["post_id"])
    if post.kind != "ride" or post.ride is None:
        raise InvalidInput("no such ride")
    return post


def _booking_id(page: Page) -> int:
    booking_id = parse_int(page.form.get("booking"), minimum=1, maximum=_MAX_ID)
    if booking_id is None:
        raise Refusal(page.t("Choose one of the options."))
    return booking_id


async def book(page: Page) -> Response:
    assert page.me is not None
    post = await _ride(page)
    seats = parse_int(page.form.get("seats", "1"), minimum=-_MAX_ID, maximum=_MAX_ID)
    if seats is None:
        raise Refusal(page.t("Enter a number from 1 to %(max)s.", max=MAX_SEATS), field="seats")
    on = None
    if page.form.get("on"):
        on = parse_date(page.form.get("on"))
        if on is None:
            raise Refusal(page.t("Choose one of the options."), field="on")
    await ride_service.book_seats(page.services, page.me, post.id, seats=seats, on=on)
    return page.redirect(post_path(post), notice="ride-booked")


async def answer(page: Page) -> Response:
    assert page.me is not None
    post = await _ride(page)
    decision = page.form.get("decision")
    if decision not in ("accept", "decline"):
        raise Refusal(page.t("Choose one of the options."))
    await ride_service.answer_booking(
        page.services, page.me, _booking_id(page), accept=decision == "accept"
    )
    return page.redirect(post_path(post), notice="decided")


async def cancel_booking(page: Page) -> Response:
    assert page.me is not None
    post = await _ride(page)
    await ride_service.cancel_booking(page.services, page.me, _booking_id(page))
    return page.redirect(post_path(post), notice="booking-cancelled")


async def cancel_ride(page: Page) -> Response:
    assert page.me is not None
    post = await _ride(page)
    await ride_service.cancel_ride(page.services, page.me, post.id)
    return page.redirect(post_path(post), notice="cancelled")
