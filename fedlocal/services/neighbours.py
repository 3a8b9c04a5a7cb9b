"""Neighbour links between instances: the quarters that see each other's posts.

A link is a follow between instance actors. When an admin links a neighbour, our
instance actor follows theirs (found through NodeInfo, FEP-2677, as Mobilizon does);
their admin approves — automatically when our domain is on their allowlist, or when
they had asked to link with us first. From then on their community's Announces reach us
(an instance's community Announces also go to its instance actor's followers). Links
are normally mutual: adding a neighbour who already asked accepts their request too.

A LitePub relay or a Mobilizon relay is linked the same way, by its actor URL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from activitypub.addressing import host_of

from ..models import Actor, Follow
from ..store import actors as actor_store
from ..store import follows as follow_store
from . import outgoing
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound


@dataclass(frozen=True)
class NeighbourLink:
    """One neighbour, seen from here."""

    actor: Actor
    # Our instance actor's follow of theirs, and theirs of ours: None, pending, accepted.
    outgoing: str | None
    incoming: str | None

    @property
    def domain(self) -> str:
        return self.actor.domain

    @property
    def linked(self) -> bool:
        """Their posts reach us."""
        return self.outgoing == "accepted"


def _target_domain(target: str) -> str:
    target = target.strip()
    if target.startswith(("https://", "http://")):
        return host_of(target)
    domain = target.lower().rstrip("/")
    if not domain or "/" in domain or "@" in domain or " " in domain:
        raise InvalidInput(
            "not a domain or an actor URL: '%(target)s'", target=target, field="domain"
        )
    return domain


async def link(ctx: ServiceContext, target: str) -> NeighbourLink:
    """Link a neighbouring instance (by domain) or a relay (by actor URL)."""
    domain = _target_domain(target)
    if domain == ctx.config.domain:
        raise InvalidInput("an instance cannot be its own neighbour", field="domain")
    if not await ctx.domains.allows(domain):
        raise Forbidden(
            "%(domain)s is blocked by this instance's federation policy",
            domain=domain,
            field="domain",
        )
    if target.startswith(("https://", "http://")):
        remote = await ctx.remote.actor(target.strip(), refresh=True)
    else:
        remote = await ctx.remote.instance_actor(domain)
    async with ctx.db.write() as conn:
        instance = await _instance(conn)
        # Their earlier request to link with us is accepted now: links are mutual.
        incoming = await follow_store.get_follow(conn, remote.id, instance.id)
        if incoming is not None and incoming.state == "pending":
            await follow_store.set_follow_state(conn, incoming.id, "accepted")
            await ctx.outbox.send(conn, outgoing.FollowAccepted(instance, remote, incoming))
        ours = await follow_store.get_follow(conn, instance.id, remote.id)
        if ours is None:
            ours = await follow_store.upsert_follow(
                conn,
                follower_id=instance.id,
                followed_id=remote.id,
                uri=f"{instance.uri}#follows/{remote.id}-{_stamp()}",
                state="pending",
            )
            await ctx.outbox.send(conn, outgoing.FollowSent(instance, remote, ours))
        result = await _describe(conn, instance, remote)
    ctx.outbox.wake()
    if not target.startswith(("https://", "http://")):
        # Their groups, so that /groups lists them (a relay has none).
        await ctx.remote.instance_groups(domain)
    return result


async def unlink(ctx: ServiceContext, target: str) -> list[NeighbourLink]:
    """Remove every link with a domain (or one relay): Undo our follow, remove theirs."""
    domain = _target_domain(target)
    removed: list[NeighbourLink] = []
    async with ctx.db.write() as conn:
        instance = await _instance(conn)
        for remote in await _linked_actors(conn, instance):
            matches = remote.uri == target.strip() or (
                not target.startswith(("https://", "http://")) and remote.domain == domain
            )
            if not matches:
                continue
            removed.append(await _describe(conn, instance, remote))
            ours = await follow_store.get_follow(conn, instance.id, remote.id)
            if ours is not None:
                await follow_store.delete_follow(conn, ours.id)
                await ctx.outbox.send(conn, outgoing.FollowUndone(instance, remote, ours))
            incoming = await follow_store.get_follow(conn, remote.id, instance.id)
            if incoming is not None:
                await follow_store.delete_follow(conn, incoming.id)
                # A Reject of an accepted follow removes the follower (interop.md §4).
                await ctx.outbox.send(conn, outgoing.FollowRejected(instance, remote, incoming))
    if not removed:
        raise NotFound("no link with %(target)s", target=target)
    ctx.outbox.wake()
    return removed


async def instance_names(ctx: ServiceContext) -> dict[str, str]:
    """The names our neighbouring instances give themselves (their instance actor's
    `name`, learned when linking and refreshed with the actor), by domain: a neighbour's
    post says "neighbour: Paramé", not its host and port."""
    async with ctx.db.read() as conn:
        instance = await _instance(conn)
        linked = await _linked_actors(conn, instance)
    return {
        actor.domain: actor.display_name
        for actor in linked
        if actor.display_name and actor.display_name != actor.domain
    }


async def neighbour_groups(ctx: ServiceContext) -> list[Actor]:
    """The groups of our linked neighbouring instances that we know (learned when
    linking, from their NodeInfo), by name."""
    async with ctx.db.read() as conn:
        instance = await _instance(conn)
        domains = sorted({actor.domain for actor in await _linked_actors(conn, instance)})
        return await actor_store.remote_groups_on(conn, domains)


async def neighbours(ctx: ServiceContext) -> list[NeighbourLink]:
    """Every instance or relay we link with or that asked to link with us."""
    async with ctx.db.read() as conn:
        instance = await _instance(conn)
        return [await _describe(conn, instance, a) for a in await _linked_actors(conn, instance)]


async def should_auto_accept(conn: AsyncConnection, ctx: ServiceContext, follower: Actor) -> bool:
    """Whether a request to link with our instance actor is approved without an admin:
    the follower's domain is on our allowlist (the config's or the admin page's), or we
    asked to link with them first."""
    if follower.domain in ctx.config.allowed_domains:
        return True
    if follower.domain in await ctx.domains.allowed_domains():
        return True
    instance = await _instance(conn)
    return await follow_store.follows_domain(
        conn, instance.id, follower.domain, accepted_only=False
    )


async def is_linked_domain(conn: AsyncConnection, domain: str) -> bool:
    """Whether our instance actor's follow of an actor on `domain` was accepted: their
    community's Announces are then welcome here."""
    instance = await actor_store.get_actor_by_role(conn, "instance")
    if instance is None:
        return False
    return await follow_store.follows_domain(conn, instance.id, domain, accepted_only=True)


async def _instance(conn: AsyncConnection) -> Actor:
    instance = await actor_store.get_actor_by_role(conn, "instance")
    assert instance is not None, "the instance actor is created at start-up"
    return instance


async def _linked_actors(conn: AsyncConnection, instance: Actor) -> list[Actor]:
    """Remote actors our instance actor follows or is followed by, in any state."""
    return await follow_store.related_remote_actors(conn, instance.id)


async def _describe(conn: AsyncConnection, instance: Actor, remote: Actor) -> NeighbourLink:
    ours: Follow | None = await follow_store.get_follow(conn, instance.id, remote.id)
    incoming: Follow | None = await follow_store.get_follow(conn, remote.id, instance.id)
    return NeighbourLink(
        actor=remote,
        outgoing=ours.state if ours else None,
        incoming=incoming.state if incoming else None,
    )


def _stamp() -> str:
    return uuid.uuid4().hex[:12]
