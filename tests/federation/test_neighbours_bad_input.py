"""Neighbour links and association groups: the bad input of issue 4, each refused with
nothing stored.

- a post to one of our groups from someone who is not a member;
- an Announce from a group or actor nobody here follows, from a domain we do not link;
- a neighbour link to a domain on the blocklist;
- a request to link with us that no admin approved.

The instance runs without its workers; each test drives `InboxWorker.run_once()` and
`DeliveryWorker.run_once()` itself. The remote side is the stub of tests/support, which
here also serves NodeInfo with a FEP-2677 link to its instance actor (Mastodon, GoToSocial
and Mobilizon name theirs this way), so that linking by domain finds it.

"Nothing stored" is checked on every table a refusal could have written to: posts,
follows, announces, notifications and outgoing activities (`effects`, in
tests/support/federation_steps.py). A refused inbound activity is still marked as
received, so a replay is not processed again; that is not an effect.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from activitypub import keys as key_codec
from fedlocal.models import Actor
from fedlocal.services import groups, neighbours, posts
from fedlocal.services.errors import Forbidden
from fedlocal.store import actors as actor_store
from fedlocal.store import announces as announce_store
from fedlocal.store import follows as follow_store
from fedlocal.store import tables
from tests.support.asgi_server import run_asgi
from tests.support.federation_steps import (
    accept_of,
    announce_of,
    create_mentioning,
    deliver_and_process,
    effects,
    follow_of,
    follow_state,
    post_at,
    queued_by,
    received_by,
    resident,
    send_out,
)
from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance
from tests.support.live_server import free_socket
from tests.support.processes import run_cli, write_config
from tests.support.remote_stub import RemoteStub, StubActor

NODEINFO_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
FEP_2677_REL = "https://www.w3.org/ns/activitystreams#Application"
INBOX_LOG = "fedlocal.federation.inbox_worker"


# --- a remote server that publishes NodeInfo ----------------------------------------------


class NodeInfoStub(RemoteStub):
    """The remote stub, plus `/.well-known/nodeinfo` linking to its instance actor
    (FEP-2677) and a NodeInfo 2.0 document, served as `application/json`."""

    def __init__(self, base_url: str):
        super().__init__(base_url)
        self.instance_actor_uri: str | None = None
        self.software = "mastodon"

    def _get(self, path: str) -> Response:
        if path == "/.well-known/nodeinfo":
            links = [{"rel": NODEINFO_20, "href": f"{self.base_url}/nodeinfo/2.0"}]
            if self.instance_actor_uri:
                links.append({"rel": FEP_2677_REL, "href": self.instance_actor_uri})
            return JSONResponse({"links": links})
        if path == "/nodeinfo/2.0":
            return JSONResponse(
                {
                    "version": "2.0",
                    "software": {"name": self.software, "version": "5.1.1"},
                    "protocols": ["activitypub"],
                    "services": {"inbound": [], "outbound": []},
                    "openRegistrations": False,
                    "usage": {"users": {"total": 3}, "localPosts": 12},
                    "metadata": {},
                },
                media_type=f'application/json; profile="{NODEINFO_20}#"',
            )
        return super()._get(path)


@dataclass
class MobilizonRelay(StubActor):
    """Mobilizon's instance-level actor: `Application`, preferredUsername `relay`, at
    `/relay`, locked, its inbox the shared `/inbox` (interop.md §1.4 and §7.1)."""

    @property
    def uri(self) -> str:
        return f"{self.stub.base_url}/relay"

    @property
    def inbox_url(self) -> str:
        return f"{self.stub.base_url}/inbox"

    def document(self) -> dict[str, Any]:
        base = self.stub.base_url
        return {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1",
                {"mz": "https://joinmobilizon.org/ns#", "discoverable": "toot:discoverable"},
            ],
            "id": self.uri,
            "type": "Application",
            "preferredUsername": "relay",
            "name": "Mobilizon",
            "summary": "Change this to a proper description of your instance",
            "url": self.uri,
            "inbox": f"{base}/inbox",
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "manuallyApprovesFollowers": True,
            "discoverable": False,
            "endpoints": {"sharedInbox": f"{base}/inbox"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.uri,
                "publicKeyPem": self.public_key_pem,
            },
        }


def add_mobilizon_relay(stub: NodeInfoStub) -> MobilizonRelay:
    relay = MobilizonRelay(
        stub=stub, username="relay", software="mastodon", private_key=_relay_key()
    )
    stub.actors["relay"] = relay
    stub.instance_actor_uri = relay.uri
    stub.software = "mobilizon"
    return relay


@functools.cache
def _relay_key() -> Any:
    return key_codec.generate_rsa_key()


@contextlib.asynccontextmanager
async def nodeinfo_stub() -> AsyncIterator[NodeInfoStub]:
    sock = free_socket()
    stub = NodeInfoStub(f"http://127.0.0.1:{sock.getsockname()[1]}")
    try:
        async with run_asgi(stub.app(), sock, lifespan="off"):
            yield stub
    finally:
        await stub.client.aclose()


@pytest.fixture
async def stub():
    """Overrides the federation conftest's stub: the same server, with NodeInfo."""
    async with nodeinfo_stub() as server:
        yield server


