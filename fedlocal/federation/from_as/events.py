"""Events from elsewhere: FEP-8a8e, Mobilizon (PostalAddress, `joinMode`, `ical:status`,
`participantCount`, `timezone`) and Gancio (no context, untyped location, string address)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from activitypub.addressing import as_list

from ...categories import Categories
from ...clock import utcnow
from ...models import EventDetails, EventStatus
from .listings import community_category
from .places import place_from_as
from .values import InvalidDocument, count, parse_datetime

# FEP-8a8e statuses (bare, prefixed or full IRIs: we look at the last segment).
EVENT_STATUSES: dict[str, EventStatus] = {
    "EventScheduled": "confirmed",
    "EventRescheduled": "confirmed",
    "EventMovedOnline": "confirmed",
    "EventTentative": "tentative",
    "EventPostponed": "tentative",
    "EventCancelled": "cancelled",
}
ICAL_STATUSES: dict[str, EventStatus] = {
    "CONFIRMED": "confirmed",
    "TENTATIVE": "tentative",
    "CANCELLED": "cancelled",
}
# Mobilizon's `invite` needs the organiser's approval, like our `restricted`; FEP-8a8e's
# `none` means "not through ActivityPub", which is what `external` says here.
JOIN_MODES = {
    "free": "free",
    "restricted": "restricted",
    "invite": "restricted",
    "external": "external",
    "none": "external",
}
MAX_ZONE_NAME = 64
# A remote event in the past is kept (it happened, and its page may be linked); one dated
# centuries away is junk, and near the ends of the calendar it cannot even be shown in a
# time zone. An end more than a year after the start is no end people can use.
EARLIEST_START = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_START_AHEAD = timedelta(days=10 * 366)
LONGEST_REMOTE_EVENT = timedelta(days=366)


def event_fields(document: dict[str, Any], categories: Categories) -> dict[str, Any]:
    """RemotePostData fields of an Event; InvalidDocument without a usable startTime."""
    starts_at = parse_datetime(document.get("startTime"))
    if starts_at is None:
        raise InvalidDocument("an Event needs a startTime (RFC 3339)")
    if not EARLIEST_START <= starts_at <= utcnow() + LATEST_START_AHEAD:
        raise InvalidDocument("an Event's startTime is out of any sensible range")
    ends_at = parse_datetime(document.get("endTime"))
    # FEP-8a8e: an end not meant to be shown is no end for people.
    if (
        ends_at is None
        or not starts_at <= ends_at <= starts_at + LONGEST_REMOTE_EVENT
        or document.get("displayEndTime") is False
    ):
        ends_at = None
    # Mobilizon sends 0 for "no limit".
    capacity = count(document.get("maximumAttendeeCapacity"), minimum=1)
    join_mode = document.get("joinMode")
    details = EventDetails(
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=_timezone(document.get("timezone"), document.get("startTime")),
        status=_status(document),
        join_mode=JOIN_MODES.get(join_mode, "free") if isinstance(join_mode, str) else "free",
        capacity=capacity,
        participant_count=_participant_count(document),
        external_url=_external_url(document.get("externalParticipationUrl")),
    )
    return {
        "kind": "event",
        "event": details,
        "place": place_from_as(document.get("location"), with_address=True),
        "category": community_category(document, categories)
        or mobilizon_category(document.get("category"), categories),
        # Date and place in words for Mastodon readers: the structured fields say it all.
        "summary": None,
    }


def _timezone(value: Any, start: Any) -> str:
    """The event's zone: the one it names (Mobilizon), else the offset its start was
    written with (Gancio and Friendica send no zone: `19:00+01:00` was 19:00 there)."""
    if isinstance(value, str) and value and len(value) <= MAX_ZONE_NAME:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return value
    return _offset_zone(start)


def _offset_zone(start: Any) -> str:
    """A fixed-offset zone (`Etc/GMT-1` is UTC+01:00: POSIX signs are reversed) for the
    offset of an RFC 3339 time, or UTC when it has none or no whole-hour zone names it."""
    try:
        offset = (
            datetime.fromisoformat(start.strip()).utcoffset() if isinstance(start, str) else None
        )
    except ValueError:
        offset = None
    if offset is None or offset.total_seconds() % 3600:
        return "UTC"
    hours = int(offset.total_seconds()) // 3600
    if hours == 0 or not -12 <= hours <= 14:
        return "UTC"
    return f"Etc/GMT{-hours:+d}"


def _last_segment(value: str) -> str:
    for separator in ("/", "#", ":"):
        value = value.rsplit(separator, 1)[-1]
    return value


def _status(document: dict[str, Any]) -> EventStatus:
    status = document.get("eventStatus")
    if isinstance(status, str) and _last_segment(status) in EVENT_STATUSES:
        return EVENT_STATUSES[_last_segment(status)]
    for key in ("ical:status", "status"):
        value = document.get(key)
        if isinstance(value, str) and value.upper() in ICAL_STATUSES:
            return ICAL_STATUSES[value.upper()]
    return "confirmed"


def _participant_count(document: dict[str, Any]) -> int:
    counted = count(document.get("participantCount"))
    if counted is None:
        # FEP-8a8e publishes the size of the attendees collection instead.
        attendees = document.get("attendees")
        if isinstance(attendees, dict):
            counted = count(attendees.get("totalItems"))
    return counted or 0


def _external_url(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 2_000:
        return None
    return value if value.startswith(("https://", "http://", "mailto:")) else None


def mobilizon_category(value: Any, categories: Categories) -> str | None:
    """Our category for a Mobilizon/FEP-8a8e category, when exactly one of ours maps to it."""
    for name in as_list(value):
        if not isinstance(name, str):
            continue
        matches = [c.key for c in categories.all if c.mobilizon == name.upper()]
        if len(matches) == 1:
            return matches[0]
    return None
