"""iCalendar (RFC 5545) for our events, written by hand: the format is small, and owning
the escaping and folding keeps a runtime dependency out.

Times are written in UTC (`…Z`), which every client shows in its user's own zone. A
`TZID` would need a `VTIMEZONE` spelling out the zone's transitions: worth it for
recurring events, which we do not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from fedlocal import __version__
from fedlocal.models import Actor, Post
from fedlocal.sanitize import html_to_text

from .post_text import location_of, title_of

MEDIA_TYPE = "text/calendar; charset=utf-8"
CRLF = "\r\n"
# RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break.
MAX_LINE_OCTETS = 75
PRODID = f"-//fedlocal//fedlocal {__version__}//EN"
# How often subscribed calendars should come back (RFC 7986 and its common predecessor).
REFRESH = "PT1H"

_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
# Controls other than tab are not allowed in TEXT, nor are lone surrogates encodable; a
# remote post may carry either.
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


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped,
    characters TEXT may not hold dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _FORBIDDEN.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def quote_param(value: str) -> str:
    """A quoted parameter value; RFC 6868 caret encoding for what quoting cannot carry."""
    value = _FORBIDDEN.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = value.replace("^", "^^").replace("\n", "^n").replace('"', "^'")
    return f'"{value}"'


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, each continuation starting
    with a space; never inside a UTF-8 sequence, since chunks end between characters."""
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if used + size > MAX_LINE_OCTETS:
            chunks.append("".join(current))
            current = []
            used = 1  # the space that starts the continuation line
        current.append(char)
        used += size
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


def utc_stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC form (`20250614T130000Z`)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def content_line(name: str, value: str, /, **params: str) -> str:
    """One folded property line; `value` must already be in its type's form."""
    head = name + "".join(f";{key.replace('_', '-').upper()}={v}" for key, v in params.items())
    return fold(f"{head}:{value}")


def sequence_of(post: Post) -> int:
    """SEQUENCE must grow with every revision: seconds from publication to the last edit
    grow with each edit without a counter to keep."""
    if post.edited_at is None or post.edited_at <= post.published:
        return 0
    return int((post.edited_at - post.published).total_seconds())


def vevent(item: CalendarEvent, *, now: datetime) -> list[str]:
    """The lines of one VEVENT."""
    post, event = item.post, item.post.event
    assert event is not None, "only events go in a calendar"
    lines = [
        "BEGIN:VEVENT",
        content_line("UID", escape_text(post.uri)),
        content_line("DTSTAMP", utc_stamp(now)),
        content_line("DTSTART", utc_stamp(event.starts_at)),
    ]
    if event.ends_at is not None and event.ends_at > event.starts_at:
        lines.append(content_line("DTEND", utc_stamp(event.ends_at)))
    lines.append(content_line("SUMMARY", escape_text(title_of(post) or "—")))
    description = html_to_text(post.content)
    if description:
        lines.append(content_line("DESCRIPTION", escape_text(description)))
    location = location_of(post)
    if location:
        lines.append(content_line("LOCATION", escape_text(location)))
    if post.place is not None and post.place.has_coordinates:
        lines.append(content_line("GEO", f"{post.place.latitude:.6f};{post.place.longitude:.6f}"))
    lines.append(content_line("URL", _uri(post.url or post.uri), value="URI"))
    organiser = item.organiser
    lines.append(
        content_line(
            "ORGANIZER",
            _uri(organiser.url or organiser.uri),
            cn=quote_param(organiser.display_name or organiser.handle),
        )
    )
    lines.append(content_line("STATUS", _STATUS.get(event.status, "CONFIRMED")))
    if item.category_label:
        lines.append(content_line("CATEGORIES", escape_text(item.category_label)))
    lines.append(content_line("CLASS", "PUBLIC"))
    lines.append(content_line("CREATED", utc_stamp(post.published)))
    lines.append(content_line("LAST-MODIFIED", utc_stamp(post.edited_at or post.published)))
    lines.append(content_line("SEQUENCE", str(sequence_of(post))))
    lines.append("END:VEVENT")
    return lines


def _uri(value: str) -> str:
    """URI values are not TEXT-escaped, but must stay on one logical line."""
    return _FORBIDDEN.sub("", value.replace("\r", "").replace("\n", ""))


def render_calendar(calendar: Calendar, events: Iterable[CalendarEvent], *, now: datetime) -> bytes:
    """A complete VCALENDAR, UTF-8 with CRLF line endings."""
    lines: list[str] = [
        "BEGIN:VCALENDAR",
        content_line("PRODID", escape_text(PRODID)),
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        content_line("NAME", escape_text(calendar.name)),
        content_line("X-WR-CALNAME", escape_text(calendar.name)),
    ]
    if calendar.description:
        lines.append(content_line("DESCRIPTION", escape_text(calendar.description)))
        lines.append(content_line("X-WR-CALDESC", escape_text(calendar.description)))
    if calendar.source_url:
        lines.append(content_line("SOURCE", _uri(calendar.source_url), value="URI"))
    lines.append(content_line("REFRESH-INTERVAL", REFRESH, value="DURATION"))
    lines.append(content_line("X-PUBLISHED-TTL", REFRESH))
    now = now.replace(microsecond=0)
    for item in events:
        lines.extend(vevent(item, now=now))
    lines.append("END:VCALENDAR")
    return (CRLF.join(lines) + CRLF).encode("utf-8")
