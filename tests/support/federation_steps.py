"""Steps shared by tests that drive an instance's workers by hand (`run_workers=False`)
against the remote stub: local actors, deliveries to our inbox, the delivery worker, and
what was stored or queued.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from activitypub import keys as key_codec
from fedlocal.federation.delivery import DeliveryWorker
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.models import Actor, Post
from fedlocal.services import follows
from fedlocal.services.keys import store_actor_keys
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store
from fedlocal.store import tables

from .instance import TestInstance
from .remote_stub import RemoteStub, StubActor
from .waiting import wait_for

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# The tables a refused request could write to: the same rows before and after = nothing
# was stored (a refused inbound activity is still marked as received: not an effect).
EFFECT_TABLES = (
    tables.objects,
    tables.follows,
    tables.announces,
    tables.notifications,
    tables.outgoing_activities,
)


# --- local actors -------------------------------------------------------------------------


@functools.cache
def _key_pems() -> tuple[tuple[str, str], tuple[str, str]]:
    rsa_key, ed_key = key_codec.generate_rsa_key(), key_codec.generate_ed25519_key()
    return (
        (key_codec.private_key_to_pem(rsa_key), key_codec.public_key_to_pem(rsa_key.public_key())),
        (key_codec.private_key_to_pem(ed_key), key_codec.public_key_to_pem(ed_key.public_key())),
    )


async def resident(inst: TestInstance, username: str) -> Actor:
    """A resident's actor with keys, as an account has; no password, as nobody logs in
    (one key pair for every resident of the run: each publishes it under its own key id)."""
    urls = inst.federation.urls
    async with inst.db.write() as conn:
        actor = await actor_store.insert_local_actor(
            conn,
            role="resident",
            type="Person",
            username=username,
            domain=inst.config.domain,
            display_name=username.capitalize(),
            **urls.actor_endpoints(username),
        )
        await store_actor_keys(conn, urls, actor, _key_pems())
    return actor


# --- what is stored and queued ------------------------------------------------------------


async def effects(inst: TestInstance) -> dict[str, list[tuple]]:
    """Every row of EFFECT_TABLES: equal before and after = nothing stored or queued."""
    async with inst.db.read() as conn:
        return {
            table.name: [tuple(row) for row in await conn.execute(select(table).order_by("id"))]
            for table in EFFECT_TABLES
        }


@dataclass(frozen=True)
class Queued:
    """An outgoing activity: its JSON and its audience."""

    body: dict[str, Any]
    followers_of: int | None
    inboxes: list[str]

    @property
    def type(self) -> str:
        return self.body["type"]


async def queued_by(inst: TestInstance, actor: Actor) -> list[Queued]:
    """`actor`'s outgoing activities, oldest first."""
    outgoing = tables.outgoing_activities
    async with inst.db.read() as conn:
        rows = await conn.execute(
            select(outgoing).where(outgoing.c.actor_id == actor.id).order_by(outgoing.c.id)
        )
        return [
            Queued(json.loads(row.body), row.followers_of, list(row.inboxes or [])) for row in rows
        ]


async def post_at(inst: TestInstance, uri: str) -> Post | None:
    """The post held at `uri`; a tombstone counts as not held."""
    async with inst.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    return None if post is None or post.is_deleted else post


async def follow_state(inst: TestInstance, follower_uri: str, followed_uri: str) -> str | None:
    """`pending`, `accepted`, or None when there is no such follow."""
    async with inst.db.read() as conn:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        followed = await actor_store.get_actor_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return None
        row = await follow_store.get_follow(conn, follower.id, followed.id)
    return row.state if row else None


# --- the workers --------------------------------------------------------------------------


async def deliver(inst: TestInstance, stub: RemoteStub, actor: StubActor, activity) -> None:
    """POST to our shared inbox, signed by `actor`, and insist on the 202."""
    response = await stub.deliver(actor, f"{inst.base_url}/inbox", activity)
    assert response.status_code == 202, response.text


async def deliver_and_process(
    inst: TestInstance, stub: RemoteStub, actor: StubActor, activity
) -> None:
    await deliver(inst, stub, actor, activity)
    assert await InboxWorker(inst.federation).run_once() == 1


async def send_out(inst: TestInstance) -> None:
    """Run the delivery worker until everything queued was fanned out and POSTed."""
    worker = DeliveryWorker(inst.federation)
    for _ in range(20):
        if not await worker.run_once():
            return
    raise AssertionError("the delivery worker still had work after 20 rounds")


def received_by(stub: RemoteStub, kind: str, path: str | None = None) -> list[dict[str, Any]]:
    """Bodies of the `kind` activities the stub received (at inbox `path`, if given)."""
    return [item.body for item in stub.received_of_type(kind) if path is None or item.path == path]


# --- remote activities --------------------------------------------------------------------


def follow_of(follower: StubActor, target: str, follow_id: str) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{follower.uri}/follows/{follow_id}",
        "type": "Follow",
        "actor": follower.uri,
        "object": target,
    }


def accept_of(followed: StubActor, follow: dict[str, Any], accept_id: str) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{followed.uri}/accepts/{accept_id}",
        "type": "Accept",
        "actor": followed.uri,
        "object": follow,
    }


def announce_of(announcer: StubActor, object_: Any, announce_id: str, author: str):
    return {
        "@context": AS_CONTEXT,
        "id": f"{announcer.uri}/announces/{announce_id}",
        "type": "Announce",
        "actor": announcer.uri,
        "published": "2024-05-03T09:00:00Z",
        "to": [PUBLIC],
        "cc": [announcer.followers_url, author],
        "object": object_,
    }


def create_mentioning(author: StubActor, status_id: str, *mentioned: tuple[str, str]):
    """A Mastodon Create of a public note mentioning each (uri, handle) of `mentioned`:
    how a Mastodon user posts to a group (interop.md §6)."""
    first_uri, first_handle = mentioned[0]
    activity = author.fixture(
        "mastodon/create-note.json",
        status_id=status_id,
        mentioned=first_uri,
        mentioned_acct=first_handle,
    )
    for uri, handle in mentioned[1:]:
        for target in (activity, activity["object"]):
            target["cc"].append(uri)
        activity["object"]["tag"].append({"type": "Mention", "href": uri, "name": f"@{handle}"})
    return activity


async def follow_across(follower_at: TestInstance, follower: Actor, followed_handle: str):
    """`follower` follows `@followed_handle` on another test instance; returns the follow
    once it is accepted."""
    relation = await follows.follow(follower_at.services, follower, followed_handle)

    async def accepted():
        async with follower_at.db.read() as conn:
            row = await follow_store.get_follow_by_uri(conn, relation.uri)
        return row if row is not None and row.state == "accepted" else None

    return await wait_for(accepted, message=f"the follow of {followed_handle} to be accepted")
