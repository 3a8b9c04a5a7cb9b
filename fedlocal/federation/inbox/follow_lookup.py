"""Finding the follow an Accept, Reject or Undo refers to (by id or embedded Follow)."""

from __future__ import annotations

from typing import Any

from activitypub.addressing import id_of

from ...models import Follow
from ...store import actors as actor_store
from ...store import follows as follow_store


async def find_follow(
    conn, reference: Any, *, follower_uri: str | None, followed_uri: str | None
) -> Follow | None:
    """The follow `reference` (a Follow id or an embedded Follow) points at, provided its
    sides match the given follower and followed actors."""
    follow_row = None
    follow_id = id_of(reference)
    if isinstance(follow_id, str):
        follow_row = await follow_store.get_follow_by_uri(conn, follow_id)
    if follow_row is None and isinstance(reference, dict):
        follower_uri = follower_uri or id_of(reference.get("actor"))
        followed_uri = followed_uri or id_of(reference.get("object"))
        follower = await actor_store.get_actor_by_uri(conn, follower_uri) if follower_uri else None
        followed = await actor_store.get_actor_by_uri(conn, followed_uri) if followed_uri else None
        if follower and followed:
            follow_row = await follow_store.get_follow(conn, follower.id, followed.id)
    if follow_row is None:
        return None
    follower = await actor_store.get_actor(conn, follow_row.follower_id)
    followed = await actor_store.get_actor(conn, follow_row.followed_id)
    if follower_uri is not None and (follower is None or follower.uri != follower_uri):
        return None
    if followed_uri is not None and (followed is None or followed.uri != followed_uri):
        return None
    return follow_row
