"""Fetching and caching remote actors, keys and objects.

Implements `fedlocal.services.ports.Remote`. Every fetch is a GET signed by the instance
actor (so authorized-fetch servers answer) through the SSRF-guarded client.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urldefrag

import httpx

from activitypub import nodeinfo, webfinger
from activitypub.addressing import as_list, host_of
from activitypub.client import fetch_json, fetch_media
from activitypub.fetch_errors import FetchError

from ..config import Config
from ..models import Actor, ActorKey, Post
from ..services import neighbours
from ..services.domain_policy import DomainPolicy
from ..services.errors import Forbidden, InvalidInput, RemoteFailure
from ..store import Database
from ..store import actors as actor_store
from ..store.clock import utcnow
from . import remote_posts
from .from_as import InvalidDocument, actor_from_as
from .origin import http_host

log = logging.getLogger(__name__)

# A neighbour's NodeInfo names at most this many groups we fetch.
MAX_LISTED_GROUPS = 100

# A cached actor is refreshed when older than this (and on a failed signature).
ACTOR_FRESHNESS = timedelta(days=1)


class RemoteActors:
    def __init__(
        self,
        config: Config,
        db: Database,
        client: httpx.AsyncClient,
        *,
        domains: DomainPolicy | None = None,
    ):
        self.config = config
        self.db = db
        self.client = client
        self.domains = domains or DomainPolicy(config, db)
        # An http:// instance is a development or test setup talking to others like it.
        self.webfinger_scheme: Literal["https", "http"] = (
            "http" if config.scheme == "http" else "https"
        )

    async def _check_domain(self, uri: str) -> None:
        try:
            domain = host_of(uri)
        except ValueError:
            # Typed into a search box or sent by a peer: not a URL we could fetch.
            raise InvalidInput("not a URL we can fetch: '%(url)s'", url=uri[:200]) from None
        if not await self.domains.allows(domain):
            raise Forbidden(
                "federation with %(domain)s is not allowed on this instance", domain=domain
            )

    async def fetch_document(self, uri: str, *, check_id: bool = True) -> dict[str, Any]:
        """GET an ActivityStreams document (id checked against the URL unless told not to)."""
        await self._check_domain(uri)
        try:
            document = await fetch_json(
                self.client,
                uri,
                check_id=check_id,
                deadline=self.config.http_timeout_seconds * 2,
            )
        except FetchError as exc:
            raise RemoteFailure("could not fetch %(url)s", url=uri, detail=str(exc)) from exc
        # A redirect may have led elsewhere: the document's own id must be allowed too.
        document_id = document.get("id")
        if isinstance(document_id, str) and document_id.startswith(("https://", "http://")):
            await self._check_domain(document_id)
        return document

    async def fetch_media(self, url: str, *, max_bytes: int) -> bytes:
        """A picture of another server's (services/remote_media.py): its domain must be one
        we federate with, and the SSRF guard refuses private addresses at every hop."""
        await self._check_domain(url)
        try:
            return await fetch_media(
                self.client, url, max_bytes=max_bytes, deadline=self.config.http_timeout_seconds * 2
            )
        except FetchError as exc:
            raise RemoteFailure(
                "could not fetch the picture %(url)s", url=url, detail=str(exc)
            ) from exc

    async def actor(self, uri: str, *, refresh: bool = False) -> Actor:
        """The actor at `uri`, from the cache when fresh, else fetched and stored."""
        async with self.db.read() as conn:
            cached = await actor_store.get_actor_by_uri(conn, uri)
        if cached is not None and (cached.is_local or (not refresh and _fresh(cached))):
            return cached
        document = await self.fetch_document(uri)
        return await self.store_actor_document(document, expected_uri=uri)

    async def store_actor_document(
        self, document: dict[str, Any], *, expected_uri: str | None = None
    ) -> Actor:
        """Validate an actor document and store it with its keys."""
        try:
            data = actor_from_as(document)
        except InvalidDocument as exc:
            raise RemoteFailure(
                "this account's server sent something we cannot use",
                detail=f"unusable actor document: {exc}",
            ) from exc
        if expected_uri is not None and data.uri != expected_uri:
            raise RemoteFailure(
                "this account's server sent something we cannot use",
                detail=f"actor id {data.uri} differs from {expected_uri}",
            )
        await self._check_domain(data.uri)
        async with self.db.write() as conn:
            existing = await actor_store.get_actor_by_uri(conn, data.uri)
            if existing is not None and existing.is_local:
                raise RemoteFailure("a remote document claims one of our actors")
            actor = await actor_store.upsert_remote_actor(
                conn,
                uri=data.uri,
                type=data.type,
                username=data.username,
                domain=data.domain,
                display_name=data.display_name,
                summary=data.summary,
                inbox_url=data.inbox_url,
                shared_inbox_url=data.shared_inbox_url,
                outbox_url=data.outbox_url,
                followers_url=data.followers_url,
                following_url=data.following_url,
                url=data.url,
                manually_approves_followers=data.manually_approves_followers,
                icon_url=data.icon_url,
                image_url=data.image_url,
                # A claim we cannot verify: believed only from a linked neighbour.
                organization_type=(
                    trusted := await neighbours.trusted_organization_type(conn, data)
                ),
                fields=data.fields,
                # Hours and address, shown for the organisations of linked neighbours only.
                shop=data.shop if trusted in ("shop", "producer") else None,
                also_known_as=data.also_known_as,
                moved_to=data.moved_to,
            )
            # Keys must be on the actor's own host: a document cannot vouch for others' keys.
            own_keys = [k for k in data.keys if http_host(k[0]) == data.domain]
            await actor_store.replace_remote_keys(conn, actor.id, own_keys)
        return actor

    async def actor_by_handle(self, handle: str) -> Actor:
        """The actor for `user@host`, found by WebFinger."""
        try:
            user, host = webfinger.parse_handle(handle)
        except ValueError as exc:
            raise RemoteFailure("not a valid address: '%(handle)s'", handle=handle) from exc
        await self._check_domain(f"https://{host}/")
        async with self.db.read() as conn:
            cached = await actor_store.find_remote_actor(conn, user, host)
        if cached is not None and _fresh(cached):
            return cached
        try:
            actor_id = await webfinger.lookup_actor_id(
                self.client, f"{user}@{host}", scheme=self.webfinger_scheme
            )
        except FetchError as exc:
            raise RemoteFailure(
                "could not find %(handle)s", handle=f"{user}@{host}", detail=str(exc)
            ) from exc
        return await self.actor(actor_id, refresh=True)

    async def resolve(self, uri: str) -> Actor | Post:
        """A remote actor or post by URL (search with `resolve=true`)."""
        return await remote_posts.resolve(self, uri)

    async def instance_actor(self, domain: str) -> Actor:
        """The server-level actor of `domain`: the FEP-2677 NodeInfo link (Mastodon,
        Mobilizon, Gancio, fedlocal), else WebFinger `acct:domain@domain`, else `/actor`."""
        base = f"{self.webfinger_scheme}://{domain}"
        await self._check_domain(base + "/")
        candidates: list[str] = []
        try:
            found = await nodeinfo.find_instance_actor(self.client, base)
            if found:
                candidates.append(found)
        except FetchError as exc:
            log.info("no NodeInfo instance actor at %s: %s", domain, exc)
        if not candidates:
            try:
                candidates.append(
                    await webfinger.lookup_actor_id(
                        self.client, f"{domain}@{domain}", scheme=self.webfinger_scheme
                    )
                )
            except (FetchError, ValueError):
                # ValueError: `host:port@host:port` is no WebFinger handle (a dev setup).
                candidates.append(f"{base}/actor")
        return await self.actor(candidates[0], refresh=True)

    async def instance_groups(self, domain: str) -> list[Actor]:
        """The groups a neighbouring fedlocal lists in its NodeInfo (`metadata.groups`),
        each fetched and stored; those on another host are ignored."""
        base = f"{self.webfinger_scheme}://{domain}"
        await self._check_domain(base + "/")
        try:
            document = await nodeinfo.fetch_nodeinfo(self.client, base)
        except FetchError as exc:
            log.info("no NodeInfo at %s: %s", domain, exc)
            return []
        metadata = document.get("metadata")
        listed = metadata.get("groups") if isinstance(metadata, dict) else None
        if not isinstance(listed, list):
            return []
        found: list[Actor] = []
        for uri in listed[:MAX_LISTED_GROUPS]:
            if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
                continue
            if http_host(uri) != domain:
                continue
            try:
                actor = await self.actor(uri, refresh=True)
            except (RemoteFailure, Forbidden, InvalidInput) as exc:
                log.info("group %s of %s unavailable: %s", uri, domain, exc)
                continue
            if actor.type == "Group":
                found.append(actor)
        return found

    async def key(self, key_id: str, *, refresh: bool = False) -> tuple[ActorKey, Actor] | None:
        """The public key `key_id` and its owner; fetched when unknown or when `refresh`.

        Returns None when the key cannot be found or fetched.
        """
        if not refresh:
            async with self.db.read() as conn:
                found = await actor_store.get_key_with_actor(conn, key_id)
            if found is not None:
                return found
        document_url, fragment = urldefrag(key_id)
        try:
            # A key with its own URL (GoToSocial's `…/main-key`) is served as a stub of its
            # owner whose id is the owner's, not the URL's; nothing in it is trusted but the
            # owner's name: the owner's own document must list the key.
            document = await self.fetch_document(document_url, check_id=bool(fragment))
            owner = _key_owner(document, key_id)
            if fragment and "inbox" in document:
                await self.store_actor_document(document, expected_uri=document_url)
            elif owner is not None and _same_host(owner, key_id):
                await self.actor(owner, refresh=True)
            else:
                raise RemoteFailure(
                    "%(url)s names no owner of %(key)s on its host", url=document_url, key=key_id
                )
        except (RemoteFailure, Forbidden) as exc:
            log.info("key %s unavailable: %s", key_id, exc)
            return None
        async with self.db.read() as conn:
            return await actor_store.get_key_with_actor(conn, key_id)


def _key_owner(document: dict[str, Any], key_id: str) -> str | None:
    """The owner a key document names: its own `owner` (a bare key), or that of the
    `publicKey` entry with this id (an actor or actor stub)."""
    if isinstance(document.get("owner"), str):
        return document["owner"]
    for entry in as_list(document.get("publicKey")):
        if isinstance(entry, dict) and entry.get("id") == key_id:
            owner = entry.get("owner")
            return owner if isinstance(owner, str) else None
    return None


def _same_host(a: str, b: str) -> bool:
    try:
        return host_of(a) == host_of(b)
    except ValueError:
        return False


def _fresh(actor: Actor) -> bool:
    return actor.fetched_at is not None and utcnow() - actor.fetched_at < ACTOR_FRESHNESS
