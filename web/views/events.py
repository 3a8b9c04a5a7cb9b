"""Events: the form to publish one, its page with RSVP and participants, the organiser's
decisions and cancellation."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime

from starlette.responses import Response

from fedlocal.geo import valid_coordinates
from fedlocal.models import Actor, Post
from fedlocal.services import events as event_service
from fedlocal.services import post_pages
from fedlocal.services.errors import InvalidInput
from fedlocal.services.events import EVENT_VISIBILITIES, MAX_CAPACITY, TITLE_MAX, EventInput

from .. import labels
from ..forms import FormState, parse_date, parse_int, parse_local_datetime
from ..links import post_path
from ..page import Page
from ..service_messages import Refusal
from .cards import neighbour_name
from .common import visible_post
from .photos import (
    photo_form_values,
    poster_slots,
    slot_labels,
)
from .publish_fields import (
    offered_categories,
    read_category_and_description,
    read_title,
    where,
)
from .publish_flow import publish_with_photos

VENUE_MAX = 200
FORM_JOIN_MODES = ("free", "restricted")
FORM_VISIBILITIES = tuple(v for v in ("public", "followers", "local") if v in EVENT_VISIBILITIES)
SERVICE_FIELDS = {
    "title": "title",
    "description": "description",
    "category": "category",
    "starts_at": "starts_on",
    "ends_at": "ends_time",
    "join_mode": "join_mode",
    "capacity": "capacity",
    "visibility": "visibility",
    "venue": "venue",
    "street": "address",
    "postal_code": "postal_code",
    "locality": "locality",
    "quarter": "quarter",
    "latitude": "coordinates",
}


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "title": t("Title"),
        "description": t("Description"),
        "category": t("Category"),
        "starts_on": t("Date"),
        "starts_time": t("Starts at"),
        "ends_on": t("Ends on"),
        "ends_time": t("Ends at"),
        "venue": t("Venue"),
        "address": t("Street and number"),
        "postal_code": t("Postal code"),
        "locality": t("Town"),
        "coordinates": t("Position on the map"),
        "quarter": t("Quarter"),
        "join_mode": t("Who can join"),
        "capacity": t("Number of places"),
        "visibility": t("Who sees it"),
    }


async def new_event(page: Page) -> Response:
    assert page.me is not None
    state = FormState(
        values={
            "join_mode": "free",
            "visibility": "public",
            "quarter": page.me.home_quarter or "",
        }
    )
    return await _form(page, state)


async def _form(page: Page, state: FormState, status: int = 200) -> Response:
    t = page.t
    return await page.render(
        "event_form.html",
        status=status,
        kind="event",
        state=state,
        labels={**_labels(page), **slot_labels(poster_slots(page))},
        categories=offered_categories(page),
        quarters=[(q.name, q.name) for q in page.config.quarters],
        join_modes=[(mode, t(labels.JOIN_MODES[mode])) for mode in FORM_JOIN_MODES],
        visibilities=[(v, t(labels.VISIBILITIES[v])) for v in FORM_VISIBILITIES],
        title_max=TITLE_MAX,
        description_max=page.config.post_max_characters,
        venue_max=VENUE_MAX,
        max_capacity=MAX_CAPACITY,
        timezone=page.config.timezone,
        section="publish",
        **photo_form_values(page, poster_slots(page)),
    )


async def publish_event(page: Page) -> Response:
    assert page.me is not None
    me = page.me
    return await publish_with_photos(
        page,
        poster_slots(page),
        lambda state: read_event(page, state),
        lambda data: event_service.publish_event(page.services, me, data),
        lambda state, status: _form(page, state, status=status),
        SERVICE_FIELDS,
    )


def read_event(page: Page, state: FormState) -> EventInput | None:
    t, values = page.t, state.values
    title = read_title(page, state, TITLE_MAX)
    category, description = read_category_and_description(page, state)
    starts_at = _moment(page, state, "starts_on", "starts_time", required=True)
    ends_at = None
    if values.get("ends_time", "").strip():
        ends_on = values.get("ends_on", "").strip() or values.get("starts_on", "")
        ends_at = _moment(page, state, "ends_on", "ends_time", day=ends_on)
        if starts_at and ends_at and ends_at <= starts_at:
            state.error("ends_time", t("The event must end after it starts."))
    elif values.get("ends_on", "").strip():
        state.error("ends_time", t("Give the time it ends."))
    venue = values.get("venue", "").strip()
    if len(venue) > VENUE_MAX:
        state.error("venue", t("At most %(max)s characters.", max=VENUE_MAX))
    address, postal_code, locality = (
        _short(page, state, name) for name in ("address", "postal_code", "locality")
    )
    coordinates = _coordinates(page, state)
    # The quarter: the one picked, else the one the address names; a venue placed on the
    # map needs neither (the service names the quarter it lies in).
    quarter = None
    if coordinates is None or values.get("quarter", "").strip():
        quarter = where(page, state, address=", ".join(p for p in (address, locality) if p))
    join_mode = values.get("join_mode", "free")
    if join_mode not in FORM_JOIN_MODES:
        state.error("join_mode", t("Choose one of the options."))
    capacity = None
    if values.get("capacity", "").strip():
        capacity = parse_int(values["capacity"], minimum=1, maximum=MAX_CAPACITY)
        if capacity is None:
            state.error(
                "capacity",
                t("Enter a number from 1 to %(max)s, or leave empty.", max=MAX_CAPACITY),
            )
    visibility = values.get("visibility", "public")
    if visibility not in FORM_VISIBILITIES:
        state.error("visibility", t("Choose who sees this post."))
    if not state.ok or starts_at is None:
        return None
    return EventInput(
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=page.config.timezone,
        description=description,
        category=category,
        venue=venue or None,
        street=address or None,
        postal_code=postal_code or None,
        locality=locality or None,
        quarter=quarter,
        latitude=coordinates[0] if coordinates else None,
        longitude=coordinates[1] if coordinates else None,
        join_mode=join_mode,
        capacity=capacity,
        visibility=visibility,
        language=page.lang,
    )


def _short(page: Page, state: FormState, name: str) -> str:
    value = state.values.get(name, "").strip()
    if len(value) > VENUE_MAX:
        state.error(name, page.t("At most %(max)s characters.", max=VENUE_MAX))
    return value


def _coordinates(page: Page, state: FormState) -> tuple[float, float] | None:
    """The venue's point from `latitude, longitude` (as a map shows it), or None."""
    text = state.values.get("coordinates", "").strip()
    if not text:
        return None
    parts = text.replace(";", ",").split(",") if "," in text or ";" in text else text.split()
    try:
        latitude, longitude = (float(part) for part in parts)
    except ValueError:
        latitude = longitude = math.nan
    if not valid_coordinates(latitude, longitude):
        state.error(
            "coordinates",
            page.t("Enter a latitude and a longitude, for example 48.6493, -2.0257."),
        )
        return None
    return latitude, longitude


