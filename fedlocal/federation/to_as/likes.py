"""Like and its Undo; the Undo of a resident's Announce (interop.md §4)."""

from __future__ import annotations

import uuid
from typing import Any

from activitypub.addressing import PUBLIC

from ...models import Actor, Announce, Post
from .common import iso
from .vocabulary import AS_CONTEXT


def like(liker: Actor, post: Post, author: Actor, like_uri: str) -> dict[str, Any]:
    """A Like of the bare object id, addressed to its author (Mastodon's shape)."""
    return {
        "@context": AS_CONTEXT,
        "id": like_uri,
        "type": "Like",
        "actor": liker.uri,
        "object": post.uri,
        "to": [author.uri],
    }


def undo_like(liker: Actor, post: Post, author: Actor, like_uri: str) -> dict[str, Any]:
    """Take a like back: an Undo embedding the Like."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{liker.uri}#undo/{uuid.uuid4()}",
        "type": "Undo",
        "actor": liker.uri,
        "to": [author.uri],
        "object": {"id": like_uri, "type": "Like", "actor": liker.uri, "object": post.uri},
    }


def undo_announce(announcer: Actor, post: Post, author: Actor, record: Announce) -> dict[str, Any]:
    """Un-boost: an Undo embedding the Announce, addressed as the Announce was."""
    cc = [c for c in (announcer.followers_url, author.uri) if c]
    return {
        "@context": AS_CONTEXT,
        "id": f"{announcer.uri}#undo/{uuid.uuid4()}",
        "type": "Undo",
        "actor": announcer.uri,
        "to": [PUBLIC],
        "cc": cc,
        "object": {
            "id": record.uri,
            "type": "Announce",
            "actor": announcer.uri,
            "published": iso(record.published),
            "to": [PUBLIC],
            "cc": cc,
            "object": post.uri,
        },
    }
