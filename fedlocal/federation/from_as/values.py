"""Reading single values out of untrusted JSON: each helper returns a value of the right
type and size, or None (or raises InvalidDocument for what a document cannot lack)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from activitypub.addressing import as_list, id_of

from ..origin import http_host

MAX_TEXT = 100_000
MAX_NAME = 500
MAX_URL = 2_000
# Counts and capacities beyond this are not a neighbourhood's: treated as junk.
MAX_COUNT = 1_000_000


class InvalidDocument(ValueError):
    """A document we cannot use; the message says why."""


def first_type(document: dict[str, Any], allowed: frozenset[str]) -> str | None:
    """The first of the document's types (string or array) that is in `allowed`."""
    for kind in as_list(document.get("type")):
        if isinstance(kind, str) and kind in allowed:
            return kind
    return None


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from an RFC 3339 string, or None if absent or malformed."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: off the calendar in UTC
        return None


def parse_date(value: Any) -> date | None:
    """A calendar day from an `YYYY-MM-DD` string, or None if absent or malformed."""
    if not isinstance(value, str) or len(value) > 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def http_url(value: Any) -> str | None:
    """The first http(s) URL in a string, Link, or array of either (preferring text/html)."""
    candidates = as_list(value)
    html_first = sorted(
        candidates, key=lambda c: not (isinstance(c, dict) and c.get("mediaType") == "text/html")
    )
    for candidate in html_first:
        url = candidate.get("href") if isinstance(candidate, dict) else candidate
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url
    return None


def text(value: Any, limit: int) -> str:
    """A string cut to `limit` characters; "" for anything that is not a string."""
    if not isinstance(value, str):
        return ""
    return value[:limit]


def short_text(value: Any, limit: int) -> str | None:
    """A stripped, non-empty string cut to `limit`, or None."""
    stripped = text(value, limit * 2).strip()[:limit].strip()
    return stripped or None


def require_uri(document: dict[str, Any], key: str = "id") -> str:
    """The http(s) URI at `key`, or InvalidDocument."""
    value = document.get(key)
    if not isinstance(value, str) or http_host(value) is None:
        raise InvalidDocument(f"'{key}' must be an http(s) URI")
    return value


def optional_uri(value: Any) -> str | None:
    """An http(s) URI given as a string or as an object with `id`, or None."""
    value = id_of(value)
    if isinstance(value, str) and len(value) <= MAX_URL:
        return value if value.startswith(("https://", "http://")) else None
    return None


def count(value: Any, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int | None:
    """A whole number within bounds, or None (strings, booleans, fractions are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def number(value: Any) -> float | None:
    """A finite JSON number, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