def _moment(
    page: Page,
    state: FormState,
    day_field: str,
    time_field: str,
    *,
    required: bool = False,
    day: str | None = None,
) -> datetime | None:
    """A local date and time from two fields, with the error beside the wrong one."""
    t = page.t
    day = (state.values.get(day_field, "") if day is None else day).strip()
    clock = state.values.get(time_field, "").strip()
    if not day:
        if required:
            state.error(day_field, t("Give the date of the event."))
        return None
    if parse_date(day) is None:
        state.error(day_field, t("Enter a date, for example 2025-06-14."))
        return None
    if not clock:
        state.error(time_field, t("Give the time it starts."))
        return None
    moment = parse_local_datetime(day, clock, page.config.timezone)
    if moment is None:
        state.error(time_field, t("Enter a time, for example 18:30."))
    return moment


# The page of an event


async def detail(page: Page, post: Post, author: Actor) -> Response:
    me = page.me
    assert post.event is not None
    is_organiser = me is not None and me.id == author.id and post.is_local
    found = await post_pages.event_page(page.services, me, post)
    # The count the page states is the one its list agrees with.
    event = replace(post.event, participant_count=found.count)
    can_join = (
        me is not None
        and me.role == "resident"
        and not is_organiser
        and (found.mine is None or found.mine.state == "rejected")
        and event.status != "cancelled"
        and event.join_mode != "external"
        and not event.is_full
    )
    return await page.render(
        "event.html",
        post=post,
        author=author,
        neighbour=await neighbour_name(page, author),
        event=event,
        is_organiser=is_organiser,
        participants=found.participants,
        unlisted=found.unlisted,
        pending=found.pending,
        mine=found.mine,
        can_join=can_join,
        calendar_url=page.web.urls.post_calendar(post.id) if post.is_local else None,
        section="feed",
    )


async def _event(page: Page) -> Post:
    post, _author = await visible_post(page, page.request.path_params["post_id"])
    if post.kind != "event" or post.event is None:
        raise InvalidInput("no such event")
    return post


async def join(page: Page) -> Response:
    assert page.me is not None
    post = await _event(page)
    participation = await event_service.join_event(page.services, page.me, post.uri)
    notice = "joined" if participation.state == "accepted" else "join-pending"
    return page.redirect(post_path(post), notice=notice)


async def leave(page: Page) -> Response:
    assert page.me is not None
    post = await _event(page)
    await event_service.leave_event(page.services, page.me, post.uri)
    return page.redirect(post_path(post), notice="left")


async def decide(page: Page) -> Response:
    assert page.me is not None
    post = await _event(page)
    participation_id = parse_int(page.form.get("participation"), minimum=1, maximum=2**63 - 1)
    decision = page.form.get("decision")
    if participation_id is None or decision not in ("accept", "reject"):
        raise Refusal(page.t("Choose one of the options."))
    participation = await post_pages.participation(page.services, participation_id)
    if participation is None or participation.event_id != post.id:
        raise InvalidInput("no such participation")
    await event_service.decide(page.services, page.me, participation_id, decision == "accept")
    return page.redirect(post_path(post), notice="decided")


async def cancel(page: Page) -> Response:
    assert page.me is not None
    post = await _event(page)
    await event_service.cancel_event(page.services, page.me, post.id)
    return page.redirect(post_path(post), notice="cancelled")
