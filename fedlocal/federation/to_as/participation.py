"""Event participation: Join, Leave, and the organiser's Accept or Reject (Mobilizon's
shapes, interop.md §7.1)."""

from __future__ import annotations

import uuid
from typing import Any

from ...models import Actor
from .vocabulary import AS_CONTEXT, PARTICIPATION_CONTEXT


def join(
    actor: Actor, event_uri: str, organiser_uri: str, join_uri: str, message: str | None
) -> dict[str, Any]:
    """RSVP to an event (Mobilizon's shape: the object is the event id)."""
    document: dict[str, Any] = {
        "@context": PARTICIPATION_CONTEXT,
        "id": join_uri,
        "type": "Join",
        "actor": actor.uri,
        "object": event_uri,
        "to": [organiser_uri],
    }
    if message:
        document["participationMessage"] = message
    return document


def leave(actor: Actor, event_uri: str, organiser_uri: str) -> dict[str, Any]:
    """Withdraw from an event."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.uri}#leave/{uuid.uuid4()}",
        "type": "Leave",
        "actor": actor.uri,
        "object": event_uri,
        "to": [organiser_uri],
    }


def _embedded_join(participant_uri: str, event_uri: str, join_uri: str) -> dict[str, Any]:
    return {"id": join_uri, "type": "Join", "actor": participant_uri, "object": event_uri}


def accept_join(
    organiser: Actor, participant_uri: str, event_uri: str, join_uri: str
) -> dict[str, Any]:
    """The organiser accepts a participation, embedding the Join."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{organiser.uri}#accepts/{uuid.uuid4()}",
        "type": "Accept",
        "actor": organiser.uri,
        "object": _embedded_join(participant_uri, event_uri, join_uri),
        "to": [participant_uri],
    }


def reject_join(
    organiser: Actor, participant_uri: str, event_uri: str, join_uri: str
) -> dict[str, Any]:
    """The organiser refuses a participation, embedding the Join."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{organiser.uri}#rejects/{uuid.uuid4()}",
        "type": "Reject",
        "actor": organiser.uri,
        "object": _embedded_join(participant_uri, event_uri, join_uri),
        "to": [participant_uri],
    }