# --- our side -----------------------------------------------------------------------------


@pytest.fixture
async def anne(inst) -> Actor:
    return await resident(inst, "anne")


@pytest.fixture
async def jardins(inst, anne) -> Actor:
    """A gardening association's group, created by anne (its moderator and a member)."""
    return await groups.create_group(
        inst.services, anne, "jardins", display_name="Jardins partagés"
    )


async def group_bodies(inst: Instance, group: Actor) -> list[dict[str, Any]]:
    return [queued.body for queued in await queued_by(inst, group)]


async def remote_actor_uris(inst: Instance) -> set[str]:
    actors = tables.actors
    async with inst.db.read() as conn:
        rows = await conn.execute(select(actors.c.uri).where(actors.c.role == "remote"))
        return {row.uri for row in rows}


def ignored_because(caplog, activity_id: str) -> str:
    """Why the inbox worker ignored `activity_id` (it logs each refusal with its reason)."""
    for record in caplog.records:
        message = record.getMessage()
        if record.name == INBOX_LOG and activity_id in message and " ignored: " in message:
            return message.split(" ignored: ", 1)[1]
    raise AssertionError(f"{activity_id} was not ignored")


@pytest.fixture(autouse=True)
def inbox_log(caplog):
    caplog.set_level(logging.INFO, logger=INBOX_LOG)
    return caplog


# --- a post to a group from someone who is not a member ------------------------------------


async def test_a_remote_non_members_post_to_our_group_is_ignored(inst, stub, jardins, caplog):
    # Given a member of the group on a remote server, and someone who is not one
    member = stub.add_actor("bea")
    await deliver_and_process(inst, stub, member, follow_of(member, jardins.uri, "1"))
    assert await follow_state(inst, member.uri, jardins.uri) == "accepted"
    mallory = stub.add_actor("mallory")
    before = await effects(inst)

    # When mallory posts to the group by mentioning it
    create = create_mentioning(mallory, "66", (jardins.uri, jardins.handle))
    await deliver_and_process(inst, stub, mallory, create)

    # Then the post is refused: not kept, not shared, nothing queued
    assert "not a member" in ignored_because(caplog, create["id"])
    assert await post_at(inst, create["object"]["id"]) is None
    assert await effects(inst) == before

    # And the same post from the member is shared (the refusal is about membership)
    shared = create_mentioning(member, "67", (jardins.uri, jardins.handle))
    await deliver_and_process(inst, stub, member, shared)
    announced = [a["object"] for a in await group_bodies(inst, jardins) if a["type"] == "Announce"]
    assert shared["object"]["id"] in announced


async def test_a_non_members_post_that_also_mentions_a_resident_is_kept_not_shared(
    inst, stub, anne, jardins
):
    # Given a remote non-member who mentions both the group and anne
    mallory = stub.add_actor("mallory")
    create = create_mentioning(
        mallory, "68", (jardins.uri, jardins.handle), (anne.uri, anne.handle)
    )

    # When the post arrives
    await deliver_and_process(inst, stub, mallory, create)

    # Then anne's mention keeps it (it concerns us), but the group does not share it
    post = await post_at(inst, create["object"]["id"])
    assert post is not None
    async with inst.db.read() as conn:
        assert await announce_store.get_announce(conn, jardins.id, post.uri) is None
    assert await group_bodies(inst, jardins) == []


