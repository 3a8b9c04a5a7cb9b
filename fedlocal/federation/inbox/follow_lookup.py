"""Finding the follow an Accept, Reject or Undo refers to (by id or embedded Follow)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from activitypub.addressing import id_of

from ...models import Follow
from ...services import follows


async def find_follow(
    conn: AsyncConnection, reference: Any, *, follower_uri: str | None, followed_uri: str | None
) -> Follow | None:
    """The follow `reference` (a Follow id or an embedded Follow) points at, provided its
    sides match the given follower and followed actors."""
    follow_id = id_of(reference)
    if isinstance(reference, dict):
        follower_uri = follower_uri or id_of(reference.get("actor"))
        followed_uri = followed_uri or id_of(reference.get("object"))
    return await follows.find_answered_follow(
        conn,
        follow_uri=follow_id if isinstance(follow_id, str) else None,
        follower_uri=follower_uri if isinstance(follower_uri, str) else None,
        followed_uri=followed_uri if isinstance(followed_uri, str) else None,
    )
