"""Posts for the feed tests, written straight into an instance's store: the feeds read
the store, so this tests them without the services that publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fedlocal.models import Actor, Post
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store
from tests.support.instance import TestInstance


def soon(days: float = 0, hours: float = 0) -> datetime:
    """A moment relative to now, to the second (iCalendar carries no fractions)."""
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).replace(microsecond=0)


async def resident(inst: TestInstance, username: str, display_name: str = "") -> Actor:
    async with inst.db.write() as conn:
        return await actor_store.insert_local_actor(
            conn,
            role="resident",
            type="Person",
            username=username,
            domain=inst.config.domain,
            display_name=display_name or username,
            **inst.federation.urls.actor_endpoints(username),
        )


async def remote_actor(inst: TestInstance, username: str, domain: str, **fields: Any) -> Actor:
    """A Person of `domain`; `fields` adds to or replaces its columns (`icon_url`…)."""
    values: dict[str, Any] = {
        "type": "Person",
        "username": username,
        "domain": domain,
        "display_name": username.title(),
        "inbox_url": f"https://{domain}/users/{username}/inbox",
        **fields,
    }
    async with inst.db.write() as conn:
        return await actor_store.upsert_remote_actor(
            conn, uri=f"https://{domain}/users/{username}", **values
        )


async def following(
    inst: TestInstance, follower: Actor, followed: Actor, state: str = "accepted"
) -> None:
    """`follower` follows `followed` already (no Follow sent: the row only)."""
    async with inst.db.write() as conn:
        await follow_store.upsert_follow(
            conn,
            follower_id=follower.id,
            followed_id=followed.id,
            uri=f"{follower.uri}#f",
            state=state,
        )


async def local_post(inst: TestInstance, author: Actor, **fields: Any) -> Post:
    fields.setdefault("visibility", "public")
    fields.setdefault("content", "<p>Hello</p>")
    if fields.get("kind") == "event":
        fields.setdefault("type", "Event")
    async with inst.db.write() as conn:
        post = await post_store.insert_local_post(
            conn, actor_id=author.id, uri_for=inst.federation.urls.post, **fields
        )
        return await post_store.update_post(conn, post.id, url=post.uri)


async def remote_post(inst: TestInstance, author: Actor, uri: str, **fields: Any) -> Post:
    fields.setdefault("visibility", "public")
    fields.setdefault("published", soon())
    async with inst.db.write() as conn:
        post, _created = await post_store.upsert_remote_post(
            conn, uri=uri, actor_id=author.id, **fields
        )
        return post


async def edit(inst: TestInstance, post: Post, **fields: Any) -> Post:
    async with inst.db.write() as conn:
        return await post_store.update_post(conn, post.id, **fields)


async def delete(inst: TestInstance, post: Post) -> None:
    async with inst.db.write() as conn:
        await post_store.tombstone_post(conn, post.id)
