"""Domain blocks kept in the database, as other servers meet them: a suspended domain's
activities are refused and nothing is delivered to it (even what was queued before the
block); a limited domain still federates; a suspended remote account is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fedlocal.federation.delivery import DeliveryWorker
from fedlocal.services import accounts, domain_blocks, moderation_actions, posts
from fedlocal.store import actors as actor_store
from fedlocal.store.tables import deliveries, inbox_queue, objects
from tests.federation.test_delivery import add_follower, drain, follower_on
from tests.federation.test_inbox_verbs import create_of
from tests.support.databases import holding
from tests.support.instance import running_instance
from tests.support.recording_inbox import recording_inbox
from tests.support.remote_stub import remote_stub

PASSWORD = "correct horse battery"


@pytest.fixture
async def stub():
    async with remote_stub() as server:
        yield server


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, run_workers=False) as instance:
        yield instance


@pytest.fixture
async def admin(inst):
    account, _ = await accounts.create_account(inst.services, "mairie", PASSWORD, admin=True)
    return account


async def count(inst, table) -> int:
    async with holding(inst.db, table).read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


def public_note(alice, status_id: str) -> dict:
    return alice.note(
        status_id,
        to=["https://www.w3.org/ns/activitystreams#Public"],
        cc=[alice.uri + "/followers"],
    )


async def test_a_suspended_domain_s_create_is_refused(inst, stub, admin):
    alice = stub.add_actor("alice")
    # Given the admins suspended the stub's domain on the admin page
    await domain_blocks.create(inst.services, admin, domain=stub.host, severity="suspend")

    # When it delivers a public Create
    response = await stub.deliver(
        alice, f"{inst.base_url}/inbox", create_of(alice, public_note(alice, "1"))
    )

    # Then it is refused, unsigned work included: no key fetched, nothing stored
    assert response.status_code == 403
    assert stub.gets(alice.uri) == 0
    assert await count(inst, inbox_queue) == 0 and await count(inst, objects) == 0


async def test_a_limited_domain_still_federates(inst, stub, admin):
    alice = stub.add_actor("alice")
    await domain_blocks.create(inst.services, admin, domain=stub.host, severity="silence")

    response = await stub.deliver(
        alice, f"{inst.base_url}/inbox", create_of(alice, public_note(alice, "2"))
    )

    assert response.status_code == 202


async def test_a_suspended_remote_account_is_refused(inst, stub, admin):
    alice = stub.add_actor("alice")
    bob = stub.add_actor("bob")
    first = await stub.deliver(
        alice, f"{inst.base_url}/inbox", create_of(alice, public_note(alice, "3"))
    )
    assert first.status_code == 202
    async with inst.db.read() as conn:
        stored = await actor_store.get_actor_by_uri(conn, alice.uri)
    assert stored is not None

    await moderation_actions.apply(inst.services, admin, "suspend", account_id=stored.id)

    refused = await stub.deliver(
        alice, f"{inst.base_url}/inbox", create_of(alice, public_note(alice, "4"))
    )
    assert refused.status_code == 403
    other = await stub.deliver(bob, f"{inst.base_url}/inbox", create_of(bob, public_note(bob, "5")))
    assert other.status_code == 202


async def test_nothing_is_delivered_to_a_suspended_domain(inst, admin):
    _account, lea = await accounts.create_account(inst.services, "lea", PASSWORD)
    worker = DeliveryWorker(inst.federation)
    async with recording_inbox() as kept, recording_inbox() as blocked_later:
        # Given followers on two hosts, and a third domain blocked already
        await follower_on(inst, lea, kept, "ana")
        await follower_on(inst, lea, blocked_later, "bob")
        await add_follower(
            inst,
            lea,
            "https://spam.example/users/troll",
            inbox="https://spam.example/users/troll/inbox",
            shared_inbox="https://spam.example/inbox",
        )
        await domain_blocks.create(inst.services, admin, domain="spam.example")

        # When Léa posts, the deliveries are queued, and then the second host is blocked
        await posts.publish_note(inst.services, lea, "Vide-grenier dimanche")
        await worker.fan_out()
        async with inst.db.read() as conn:
            queued = [r.inbox_url for r in await conn.execute(select(deliveries))]
        assert sorted(queued) == sorted([kept.shared_inbox, blocked_later.shared_inbox])
        await domain_blocks.create(inst.services, admin, domain=blocked_later.host)
        await drain(worker)

    # Then only the host still allowed was contacted
    assert [p.url for p in kept.received] == [kept.shared_inbox]
    assert blocked_later.received == []
    async with inst.db.read() as conn:
        rows = {r.inbox_url: r for r in await conn.execute(select(deliveries))}
    assert rows[blocked_later.shared_inbox].state == "dead"
    assert "blocked" in rows[blocked_later.shared_inbox].last_error
