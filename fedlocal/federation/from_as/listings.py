"""Offers and requests from elsewhere: FEP-0837 proposals (our own, Mitra's…), and
Mastodon posts tagged `#offre`/`#demande` (`#offer`/`#request`); FEP-0837 Offers of an
agreement on one of ours."""

from __future__ import annotations

import re
from typing import Any

from activitypub.addressing import as_list, id_of

from ...categories import Categories
from ...hashtags import INTENT_BY_HASHTAG, KIND_BY_HASHTAG
from ...models import CLOSED_AS, OFFER_INTENTS, REQUEST_INTENTS, ListingDetails, ListingStatus
from ...sanitize import html_to_text
from .places import place_from_as
from .values import count, first_type, optional_uri, parse_date, parse_datetime, short_text

LISTING_STATUSES: tuple[ListingStatus, ...] = ("open", "reserved", "closed", "cancelled")
MAX_QUANTITY = 1_000
MAX_PRICE = 40
MAX_TITLE = 120
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
_LEADING_TAGS = re.compile(r"^(?:[#@]\S+\s*)+")
_TRAILING_TAGS = re.compile(r"(?:\s*[#@]\S+)+$")


def purpose_of(document: dict[str, Any]) -> str | None:
    """FEP-0837 `purpose`: `offer` or `request`, else None."""
    purpose = document.get("purpose")
    return purpose if purpose in ("offer", "request") else None


def kind_from_hashtags(hashtags: list[str]) -> str | None:
    """`offer` or `request` from the first kind hashtag (French or English)."""
    return next((KIND_BY_HASHTAG[t] for t in hashtags if t in KIND_BY_HASHTAG), None)


def category_from_hashtags(hashtags: list[str], categories: Categories) -> str | None:
    """The first category whose hashtag the post carries."""
    for tag in hashtags:
        category = categories.by_hashtag(tag)
        if category is not None:
            return category.key
    return None


def community_category(document: dict[str, Any], categories: Categories) -> str | None:
    """Our `communityCategory` term, when it names one of this instance's categories."""
    key = document.get("communityCategory")
    return key if isinstance(key, str) and key in categories else None


def _intent(kind: str, explicit: Any, hashtags: list[str], action: Any) -> str:
    allowed = OFFER_INTENTS if kind == "offer" else REQUEST_INTENTS
    if explicit in allowed:
        return explicit
    for tag in hashtags:
        if INTENT_BY_HASHTAG.get(tag) in allowed:
            return INTENT_BY_HASHTAG[tag]
    # FEP-0837's action says whether a thing or a service is wanted or offered.
    if kind == "offer":
        return "service" if action == "deliverService" else "give"
    return "item" if action == "transfer" else "help"


def _quantity(measure: Any) -> int:
    value = measure.get("hasNumericalValue") if isinstance(measure, dict) else None
    if isinstance(value, str):
        # FEP-0837 writes the number as a string; a long one is junk (and slow to parse).
        value = int(value) if value.strip().isdigit() and len(value) <= 9 else None
    return count(value, minimum=1, maximum=MAX_QUANTITY) or 1


def fep0837_fields(
    document: dict[str, Any], kind: str, hashtags: list[str], categories: Categories
) -> dict[str, Any]:
    """RemotePostData fields of a FEP-0837 proposal (`purpose` is `kind`)."""
    publishes = document.get("publishes")
    intent = publishes if isinstance(publishes, dict) else {}
    stated = document.get("listingStatus")
    status: ListingStatus = next((s for s in LISTING_STATUSES if s == stated), "open")
    closed_as = document.get("closedAs")
    available_from = parse_datetime(document.get("startTime"))
    available_until = parse_datetime(document.get("endTime"))
    if available_from and available_until and available_until < available_from:
        available_until = None
    listing = ListingDetails(
        intent=_intent(kind, document.get("listingIntent"), hashtags, intent.get("action")),
        status=status,
        closed_as=closed_as if status == "closed" and closed_as in CLOSED_AS else None,
        reserved_for=optional_uri(document.get("reservedFor")),
        available_from=available_from,
        available_until=available_until,
        expires_at=parse_datetime(document.get("expires")),
        quantity=_quantity(intent.get("resourceQuantity")),
        price=short_text(document.get("price"), MAX_PRICE),
        **_loan(document, status, closed_as),
    )
    return {
        "kind": kind,
        "listing": listing,
        "category": community_category(document, categories)
        or category_from_hashtags(hashtags, categories),
        "place": place_from_as(document.get("location"), with_address=False),
    }


def _loan(document: dict[str, Any], status: str, closed_as: Any) -> dict[str, Any]:
    """Our loan terms, kept only on a listing closed as lent or returned."""
    if status != "closed" or closed_as not in ("lent", "returned"):
        return {}
    lent_at = parse_datetime(document.get("lentAt"))
    due_on = parse_date(document.get("dueOn"))
    returned_at = parse_datetime(document.get("returnedAt")) if closed_as == "returned" else None
    if lent_at is not None and due_on is not None and due_on < lent_at.date():
        due_on = None
    return {"lent_at": lent_at, "due_on": due_on, "returned_at": returned_at}


def hashtag_listing_fields(
    content: str, kind: str, hashtags: list[str], categories: Categories
) -> dict[str, Any]:
    """RemotePostData fields of a Mastodon post tagged as an offer or a request."""
    return {
        "kind": kind,
        "name": title_from_text(html_to_text(content)),
        "listing": ListingDetails(intent=_intent(kind, None, hashtags, None)),
        "category": category_from_hashtags(hashtags, categories),
    }


def title_from_text(text: str) -> str | None:
    """The first line's first sentence, without leading or trailing tags, at most 120
    characters (cut at a word)."""
    for line in text.splitlines():
        line = _TRAILING_TAGS.sub("", _LEADING_TAGS.sub("", line.strip())).strip()
        if not line:
            continue
        sentence = _SENTENCE_END.split(line, maxsplit=1)[0].rstrip(" .")
        if len(sentence) <= MAX_TITLE:
            return sentence
        return sentence[: MAX_TITLE - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return None


def agreement_offer(activity: Any) -> tuple[str, int] | None:
    """(listing URI, quantity) of a FEP-0837 `Offer{object: Agreement}`, or None.

    The listing URI is the `satisfies` of the agreement's primary commitment without its
    `#primary` fragment.
    """
    if not isinstance(activity, dict) or first_type(activity, frozenset({"Offer"})) is None:
        return None
    agreement = activity.get("object")
    if not isinstance(agreement, dict) or first_type(agreement, frozenset({"Agreement"})) is None:
        return None
    commitment = next(
        (c for c in as_list(agreement.get("stipulates")) if isinstance(c, dict)), None
    )
    if commitment is None:
        return None
    satisfies = optional_uri(id_of(commitment.get("satisfies")))
    if satisfies is None:
        return None
    quantity = _quantity(commitment.get("resourceQuantity"))
    return satisfies.split("#", 1)[0], quantity
