"""What an activity must carry before we act on it: the one table of required fields.

The inbox refuses (400) an activity that does not have its verb's shape before answering
202, and the inbox worker checks again before a handler runs (a row queued before these
rules changed, or written by another way in), so a handler may rely on what this table
promises: no `KeyError` on a field the inbox accepted.

Every check is a few dictionary lookups on the top level of the activity and its object:
constant work per request, cheap enough to run on anything that reaches the inbox.

Which verbs need their own `id`: those we keep under that id because a later activity
refers to it — a Follow (Accept, Reject and Undo name it), a Like, a Block and an
Announce (Undo names them), a Join (the organiser's Accept or Reject names it) and an Offer (the
author's Accept names it). Mastodon, GoToSocial, Mobilizon, Gancio and Mitra always send
ids; for the other verbs nothing of ours reads the activity's id, so an id-less Accept,
Reject, Undo, Leave, Create, Update or Delete from a laxer peer is still acted on (it is
deduplicated by a hash of its body).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from activitypub.addressing import id_of

from .origin import http_host

# What the `object` of a verb must be.
# A reference: an id, or an embedded object with an id (what a Like or a Follow names).
REFERENCE = "reference"
# An id or an embedded object, with or without an id (an Undo or an Accept may embed the
# Follow they answer without its id; the handler then matches it by actor and object).
ID_OR_EMBEDDED = "id-or-embedded"
# One reference or a list of them (a Flag names an account and its posts; Misskey sends
# a single id, Mastodon a list).
REFERENCES = "references"


@dataclass(frozen=True)
class Shape:
    """The fields a verb must carry, besides the `type` and `actor` every activity has."""

    needs_id: bool
    object: str  # REFERENCE | ID_OR_EMBEDDED | REFERENCES

    def describe_object(self) -> str:
        if self.object == REFERENCE:
            return "an object with an id (or the object's id)"
        if self.object == REFERENCES:
            return "an object id, or a list of them"
        return "an object (its id, or the object itself)"


SHAPES: Mapping[str, Shape] = {
    "Follow": Shape(needs_id=True, object=REFERENCE),
    "Like": Shape(needs_id=True, object=REFERENCE),
    "Block": Shape(needs_id=True, object=REFERENCE),
    "Announce": Shape(needs_id=True, object=ID_OR_EMBEDDED),
    "Join": Shape(needs_id=True, object=REFERENCE),
    "Offer": Shape(needs_id=True, object=ID_OR_EMBEDDED),
    "Accept": Shape(needs_id=False, object=ID_OR_EMBEDDED),
    "Reject": Shape(needs_id=False, object=ID_OR_EMBEDDED),
    "Undo": Shape(needs_id=False, object=ID_OR_EMBEDDED),
    "Leave": Shape(needs_id=False, object=REFERENCE),
    "Create": Shape(needs_id=False, object=REFERENCE),
    "Update": Shape(needs_id=False, object=REFERENCE),
    "Delete": Shape(needs_id=False, object=REFERENCE),
    # Mastodon sends its pins' Add and Remove without an id.
    "Add": Shape(needs_id=False, object=REFERENCE),
    "Remove": Shape(needs_id=False, object=REFERENCE),
    "Flag": Shape(needs_id=False, object=REFERENCES),
    "Move": Shape(needs_id=False, object=REFERENCE),
}


def envelope_problem(activity: Any) -> str | None:
    """What every activity must be, whatever its verb: a JSON object with a `type`, an
    http(s) `actor`, and, if it has an `id`, a string one. None when it is."""
    if not isinstance(activity, dict):
        return "an activity must be a JSON object"
    if not isinstance(activity.get("type"), str):
        return "the activity has no type"
    if http_host(id_of(activity.get("actor"))) is None:
        return "the activity has no actor"
    activity_id = activity.get("id")
    if activity_id is not None and not isinstance(activity_id, str):
        return "the activity id must be a string"
    return None


def verb_problem(activity: dict[str, Any]) -> str | None:
    """What `activity` lacks for its verb's shape (SHAPES), naming the missing field; None
    when it has everything, or when we do not handle its verb (it is then ignored)."""
    verb = activity.get("type")
    shape = SHAPES.get(verb) if isinstance(verb, str) else None
    if shape is None:
        return None
    if shape.needs_id and not _non_empty(activity.get("id")):
        return f"a {verb} needs an id"
    obj = activity.get("object")
    if shape.object == REFERENCE:
        if not _non_empty(id_of(obj)):
            return f"a {verb} needs {shape.describe_object()}"
    elif shape.object == REFERENCES:
        items = obj if isinstance(obj, list) else [obj]
        if not items or not all(_non_empty(id_of(item)) for item in items):
            return f"a {verb} needs {shape.describe_object()}"
    elif not (_non_empty(obj) or isinstance(obj, dict)):
        return f"a {verb} needs {shape.describe_object()}"
    return None


def problem(activity: Any) -> str | None:
    """`envelope_problem`, then `verb_problem`: the whole check, as the worker runs it."""
    return envelope_problem(activity) or verb_problem(activity)


def _non_empty(value: Any) -> bool:
    return isinstance(value, str) and value != ""