async def test_a_local_non_members_mention_does_not_make_the_group_share(inst, jardins):
    # Given a resident who never joined the group
    bob = await resident(inst, "bob")

    # When bob mentions the group in a public note
    note = await posts.publish_note(
        inst.services, bob, "Qui a des semis de tomates ?", mentions=[jardins]
    )

    # Then bob's note exists, but the group neither announced it nor queued anything
    assert await post_at(inst, note.uri) is not None
    async with inst.db.read() as conn:
        assert await announce_store.get_announce(conn, jardins.id, note.uri) is None
    assert await group_bodies(inst, jardins) == []


async def test_a_pending_members_post_is_not_shared(inst, stub, anne):
    # Given a group whose moderators approve members, and a remote request not yet approved
    group = await groups.create_group(
        inst.services, anne, "troc", display_name="Troc", approval_required=True
    )
    hopeful = stub.add_actor("hopeful")
    await deliver_and_process(inst, stub, hopeful, follow_of(hopeful, group.uri, "2"))
    assert await follow_state(inst, hopeful.uri, group.uri) == "pending"
    before = await effects(inst)

    # When they post to the group
    create = create_mentioning(hopeful, "69", (group.uri, group.handle))
    await deliver_and_process(inst, stub, hopeful, create)

    # Then nothing is kept or shared until a moderator approves them
    assert await post_at(inst, create["object"]["id"]) is None
    assert await effects(inst) == before


# --- an Announce from a group or actor nobody here follows ---------------------------------


@pytest.mark.parametrize("form", ["bare object id", "wrapped Create (FEP-1b12)", "Delete"])
async def test_an_announce_from_a_group_we_do_not_follow_is_ignored_without_a_fetch(
    inst, stub, anne, caplog, form
):
    # Given a remote group nobody here follows, on a domain we do not link, although a
    # resident follows someone else on that server
    group = stub.add_actor("velo", type="Group")
    alice = stub.add_actor("alice")
    async with inst.db.write() as conn:
        remote_alice = await actor_store.upsert_remote_actor(
            conn,
            uri=alice.uri,
            type="Person",
            username="alice",
            domain=stub.host,
            inbox_url=alice.inbox_url,
        )
        await follow_store.upsert_follow(
            conn,
            follower_id=anne.id,
            followed_id=remote_alice.id,
            uri=f"{anne.uri}#follows/1",
            state="accepted",
        )
    note = stub.serve(alice.note("70"))
    inner = {
        "bare object id": note["id"],
        "wrapped Create (FEP-1b12)": {
            "id": f"{note['id']}/activity",
            "type": "Create",
            "actor": alice.uri,
            "object": note,
        },
        "Delete": {"id": f"{group.uri}#removals/1", "type": "Delete", "object": note["id"]},
    }[form]
    announce = announce_of(group, inner, "1", alice.uri)
    before = await effects(inst)

    # When the group announces alice's note
    await deliver_and_process(inst, stub, group, announce)

    # Then it is ignored: no fetch of the note, no post, no announce, nothing queued
    assert "nobody here follows" in ignored_because(caplog, announce["id"])
    assert stub.gets(note["id"]) == 0
    assert await post_at(inst, note["id"]) is None
    assert await effects(inst) == before


# --- a neighbour link to a blocked domain ---------------------------------------------------


async def test_a_link_to_a_blocked_domain_is_forbidden_without_a_network_call(tmp_path, stub):
    # Given an instance that blocks the stub's domain (and every subdomain of nuisance.example)
    async with running_instance(
        tmp_path, run_workers=False, blocked_domains=[stub.host, "nuisance.example"]
    ) as inst:
        stub.instance_actor_uri = stub.add_actor("instance", type="Application").uri
        before = await effects(inst)
        remote_before = await remote_actor_uris(inst)

        # When the admin links it by domain, by actor URL, or a subdomain of a blocked one
        for target in (stub.host, stub.instance_actor_uri, "relay.nuisance.example"):
            with pytest.raises(Forbidden) as refused:
                await neighbours.link(inst.services, target)

            # Then it is refused, naming the policy, with nothing stored or sent
            assert "blocked" in refused.value.message, target
            assert refused.value.field == "domain"
        assert stub.requests == []
        assert await effects(inst) == before
        assert await remote_actor_uris(inst) == remote_before
        assert await neighbours.neighbours(inst.services) == []


