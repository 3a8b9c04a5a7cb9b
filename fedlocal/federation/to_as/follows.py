"""Follow, and its Undo, Accept and Reject (interop.md §4)."""

from __future__ import annotations

import uuid
from typing import Any

from ...models import Actor, Follow
from .vocabulary import AS_CONTEXT


def follow(follower: Actor, followed: Actor, follow_row: Follow) -> dict[str, Any]:
    """A Follow, its id the one we stored."""
    return {
        "@context": AS_CONTEXT,
        "id": follow_row.uri,
        "type": "Follow",
        "actor": follower.uri,
        "object": followed.uri,
    }


def _embedded_follow(follower: Actor, followed: Actor, follow_row: Follow) -> dict[str, Any]:
    return {
        "id": follow_row.uri,
        "type": "Follow",
        "actor": follower.uri,
        "object": followed.uri,
    }


def undo_follow(follower: Actor, followed: Actor, follow_row: Follow) -> dict[str, Any]:
    """Unfollow: an Undo embedding the Follow."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{follower.uri}#undo/{uuid.uuid4()}",
        "type": "Undo",
        "actor": follower.uri,
        "object": _embedded_follow(follower, followed, follow_row),
    }


def accept_follow(followed: Actor, follower: Actor, follow_row: Follow) -> dict[str, Any]:
    """Accept a Follow, embedding it (Mastodon matches actor and object)."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{followed.uri}#accepts/{uuid.uuid4()}",
        "type": "Accept",
        "actor": followed.uri,
        "object": _embedded_follow(follower, followed, follow_row),
    }


def reject_follow(followed: Actor, follower: Actor, follow_row: Follow) -> dict[str, Any]:
    """Reject a Follow (or remove a follower), embedding it."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{followed.uri}#rejects/{uuid.uuid4()}",
        "type": "Reject",
        "actor": followed.uri,
        "object": _embedded_follow(follower, followed, follow_row),
    }
