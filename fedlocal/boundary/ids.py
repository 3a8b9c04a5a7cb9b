"""Numeric ids as they appear in paths and parameters.

Every id in the store is a signed 64-bit integer, so an id is one to nineteen ASCII
digits naming a value from 1 to 2**63 - 1. `str.isdigit` is not enough: it accepts `²`
and other non-ASCII digits that `int()` then refuses or reads differently, and a longer
number overflows the database driver.
"""

from __future__ import annotations

import re

from .problems import bad_request, not_found

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: str | None, *, minimum: int = 1) -> int | None:
    """The id `text` names, or None when it names none (empty, not ASCII digits, below
    `minimum`, or beyond the store's range). Surrounding whitespace is not tolerated: ids
    come from URLs and generated links."""
    if text is None or _DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if minimum <= value <= MAX_ID else None


def path_id(text: str | None, what: str = "record") -> int:
    """An id from a URL path segment: anything that is not one names nothing (404)."""
    value = parse_id(text)
    if value is None:
        raise not_found(f"no such {what}")
    return value


def query_id(text: str | None, name: str, *, minimum: int = 1) -> int | None:
    """An optional id from a query or form parameter: absent or empty is None; anything
    else that is not an id is a bad request (400) naming the parameter. Paging bounds
    take `minimum=0` (`since_id=0` is how some clients ask for everything)."""
    if text is None or text == "":
        return None
    value = parse_id(text, minimum=minimum)
    if value is None:
        raise bad_request(f"{name} must be a whole number from {minimum} to {MAX_ID}")
    return value


def parse_count(text: str | None, *, minimum: int = 0, maximum: int) -> int | None:
    """A small whole number (a limit, an offset): ASCII digits within the bounds, or None.
    Bounded before conversion, so a million-digit string costs nothing."""
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > len(str(maximum)) or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