def test_the_cli_refuses_a_blocked_domain_in_one_line(tmp_path):
    config = write_config(
        tmp_path / "intra.toml",
        {
            "name": "Intra-Muros",
            "base_url": "http://127.0.0.1:8411",
            "data_dir": "data",
            "blocked_domains": ["nuisance.example"],
        },
    )

    result = run_cli(
        "neighbours", "add", "--config", str(config), "parame.nuisance.example", expect=None
    )

    assert result.returncode == 1, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    assert len(result.stderr_lines) == 1, result.describe()
    assert "parame.nuisance.example" in result.stderr_lines[0]
    assert "blocked" in result.stderr_lines[0]
    listed = run_cli("neighbours", "list", "--config", str(config))
    assert "no neighbours yet" in listed.stdout


# --- a request to link with us that was never approved --------------------------------------


async def test_a_link_request_is_refused_until_an_admin_links_back(inst, stub, anne, caplog):
    # Given a neighbour whose instance actor asks to link with ours, and its community
    neighbour = stub.add_actor("instance", type="Application", manuallyApprovesFollowers=True)
    stub.instance_actor_uri = neighbour.uri
    community = stub.add_actor("quartier", type="Group")
    our_instance = inst.federation.actors.instance
    request = follow_of(neighbour, our_instance.uri, "1")
    await deliver_and_process(inst, stub, neighbour, request)

    # Then the request waits for an admin: no Accept goes back
    assert await follow_state(inst, neighbour.uri, our_instance.uri) == "pending"
    await send_out(inst)
    assert stub.received_of_type("Accept") == []

    # When one of our residents posts in public (the community announces it)
    note = await posts.publish_note(
        inst.services, anne, "Vide-grenier dimanche rue Jacques-Cartier"
    )
    await send_out(inst)

    # Then the community's Announce does not go to the neighbour, nor anything else
    assert stub.received == []

    # When the neighbour's community announces one of its posts
    post = stub.serve(community.note("71"))
    early = announce_of(community, post["id"], "1", community.uri)
    before = await effects(inst)
    await deliver_and_process(inst, stub, community, early)

    # Then it is refused: nothing fetched, nothing stored
    assert "nobody here follows" in ignored_because(caplog, early["id"])
    assert stub.gets(post["id"]) == 0
    assert await effects(inst) == before

    # When our admin links the neighbour (by domain, found through its NodeInfo)
    link = await neighbours.link(inst.services, stub.host)
    await send_out(inst)

    # Then their request is accepted (an Accept of their Follow) and ours is sent
    assert link.actor.uri == neighbour.uri
    assert (link.incoming, link.outgoing) == ("accepted", "pending")
    # (NodeInfo is read for the instance actor, then for the groups it lists)
    assert stub.gets("/.well-known/nodeinfo") == 2
    accepts = received_by(stub, "Accept", "/users/instance/inbox")
    assert [a["object"]["id"] for a in accepts] == [request["id"]]
    (our_follow,) = received_by(stub, "Follow", "/users/instance/inbox")
    assert our_follow["actor"] == our_instance.uri
    assert our_follow["object"] == neighbour.uri

    # And until they accept ours, their community's Announces are still refused
    pending = announce_of(community, post["id"], "2", community.uri)
    await deliver_and_process(inst, stub, community, pending)
    assert "nobody here follows" in ignored_because(caplog, pending["id"])
    assert stub.gets(post["id"]) == 0

    # When they accept
    await deliver_and_process(inst, stub, neighbour, accept_of(neighbour, our_follow, "1"))

    # Then Announces flow both ways: our community's reach their shared inbox...
    later = await posts.publish_note(
        inst.services, anne, "Atelier vélo samedi, place Chateaubriand"
    )
    await send_out(inst)
    shared = [a["object"] for a in received_by(stub, "Announce", "/inbox")]
    assert later.uri in shared
    assert note.uri not in shared  # what was announced before the link stays unsent

    # ...and theirs are welcome here: the post is fetched from its origin and kept
    welcome = announce_of(community, post["id"], "3", community.uri)
    await deliver_and_process(inst, stub, community, welcome)
    assert stub.gets(post["id"]) == 1
    assert await post_at(inst, post["id"]) is not None


