"""Rides (carpooling) as FEP-0837 listings, and the driver's answers to a booking
(docs/FEDERATION.md, "Carpooling").

A `Note`, so Mastodon shows it (its `content` opens with the ride in one line). A
marketplace-aware peer reads `purpose`, `publishes` (a `deliverService` intent whose
quantity is the seats) and `reciprocal` (the contribution per seat); the departure is the
`location` and the `origin`, the destination our `destination`, both `Place`s; the weekly
rule and the status are our terms.
"""

from __future__ import annotations

import uuid
from typing import Any

from ...models import Actor, Place, Post, RideBooking
from ...ride_dates import seat_dates
from ...urls import Urls
from .common import addressing, hashtag_tags, iso, iso_precise
from .vocabulary import RIDE_CONTEXT


def _place(place: Place) -> dict[str, Any]:
    document: dict[str, Any] = {"type": "Place", "name": place.name or ""}
    if place.has_coordinates:
        document["latitude"] = place.latitude
        document["longitude"] = place.longitude
    return document


def _seats(seats: int) -> dict[str, str]:
    # FEP-0837 writes the numeric value as a string.
    return {"hasUnit": "one", "hasNumericalValue": str(seats)}


def ride(post: Post, author: Actor, urls: Urls) -> dict[str, Any]:
    """A ride as a FEP-0837 `Note` (without `@context`)."""
    details = post.ride
    if details is None:
        raise ValueError(f"post {post.uri} is not a ride")
    to, cc = addressing(post, author)
    # The next dates with their seats left (our `upcomingDates`), as of now: a peer closes
    # a full date, and each booking's `Update` refreshes them.
    dates = seat_dates(details) if details.status == "open" else []
    intent: dict[str, Any] = {
        "type": "Intent",
        "id": f"{post.uri}#primary",
        "action": "deliverService",
        "resourceQuantity": _seats(details.seats),
    }
    if not details.weekly and dates:
        # A one-off ride has one date: FEP-0837's own word for what is left.
        intent["availableQuantity"] = _seats(dates[0].seats_left)
    document: dict[str, Any] = {
        "id": post.uri,
        "type": "Note",
        "attributedTo": author.uri,
        "name": post.name,
        "content": post.content,
        "published": iso(post.published),
        "url": post.url or post.uri,
        "to": to,
        "cc": cc,
        "sensitive": False,
        "tag": hashtag_tags(list(post.hashtags), urls),
        "purpose": details.role,
        "publishes": intent,
        "unitBased": True,
        "location": _place(details.origin),
        "origin": _place(details.origin),
        "destination": _place(details.destination),
        "startTime": iso(details.departs_at),
        "timezone": details.timezone,
        "rideStatus": details.status,
        "seats": details.seats,
        "upcomingDates": [
            {
                "departsOn": d.day.isoformat(),
                "startTime": iso(d.departs_at),
                "seatsLeft": d.seats_left,
            }
            for d in dates
        ],
    }
    if details.contribution_cents is not None:
        cents = details.contribution_cents
        document["reciprocal"] = {
            "type": "Intent",
            "id": f"{post.uri}#reciprocal",
            "action": "transfer",
            "resourceQuantity": {
                "hasUnit": details.currency,
                "hasNumericalValue": f"{cents // 100}.{cents % 100:02d}",
            },
        }
    optional: dict[str, Any] = {
        "contentMap": {post.language: post.content} if post.language else None,
        "source": {"content": post.source, "mediaType": "text/markdown"} if post.source else None,
        "updated": iso_precise(post.edited_at) if post.edited_at else None,
        "endTime": iso(details.arrives_at) if details.arrives_at else None,
        "communityCategory": post.category,
        "repeats": "weekly" if details.weekly else None,
        "repeatsUntil": details.until.isoformat() if details.until else None,
    }
    document.update({key: value for key, value in optional.items() if value})
    return document


def book_seats(passenger: Actor, ride: Post, driver: Actor, booking: RideBooking) -> dict[str, Any]:
    """A resident of ours books seats on a ride elsewhere: FEP-0837's Offer of an
    agreement on the ride's primary intent, for the seats on one day."""
    assert booking.offer_uri is not None
    return {
        "@context": RIDE_CONTEXT,
        "id": booking.offer_uri,
        "type": "Offer",
        "actor": passenger.uri,
        "to": [driver.uri],
        "object": {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": f"{ride.uri}#primary",
                "resourceQuantity": _seats(booking.seats),
                "departsOn": booking.departs_on.isoformat(),
            },
        },
    }


def withdraw_booking(
    passenger: Actor, ride: Post, driver: Actor, booking: RideBooking
) -> dict[str, Any]:
    """Our resident cancels their booking on a ride elsewhere: the `Undo` of their `Offer`
    (embedded whole, so a server that never kept it still knows what is undone)."""
    offer = book_seats(passenger, ride, driver, booking)
    del offer["@context"]
    return {
        "@context": RIDE_CONTEXT,
        "id": f"{booking.offer_uri}/undo",
        "type": "Undo",
        "actor": passenger.uri,
        "to": [driver.uri],
        "object": offer,
    }


def accept_booking(
    driver: Actor, ride: Post, passenger_uri: str, booking: RideBooking
) -> dict[str, Any]:
    """The driver accepts a remote passenger's `Offer`: the result is the agreement, for
    the seats on that day."""
    assert booking.offer_uri is not None
    agreement_uri = f"{ride.uri}#bookings/{booking.id}"
    return {
        "@context": RIDE_CONTEXT,
        "id": f"{driver.uri}#accepts/{uuid.uuid4()}",
        "type": "Accept",
        "actor": driver.uri,
        "to": [passenger_uri],
        "object": booking.offer_uri,
        "result": {
            "type": "Agreement",
            "id": agreement_uri,
            "attributedTo": driver.uri,
            "stipulates": {
                "id": f"{agreement_uri}/primary",
                "type": "Commitment",
                "satisfies": f"{ride.uri}#primary",
                "resourceQuantity": _seats(booking.seats),
                "departsOn": booking.departs_on.isoformat(),
            },
        },
    }


def reject_booking(
    driver: Actor, ride_uri: str, passenger_uri: str, offer_uri: str, reason: str
) -> dict[str, Any]:
    """The driver (or the server for them: full, cancelled, blocked) refuses an `Offer`;
    `summary` says why, in English."""
    return {
        "@context": RIDE_CONTEXT,
        "id": f"{driver.uri}#rejects/{uuid.uuid4()}",
        "type": "Reject",
        "actor": driver.uri,
        "to": [passenger_uri],
        "object": offer_uri,
        "target": ride_uri,
        "summary": reason,
    }
