"""Who is who here: our actors by name, address or role, any actor by id, and the
instance's association groups."""

from __future__ import annotations

from ..models import Actor
from ..store import actors as actor_store
from ..store import residents as resident_store
from .context import ServiceContext
from .errors import NotFound


async def local_actor(ctx: ServiceContext, username: str) -> Actor | None:
    """One of our actors (resident, group, community, instance) by its username."""
    async with ctx.db.read() as conn:
        return await actor_store.get_local_actor(conn, username)


async def person(ctx: ServiceContext, username: str) -> Actor:
    """One of our actors with a profile page (every one but the instance actor)."""
    actor = await local_actor(ctx, username)
    if actor is None or actor.role == "instance":
        raise NotFound("no such account")
    return actor


async def group(ctx: ServiceContext, username: str) -> Actor:
    """One of our association groups."""
    actor = await local_actor(ctx, username)
    if actor is None or actor.role != "group":
        raise NotFound("no such group")
    return actor


async def by_id(ctx: ServiceContext, actor_id: int) -> Actor:
    """Any actor we hold (ours or remote) by its id."""
    async with ctx.db.read() as conn:
        actor = await actor_store.get_actor(conn, actor_id)
    if actor is None:
        raise NotFound("no such account")
    return actor


async def by_role(ctx: ServiceContext, role: str) -> Actor | None:
    """The instance's own actor with this role: `instance` or `community`."""
    async with ctx.db.read() as conn:
        return await actor_store.get_actor_by_role(conn, role)


async def by_address(ctx: ServiceContext, url: str) -> Actor | None:
    """One of our actors by its id, or by its profile page's URL (`/@name`)."""
    profile_prefix = f"{ctx.config.base_url}/@"
    async with ctx.db.read() as conn:
        actor = await actor_store.get_actor_by_uri(conn, url)
        if actor is None and url.startswith(profile_prefix):
            actor = await actor_store.get_local_actor(conn, url[len(profile_prefix) :].strip("/"))
    return actor if actor is not None and actor.is_local else None


async def groups(ctx: ServiceContext, *, limit: int = 200) -> list[Actor]:
    """Our association groups, by name."""
    async with ctx.db.read() as conn:
        return await resident_store.local_groups(conn, limit=limit)
