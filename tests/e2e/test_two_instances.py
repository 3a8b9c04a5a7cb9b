"""Two fedlocal instances as separate processes on loopback, driven through the CLI.

A's resident `ana` publishes; B's resident `bob` follows her. Every action is a
`fedlocal … --config … --as …` command that writes to the instance's database; the serving
process's workers deliver it. The tests watch the outcome from outside: over HTTP, and
through read-only views of each instance's SQLite file.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from activitypub import keys as key_codec
from activitypub.httpsig import sign_request
from tests.support.processes import Instance, StoreView
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

AP = "application/activity+json"
DELIVERY_DEADLINE = 20.0


class Pair:
    def __init__(self, a: Instance, b: Instance):
        self.a, self.b = a, b
        self.ana = a.actor_uri("ana")
        self.bob = b.actor_uri("bob")


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[Pair]:
    """A with `ana`, B with `bob`, both serving, for the whole module."""
    a = Instance(tmp_path_factory.mktemp("a"), "a")
    b = Instance(tmp_path_factory.mktemp("b"), "b")

    async def setup() -> None:
        await asyncio.gather(a.create_user("ana"), b.create_user("bob"))
        await asyncio.gather(a.start(), b.start())

    async def teardown() -> None:
        await asyncio.gather(a.stop(), b.stop())

    try:
        asyncio.run(setup())
        yield Pair(a, b)
    finally:
        asyncio.run(teardown())


@pytest.fixture
async def stores(pair: Pair) -> AsyncIterator[tuple[StoreView, StoreView]]:
    """Both instances serving (a failed test may have left B down), and their stores."""
    for instance in (pair.a, pair.b):
        if not instance.running:
            await instance.start()
    async with pair.a.store() as store_a, pair.b.store() as store_b:
        yield store_a, store_b


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as http:
        yield http


async def followers_of_ana(pair: Pair, client: httpx.AsyncClient) -> list[str]:
    response = await client.get(f"{pair.ana}/followers?page=true", headers={"Accept": AP})
    assert response.status_code == 200, response.text
    return response.json()["orderedItems"]


async def ensure_following(pair: Pair, store_b: StoreView) -> None:
    if await store_b.follow_state(pair.bob, pair.ana) != "accepted":
        await pair.b.cli("follow", "--as", "bob", pair.a.handle("ana"))
        await wait_for(
            lambda: _is(store_b.follow_state(pair.bob, pair.ana), "accepted"),
            timeout=DELIVERY_DEADLINE,
            message="bob's follow of ana to be accepted",
        )


async def ensure_not_following(pair: Pair, store_b: StoreView, client) -> None:
    if await store_b.follow_state(pair.bob, pair.ana) is not None:
        await pair.b.cli("unfollow", "--as", "bob", pair.a.handle("ana"))
    await wait_for(
        lambda: _lacks(followers_of_ana(pair, client), pair.bob),
        timeout=DELIVERY_DEADLINE,
        message="A to drop bob from ana's followers",
    )


async def _is(value: Any, expected: Any) -> bool:
    return await value == expected


async def _lacks(items: Any, item: str) -> bool:
    return item not in await items


async def _stored(store: StoreView, uri: str) -> bool:
    return await store.post(uri) is not None


async def _gone(store: StoreView, uri: str) -> bool:
    """The copy is gone: never stored, or reduced to a content-less tombstone."""
    post = await store.post(uri)
    return post is None or (post.is_deleted and post.content == "")


async def test_follow_by_handle_is_accepted_and_listed(pair: Pair, stores, client) -> None:
    # Given
    _store_a, store_b = stores
    await ensure_not_following(pair, store_b, client)
    webfinger = await client.get(
        f"{pair.a.base_url}/.well-known/webfinger",
        params={"resource": f"acct:ana@{pair.a.domain}"},
    )
    assert webfinger.status_code == 200
    assert webfinger.headers["content-type"].startswith("application/jrd+json")
    document = webfinger.json()
    assert document["subject"] == f"acct:ana@{pair.a.domain}"
    assert [link["href"] for link in document["links"] if link["rel"] == "self"] == [pair.ana]

    # When
    result = await pair.b.cli("follow", "--as", "bob", pair.a.handle("ana"))

    # Then
    assert "pending" in result.stdout
    await wait_for(
        lambda: _is(store_b.follow_state(pair.bob, pair.ana), "accepted"),
        timeout=DELIVERY_DEADLINE,
        message="B's follow to become accepted",
    )
    assert pair.bob in await followers_of_ana(pair, client)
    collection = await client.get(f"{pair.ana}/followers", headers={"Accept": AP})
    assert collection.json()["totalItems"] == 1


async def test_post_is_delivered_and_stored(pair: Pair, stores) -> None:
    # Given
    _store_a, store_b = stores
    await ensure_following(pair, store_b)

    # When
    url = await pair.a.post("ana", "Je prête une échelle, rue de Dinan. #pret")

    # Then
    await wait_for(lambda: _stored(store_b, url), timeout=DELIVERY_DEADLINE, message="the note")
    copy = await store_b.post(url)
    assert copy is not None and not copy.is_local
    assert "Je prête une échelle" in copy.content
    assert copy.actor_id == await store_b.actor_id(pair.ana)


async def test_the_same_activity_twice_has_one_effect(pair: Pair, stores, client) -> None:
    # Given: a post delivered and processed at B
    store_a, store_b = stores
    await ensure_following(pair, store_b)
    url = await pair.a.post("ana", "Un seul exemplaire, s'il vous plaît.")
    create_id = f"{url}/activity"
    await wait_for(lambda: _stored(store_b, url), timeout=DELIVERY_DEADLINE, message="the note")
    body = await store_a.outgoing_body(create_id)
    assert body is not None
    key_id, pem = await store_a.private_key_pem(pair.ana)
    private_key = key_codec.load_private_key_pem(pem)
    copies_before = len(await store_b.posts_by(pair.ana))

    async def deliver(raw: bytes) -> httpx.Response:
        headers = {"Content-Type": AP}
        headers |= sign_request(
            "POST", pair.b.shared_inbox, headers, raw, key_id=key_id, private_key=private_key
        )
        return await client.post(pair.b.shared_inbox, content=raw, headers=headers)

    # B without workers: anything its inbox queues stays there for us to see.
    await pair.b.restart(env={"FEDLOCAL_RUN_WORKERS": "false"})
    try:
        # When: the exact body again, signed as ana
        response = await deliver(body.encode())

        # Then: accepted, and neither queued nor copied a second time
        assert response.status_code == 202, response.text
        assert await store_b.inbox_rows(create_id) == 0
        assert len(await store_b.posts_by(pair.ana)) == copies_before

        # The check can fail: a Create B has not seen yet does wait in the queue.
        fresh_id = f"{url}/activity-again"
        fresh = body.replace(f'"id":"{create_id}"', f'"id":"{fresh_id}"')
        assert fresh != body
        assert (await deliver(fresh.encode())).status_code == 202
        assert await store_b.inbox_rows(fresh_id) == 1
    finally:
        await pair.b.restart()


async def test_after_undo_follow_posts_are_not_delivered(pair: Pair, stores, client) -> None:
    # Given
    store_a, store_b = stores
    await ensure_following(pair, store_b)

    # When
    await pair.b.cli("unfollow", "--as", "bob", pair.a.handle("ana"))

    # Then
    await wait_for(
        lambda: _lacks(followers_of_ana(pair, client), pair.bob),
        timeout=DELIVERY_DEADLINE,
        message="A to drop bob from ana's followers",
    )
    assert await store_b.follow_state(pair.bob, pair.ana) is None

    # When
    url = await pair.a.post("ana", "Seulement pour qui me suit encore.")
    create_id = f"{url}/activity"

    # Then
    async def delivered_everything() -> bool:
        return await store_a.fanned_out(create_id) and await store_a.outbox_idle()

    await wait_for(delivered_everything, timeout=DELIVERY_DEADLINE, message="A's queue to drain")
    assert await _lacks_delivery(store_a, pair.b.domain, create_id)
    assert not await store_b.was_received(create_id)
    assert await store_b.post(url) is None


async def test_delete_serves_a_tombstone_and_removes_the_copy(pair: Pair, stores, client) -> None:
    # Given
    _store_a, store_b = stores
    await ensure_following(pair, store_b)
    url = await pair.a.post("ana", "Bientôt effacé.")
    await wait_for(lambda: _stored(store_b, url), timeout=DELIVERY_DEADLINE, message="the note")

    # When
    result = await pair.a.cli("delete", "--as", "ana", url)

    # Then
    assert url in result.stdout
    response = await client.get(url, headers={"Accept": AP})
    assert response.status_code == 410
    assert response.headers["content-type"].startswith(AP)
    assert response.json()["type"] == "Tombstone"
    assert response.json()["id"] == url
    await wait_for(lambda: _gone(store_b, url), timeout=DELIVERY_DEADLINE, message="B's copy gone")


async def test_a_down_instance_gets_the_post_when_it_is_back(pair: Pair, stores) -> None:
    # Given: B is down
    store_a, store_b = stores
    await ensure_following(pair, store_b)
    exit_code = await pair.b.stop()
    assert exit_code != -signal.SIGKILL, "B did not stop on SIGINT"

    # When
    url = await pair.a.post("ana", "Pendant ta panne, B.")
    create_id = f"{url}/activity"

    # Then: A keeps trying
    async def retried() -> bool:
        rows = [
            r for r in await store_a.deliveries(domain=pair.b.domain) if r.activity_uri == create_id
        ]
        return bool(rows) and rows[0].state == "pending" and rows[0].attempts >= 2

    await wait_for(retried, timeout=DELIVERY_DEADLINE, message="A to retry its delivery to B")

    # When
    await pair.b.start()

    # Then
    await wait_for(lambda: _stored(store_b, url), timeout=DELIVERY_DEADLINE, message="the note")
    await wait_for(
        lambda: _lacks_delivery(store_a, pair.b.domain, create_id),
        timeout=DELIVERY_DEADLINE,
        message="A's delivery row to be done",
    )


async def _lacks_delivery(store: StoreView, domain: str, activity_uri: str) -> bool:
    return all(row.activity_uri != activity_uri for row in await store.deliveries(domain=domain))