# --- a Mobilizon relay ----------------------------------------------------------------------


async def test_a_mobilizon_relay_is_found_through_nodeinfo(inst, stub):
    # Given a Mobilizon server: its relay actor is linked from NodeInfo (FEP-2677); it has
    # no WebFinger account named after the domain
    relay = add_mobilizon_relay(stub)

    # When our admin links the domain
    link = await neighbours.link(inst.services, stub.host)
    await send_out(inst)

    # Then our instance actor follows the relay, at its inbox
    assert link.actor.uri == relay.uri
    assert link.actor.type == "Application"
    assert link.actor.username == "relay"
    assert (link.outgoing, link.incoming) == ("pending", None)
    (follow,) = received_by(stub, "Follow", "/inbox")
    assert follow["actor"] == inst.federation.actors.instance.uri
    assert follow["object"] == relay.uri


async def test_a_mobilizon_relay_follows_us_we_follow_it_and_unlinking_ends_both(
    inst, stub, anne, caplog
):
    relay = add_mobilizon_relay(stub)
    our_instance = inst.federation.actors.instance

    # Given the relay asks to follow our instance actor (Mobilizon's instance follow)
    request = follow_of(relay, our_instance.uri, "1")
    await deliver_and_process(inst, stub, relay, request)
    assert await follow_state(inst, relay.uri, our_instance.uri) == "pending"

    # When our admin links it by its actor URL
    link = await neighbours.link(inst.services, relay.uri)
    await send_out(inst)

    # Then their follow is approved and we follow the relay in turn
    assert (link.incoming, link.outgoing) == ("accepted", "pending")
    accepts = received_by(stub, "Accept", "/inbox")
    assert [a["object"]["id"] for a in accepts] == [request["id"]]
    (our_follow,) = received_by(stub, "Follow", "/inbox")
    assert our_follow["object"] == relay.uri

    # When the relay accepts (Mobilizon relays are locked: its admin approved us)
    await deliver_and_process(inst, stub, relay, accept_of(relay, our_follow, "1"))
    (linked,) = await neighbours.neighbours(inst.services)
    assert (linked.actor.uri, linked.outgoing, linked.incoming) == (
        relay.uri,
        "accepted",
        "accepted",
    )

    # Then public events of the relay's server reach us through its Announces
    organiser = stub.add_actor("organiser")
    event = stub.serve(organiser.note("72"))
    announced = announce_of(relay, event["id"], "1", organiser.uri)
    await deliver_and_process(inst, stub, relay, announced)
    assert await post_at(inst, event["id"]) is not None

    # When our admin unlinks it
    removed = await neighbours.unlink(inst.services, relay.uri)
    await send_out(inst)

    # Then the relay gets an Undo of our Follow and a Reject of its own
    assert [link.actor.uri for link in removed] == [relay.uri]
    (undo,) = received_by(stub, "Undo", "/inbox")
    assert undo["actor"] == our_instance.uri
    assert undo["object"]["type"] == "Follow"
    assert undo["object"]["id"] == our_follow["id"]
    (reject,) = received_by(stub, "Reject", "/inbox")
    assert reject["object"]["id"] == request["id"]
    assert await neighbours.neighbours(inst.services) == []

    # And its Announces are refused from now on
    before = await effects(inst)
    other = stub.serve(organiser.note("73"))
    after_unlink = announce_of(relay, other["id"], "2", organiser.uri)
    await deliver_and_process(inst, stub, relay, after_unlink)
    assert "nobody here follows" in ignored_because(caplog, after_unlink["id"])
    assert stub.gets(other["id"]) == 0
    assert await effects(inst) == before

    # And a new public post of ours no longer goes to the relay
    await posts.publish_note(inst.services, anne, "Fête des voisins vendredi soir")
    await send_out(inst)
    assert received_by(stub, "Announce") == []
