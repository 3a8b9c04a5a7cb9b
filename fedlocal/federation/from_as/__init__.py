"""ActivityStreams JSON → internal model. Everything we read from other servers is shaped here.

Parsing is by plain JSON keys, not JSON-LD processing: it is what Mastodon does, and it
keeps the inbox fast. Inputs cross a trust boundary, so every field is type-checked,
HTML is sanitised, and anything unusable raises InvalidDocument with the reason.

One module per concern; callers use this package's names (`from_as.post_from_as(...)`).
"""

from __future__ import annotations

from .actors import ACTOR_TYPES, actor_from_as
from .listings import agreement_offer
from .posts import POST_TYPES, post_from_as
from .rides import booking_day, booking_seats
from .values import MAX_NAME, MAX_TEXT, InvalidDocument, first_type, parse_datetime

__all__ = [
    "ACTOR_TYPES",
    "MAX_NAME",
    "MAX_TEXT",
    "POST_TYPES",
    "InvalidDocument",
    "actor_from_as",
    "agreement_offer",
    "booking_day",
    "booking_seats",
    "first_type",
    "parse_datetime",
    "post_from_as",
]
