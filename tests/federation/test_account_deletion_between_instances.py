"""An account deleted on one fedlocal instance, seen from another over loopback HTTP.

ana on A has a follower, bruno on B, who holds her post. ana deletes her account: A
signs a Delete of her actor with her key (kept for it) and delivers it; on B she is
marked gone, her post and bruno's follow disappear, and A answers 410 for her."""

from __future__ import annotations

import httpx
import pytest

from fedlocal.services import account_deletion
from fedlocal.services import follows as follow_service
from fedlocal.services import posts as post_service
from fedlocal.services.accounts import create_account
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store
from tests.support.instance import running_instance
from tests.support.waiting import wait_for

ANA_PASSWORD = "secret-ana-1"


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a") as a,
        running_instance(tmp_path / "b") as b,
    ):
        yield a, b


async def _actor(instance, uri):
    async with instance.db.read() as conn:
        return await actor_store.get_actor_by_uri(conn, uri)


async def test_a_follower_on_another_instance_sees_the_account_deleted(pair):
    a, b = pair
    ana_account, ana = await create_account(a.services, "ana", ANA_PASSWORD)
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")

    # Given bruno on B following ana on A, and holding her post
    await follow_service.follow(b.services, bruno, f"ana@{a.config.domain}")

    async def accepted():
        ana_on_b = await _actor(b, ana.uri)
        if ana_on_b is None:
            return False
        async with b.db.read() as conn:
            found = await follow_store.get_follow(conn, bruno.id, ana_on_b.id)
        return found is not None and found.state == "accepted"

    await wait_for(accepted, message="bruno's follow of ana accepted on B")
    note = await post_service.publish_note(a.services, ana, "Vide-grenier dimanche")

    async def post_on_b():
        async with b.db.read() as conn:
            return await post_store.get_post_by_uri(conn, note.uri) is not None

    await wait_for(post_on_b, message="ana's post on B")

    # When ana deletes her account
    await account_deletion.delete_own_account(
        a.services, ana_account, password=ANA_PASSWORD, address="127.0.0.1"
    )

    # Then B hears of it: ana is gone there, with her post and bruno's follow
    async def gone_on_b():
        ana_on_b = await _actor(b, ana.uri)
        if ana_on_b is None or ana_on_b.gone_at is None:
            return False
        async with b.db.read() as conn:
            post = await post_store.get_post_by_uri(conn, note.uri)
            follow = await follow_store.get_follow(conn, bruno.id, ana_on_b.id)
        return post is None and follow is None

    await wait_for(gone_on_b, message="ana's deletion seen on B")

    # And A answers 410 with a Tombstone at her address
    async with httpx.AsyncClient() as client:
        response = await client.get(ana.uri, headers={"Accept": "application/activity+json"})
    assert response.status_code == 410
    assert response.json()["type"] == "Tombstone" and response.json()["id"] == ana.uri
