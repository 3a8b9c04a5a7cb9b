"""iCalendar (RFC 5545, with RFC 7986's calendar properties) for our events, written with
`icalendar`, which escapes TEXT and parameter values (RFC 6868), folds lines at 75 octets
between characters and ends them with CRLF.

Times are written in UTC (`…Z`), which every client shows in its user's own zone. A
`TZID` would need a `VTIMEZONE` spelling out the zone's transitions: worth it for
recurring events, which we do not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
from icalendar import vCalAddress, vDuration, vGeo, vText
from icalendar.enums import CLASS, STATUS

from fedlocal import __version__
from fedlocal.models import Actor, Post
from fedlocal.sanitize import html_to_text

from .post_text import location_of, title_of

MEDIA_TYPE = "text/calendar; charset=utf-8"
PRODID = f"-//fedlocal//fedlocal {__version__}//EN"
# How often subscribed calendars should come back (RFC 7986 and its common predecessor).
REFRESH = timedelta(hours=1)

_STATUS = {
    "confirmed": STATUS.CONFIRMED,
    "tentative": STATUS.TENTATIVE,
    "cancelled": STATUS.CANCELLED,
}
# Controls other than tab are not allowed in TEXT, nor are lone surrogates encodable; a
# remote post may carry either, and the library passes them on.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class Calendar:
    """What the calendar as a whole says about itself."""

    name: str
    description: str = ""
    source_url: str | None = None


@dataclass(frozen=True)
class CalendarEvent:
    """An event and what the calendar needs beside it."""

    post: Post
    organiser: Actor
    category_label: str | None = None


class _Geo(vGeo):
    # vGeo writes Python's repr, `1e-05` near the equator or Greenwich, which is no RFC 5545
    # FLOAT; micro-degrees (about 10 cm) say all a place needs.
    def to_ical(self) -> str:
        return f"{self.latitude:.6f};{self.longitude:.6f}"


def _text(value: str) -> str:
    # Line breaks as LF, which the library escapes as `\n`; what TEXT may not hold dropped.
    return _FORBIDDEN.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _uri(value: str) -> str:
    # URIs are not TEXT-escaped, so a line break would end the property.
    return _FORBIDDEN.sub("", value.replace("\r", "").replace("\n", ""))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def sequence_of(post: Post) -> int:
    """SEQUENCE must grow with every revision: seconds from publication to the last edit
    grow with each edit without a counter to keep."""
    if post.edited_at is None or post.edited_at <= post.published:
        return 0
    return int((post.edited_at - post.published).total_seconds())


def vevent(item: CalendarEvent, *, now: datetime) -> icalendar.Event:
    """One event as a VEVENT, stamped `now`."""
    post, event, organiser = item.post, item.post.event, item.organiser
    assert event is not None, "only events go in a calendar"
    end = event.ends_at if event.ends_at and event.ends_at > event.starts_at else None
    description = html_to_text(post.content)
    location = location_of(post)
    name = _text(organiser.display_name or organiser.handle)
    component = icalendar.Event.new(
        uid=_text(post.uri),
        stamp=_utc(now),
        start=_utc(event.starts_at),
        end=_utc(end) if end else None,
        summary=_text(title_of(post)) or "—",
        description=_text(description) if description else None,
        location=_text(location) if location else None,
        url=_uri(post.url or post.uri),
        organizer=vCalAddress(_uri(organiser.url or organiser.uri), params={"CN": name}),
        status=_STATUS.get(event.status, STATUS.CONFIRMED),
        categories=[_text(item.category_label)] if item.category_label else (),
        classification=CLASS.PUBLIC,
        created=_utc(post.published),
        last_modified=_utc(post.edited_at or post.published),
        sequence=sequence_of(post),
    )
    place = post.place
    if place is not None and place.latitude is not None and place.longitude is not None:
        component.add("GEO", _Geo((place.latitude, place.longitude)))
    return component


@dataclass(frozen=True)
class CalendarRide:
    """A ride a resident booked, on one of its dates (`departs_at`)."""

    post: Post
    driver: Actor
    departs_at: datetime
    booking_id: int
    confirmed: bool


def ride_vevent(item: CalendarRide, *, now: datetime) -> icalendar.Event:
    """One booked ride as a VEVENT: from → to, leaving and (when said) arriving."""
    post, ride, driver = item.post, item.post.ride, item.driver
    assert ride is not None, "only rides go here"
    end = None
    if ride.arrives_at is not None:
        end = item.departs_at + (ride.arrives_at - ride.departs_at)
    name = _text(driver.display_name or driver.handle)
    return icalendar.Event.new(
        uid=_text(f"{post.uri}#booking-{item.booking_id}-{item.departs_at.date().isoformat()}"),
        stamp=_utc(now),
        start=_utc(item.departs_at),
        end=_utc(end) if end else None,
        summary=_text(f"{ride.origin.name} → {ride.destination.name}"),
        description=_text(html_to_text(post.content)) or None,
        location=_text(ride.origin.name or "") or None,
        url=_uri(post.url or post.uri),
        organizer=vCalAddress(_uri(driver.url or driver.uri), params={"CN": name}),
        status=STATUS.CONFIRMED
        if ride.status != "cancelled" and item.confirmed
        else (STATUS.CANCELLED if ride.status == "cancelled" else STATUS.TENTATIVE),
        classification=CLASS.PRIVATE,
        created=_utc(post.published),
        last_modified=_utc(post.edited_at or post.published),
        sequence=sequence_of(post),
    )


def render_calendar(
    calendar: Calendar,
    events: Iterable[CalendarEvent],
    *,
    now: datetime,
    rides: Iterable[CalendarRide] = (),
) -> bytes:
    """A complete VCALENDAR, UTF-8 with CRLF line endings; `now` stamps every event."""
    out = icalendar.Calendar()
    out.add("PRODID", PRODID)
    out.add("VERSION", "2.0")
    out.add("CALSCALE", "GREGORIAN")
    out.add("METHOD", "PUBLISH")
    # The library types NAME and the X-WR- names as unknown and would write them raw: they
    # are TEXT, to be escaped.
    about = {"NAME": calendar.name, "X-WR-CALNAME": calendar.name}
    if calendar.description:
        about |= {"DESCRIPTION": calendar.description, "X-WR-CALDESC": calendar.description}
    for prop, value in about.items():
        out.add(prop, vText(_text(value)))
    # RFC 7986 gives SOURCE and REFRESH-INTERVAL no default type: VALUE is required.
    if calendar.source_url:
        out.add("SOURCE", _uri(calendar.source_url), parameters={"VALUE": "URI"})
    out.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    out.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    for item in events:
        out.add_component(vevent(item, now=now))
    for ride in rides:
        out.add_component(ride_vevent(ride, now=now))
    return out.to_ical()
