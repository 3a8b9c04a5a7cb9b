"""The instance's own actors (the instance actor at `/actor` and the community actor),
and the counts it publishes (NodeInfo, the client API's instance document)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from ..config import Config
from ..models import Actor, ActorKey
from ..store import Database
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import posts as post_store
from ..store import timelines as timeline_store
from ..store.database import serialise
from ..urls import Urls
from . import views
from .context import ServiceContext
from .keys import ensure_ed25519_key, ensure_vapid_key, generate_key_pems, store_actor_keys
from .views import AccountView


@dataclass(frozen=True)
class InstanceActors:
    instance: Actor
    instance_key: ActorKey
    community: Actor


@dataclass(frozen=True)
class Counts:
    users: int
    local_posts: int
    # Other servers we know actors of.
    domains: int


async def contact_account(ctx: ServiceContext) -> AccountView | None:
    """The instance's contact in the client API: its first admin, if any."""
    async with ctx.db.read() as conn:
        admin = await account_store.first_admin(conn)
        actor = await actor_store.get_actor(conn, admin.actor_id) if admin else None
        return await views.account(conn, actor) if actor else None


async def counts(ctx: ServiceContext) -> Counts:
    """What NodeInfo and the client API's instance document count."""
    async with ctx.db.read() as conn:
        return Counts(
            users=await account_store.count_accounts(conn),
            local_posts=await post_store.count_local_posts(conn),
            domains=await timeline_store.count_remote_domains(conn),
        )


async def ensure_instance_actors(config: Config, db: Database, urls: Urls) -> InstanceActors:
    """Create the instance and community actors on first start; return them (idempotent).

    Runs before the ServiceContext exists: the HTTP client it needs is signed with the
    instance actor's key made here.
    """
    async with db.read() as conn:
        instance = await actor_store.get_actor_by_role(conn, "instance")
        community = await actor_store.get_actor_by_role(conn, "community")
    if instance is None:
        pems = await generate_key_pems()
        async with db.write() as conn:
            # Processes starting together on one database: one creates, the others read.
            await serialise(conn, "instance-actors")
            instance = await actor_store.get_actor_by_role(conn, "instance")
            if instance is None:
                instance = await actor_store.insert_local_actor(
                    conn,
                    uri=urls.instance_actor,
                    role="instance",
                    type="Application",
                    # Mastodon's convention: the instance actor is acct:DOMAIN@DOMAIN.
                    username=config.domain,
                    domain=config.domain,
                    display_name=config.name,
                    inbox_url=urls.instance_inbox,
                    shared_inbox_url=urls.shared_inbox,
                    outbox_url=urls.instance_outbox,
                    url=f"{urls.base}/about",
                    manually_approves_followers=True,
                )
                await store_actor_keys(conn, urls, instance, pems)
    if community is None:
        pems = await generate_key_pems()
        name = config.community_username
        async with db.write() as conn:
            await serialise(conn, "instance-actors")
            community = await actor_store.get_actor_by_role(conn, "community")
            if community is None:
                community = await actor_store.insert_local_actor(
                    conn,
                    role="community",
                    type="Group",
                    username=name,
                    domain=config.domain,
                    display_name=config.name,
                    summary=config.description,
                    **urls.actor_endpoints(name),
                )
                await store_actor_keys(conn, urls, community, pems)
    async with db.write() as conn:
        # Every actor has an Ed25519 key (docs/FEDERATION.md): older instances made theirs
        # without one for the instance actor.
        for actor in (instance, community):
            await ensure_ed25519_key(conn, urls, actor)
        await ensure_vapid_key(conn, urls, instance)
        instance_key = await actor_store.get_key(conn, urls.main_key(instance.uri))
    assert instance_key is not None, "the instance actor has no RSA key"
    return InstanceActors(instance=instance, instance_key=instance_key, community=community)


def instance_secret(actors: InstanceActors) -> bytes:
    """The instance's secret for keyed hashes, derived from the instance actor's private
    key: every process sharing the database gets the same one, and nothing new needs
    storing. (Derived, not the key itself: the key signs, the secret only keys hashes.)"""
    pem = actors.instance_key.private_pem
    assert pem is not None, "the instance actor has no private key"
    return hmac.new(pem.encode(), b"fedlocal instance secret v1", hashlib.sha256).digest()
