"""Posts ↔ rows of the `objects` table: the nested place, listing and event details of a
Post live in flat columns (one table for every kind, see tables.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from ..geo import cell_of
from ..models import EventDetails, ListingDetails, Place, Post
from .extras import POST_EXTRAS, post_data, post_fields

PLAIN_FIELDS = (
    "type",
    "kind",
    "visibility",
    "in_reply_to_uri",
    "name",
    "summary",
    "content",
    "source",
    "sensitive",
    "language",
    "url",
    "published",
    "edited_at",
    "category",
)
_ADDRESS_KEYS = ("street", "postal_code", "locality", "region", "country")
_LISTING_COLUMNS = (
    "intent",
    "closed_as",
    "reserved_for_uri",
    "lent_at",
    "due_on",
    "returned_at",
    "available_from",
    "available_until",
    "expires_at",
    "quantity",
    "price",
)
_EVENT_COLUMNS = (
    "starts_at",
    "ends_at",
    "timezone",
    "join_mode",
    "capacity",
    "participant_count",
    "external_url",
)


def columns_for(fields: dict[str, Any]) -> dict[str, Any]:
    """Column values for the given Post fields (`place`, `listing`, `event` expanded).

    Only the fields given are returned, so an update touches nothing else; passing
    `place=None` clears the place columns, and likewise for listing and event.
    """
    values = {k: v for k, v in fields.items() if k in PLAIN_FIELDS}
    if any(name in fields for name in POST_EXTRAS):
        values["data"] = post_data(fields)
    if "place" in fields:
        values.update(_place_columns(fields["place"]))
    if "listing" in fields:
        values.update(_listing_columns(fields["listing"]))
    if "event" in fields:
        values.update(_event_columns(fields["event"]))
    # A ride's details live in `data`; its status is a column too, for the nearby feed.
    if fields.get("ride") is not None:
        values["status"] = fields["ride"].status
    if fields.get("listing") is not None and fields.get("event") is not None:
        raise ValueError("a post is a listing or an event, not both")
    return values


def _place_columns(place: Place | None) -> dict[str, Any]:
    if place is None:
        return {
            "place_name": None,
            "latitude": None,
            "longitude": None,
            "geo_cell": None,
            "address": None,
        }
    address = {key: getattr(place, key) for key in _ADDRESS_KEYS if getattr(place, key)}
    return {
        "place_name": place.name,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "geo_cell": (
            cell_of(place.latitude, place.longitude)
            if place.latitude is not None and place.longitude is not None
            else None
        ),
        "address": address or None,
    }


def _listing_columns(listing: ListingDetails | None) -> dict[str, Any]:
    if listing is None:
        return {column: None for column in _LISTING_COLUMNS}
    return {
        "intent": listing.intent,
        "status": listing.status,
        "closed_as": listing.closed_as,
        "reserved_for_uri": listing.reserved_for,
        "available_from": listing.available_from,
        "available_until": listing.available_until,
        "expires_at": listing.expires_at,
        "quantity": listing.quantity,
        "price": listing.price,
        "lent_at": listing.lent_at,
        "due_on": listing.due_on,
        "returned_at": listing.returned_at,
    }


def _event_columns(event: EventDetails | None) -> dict[str, Any]:
    if event is None:
        return {column: None for column in _EVENT_COLUMNS}
    return {
        "status": event.status,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "timezone": event.timezone,
        "join_mode": event.join_mode,
        "capacity": event.capacity,
        "participant_count": event.participant_count,
        "external_url": event.external_url,
    }


def post_from_row(row: Row[Any]) -> Post:
    """The Post a row of `objects` holds."""
    return Post(
        id=row.id,
        uri=row.uri,
        type=row.type,
        kind=row.kind,
        actor_id=row.actor_id,
        is_local=row.is_local,
        visibility=row.visibility,
        content=row.content,
        published=row.published,
        created_at=row.created_at,
        in_reply_to_uri=row.in_reply_to_uri,
        name=row.name,
        summary=row.summary,
        source=row.source,
        sensitive=row.sensitive,
        language=row.language,
        url=row.url,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
        category=row.category,
        place=_place(row),
        listing=_listing(row),
        event=_event(row),
        **post_fields(row.data),
    )


def _place(row: Row[Any]) -> Place | None:
    if row.place_name is None and row.latitude is None and not row.address:
        return None
    address = row.address or {}
    return Place(
        name=row.place_name,
        latitude=row.latitude,
        longitude=row.longitude,
        **{key: address.get(key) for key in _ADDRESS_KEYS},
    )


def _listing(row: Row[Any]) -> ListingDetails | None:
    if row.kind not in ("offer", "request") or row.intent is None:
        return None
    return ListingDetails(
        intent=row.intent,
        status=row.status or "open",
        closed_as=row.closed_as,
        reserved_for=row.reserved_for_uri,
        available_from=row.available_from,
        available_until=row.available_until,
        expires_at=row.expires_at,
        quantity=row.quantity if row.quantity is not None else 1,
        price=row.price,
        lent_at=row.lent_at,
        due_on=row.due_on,
        returned_at=row.returned_at,
    )


def _event(row: Row[Any]) -> EventDetails | None:
    if row.kind != "event" or row.starts_at is None:
        return None
    return EventDetails(
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone or "UTC",
        status=row.status or "confirmed",
        join_mode=row.join_mode or "free",
        capacity=row.capacity,
        participant_count=row.participant_count or 0,
        external_url=row.external_url,
    )
