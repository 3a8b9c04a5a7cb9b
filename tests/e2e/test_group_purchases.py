"""Group purchases between two instances over loopback HTTP: Bruno on B commits to Ana's
firewood purchase on A, changes and withdraws his quantity, and hears A's answers and its
confirmation with the pickup details; Bea on A and Bruno on B race for the last stère of
a purchase with a maximum, on SQLite and on PostgreSQL, and one only gets it; B's copy
shows A's total after every commitment, Bruno's own counted once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from fedlocal.services import group_purchases as purchases
from fedlocal.services import views
from fedlocal.services.accounts import create_account
from fedlocal.services.errors import Conflict
from fedlocal.services.group_purchases import PurchaseInput
from fedlocal.store import group_purchases as purchase_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import posts as post_store
from tests.support.federation_steps import follow_across
from tests.support.instance import instance_on_database
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
async def pair(tmp_path):
    async with (
        instance_on_database("sqlite", tmp_path / "a") as a,
        instance_on_database("sqlite", tmp_path / "b") as b,
    ):
        yield a, b


def firewood(**changes) -> PurchaseInput:
    now = datetime.now(UTC)
    fields = {
        "title": "Bois de chauffage",
        "unit": "stere",
        "unit_price": "85",
        "minimum": "10",
        "maximum": "20",
        "deadline": now + timedelta(days=3),
        "pickup_at": now + timedelta(days=5),
        "pickup_place": "Parking du marché de Paramé",
        **changes,
    }
    return PurchaseInput(**fields)


async def _copy(instance, uri):
    async with instance.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _a_purchase_reaching_b(a, b, organiser, bruno, **changes):
    """Ana's purchase on A, and its copy on B (Bruno follows Ana)."""
    await follow_across(b, bruno, f"@{organiser.username}@{a.config.domain}")
    post = await purchases.propose(a.services, organiser, firewood(**changes))

    async def copied():
        copy = await _copy(b, post.uri)
        return copy if copy is not None and copy.kind == "group_purchase" else None

    copy = await wait_for(copied, message="the group purchase to reach B as one")
    return post, copy


async def _total(instance, post_id):
    _, purchase = await purchases.get(instance.services, post_id)
    return purchase.committed_milli


async def _total_is(instance, post_id, milli):
    return await _total(instance, post_id) == milli


async def _mine(instance, actor, post_id):
    async with instance.db.read() as conn:
        return await purchase_store.get_commitment(conn, post_id, actor.id)


async def _types(instance, actor):
    async with instance.db.read() as conn:
        return [n.type for n in await notification_store.list_for(conn, actor.id)]


async def _answered(instance, actor, post_id):
    mine = await _mine(instance, actor, post_id)
    return mine if mine is not None and mine.state != "pending" else None


async def test_a_neighbour_on_b_commits_changes_and_withdraws_on_a_purchase_of_a(pair):
    a, b = pair
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    post, copy = await _a_purchase_reaching_b(a, b, ana, bruno)
    _, terms = await purchases.get(b.services, copy.id)
    assert (terms.minimum_milli, terms.maximum_milli, terms.unit) == (10_000, 20_000, "stere")
    assert terms.pickup_place == "Parking du marché de Paramé" and terms.state == "open"

    # When Bruno commits 3 stères from B, his commitment waits there
    done = await purchases.commit(b.services, bruno, copy.id, "3")
    assert done.commitment.state == "pending"

    # Then A counts it and B hears its Accept: Bruno is told, his quantity counted
    await wait_for(lambda: _total_is(a, post.id, 3_000), message="A to count Bruno")
    accepted = await wait_for(lambda: _answered(b, bruno, copy.id), message="A's Accept on B")
    assert (accepted.state, accepted.quantity_milli) == ("accepted", 3_000)
    assert "group_purchase_accepted" in await _types(b, bruno)
    assert await _total(b, copy.id) == 3_000

    # When he changes to 5: a new Offer, which replaces the first on A
    await purchases.commit(b.services, bruno, copy.id, "5")
    await wait_for(lambda: _total_is(a, post.id, 5_000), message="A to take the change")
    changed = await wait_for(lambda: _answered(b, bruno, copy.id), message="the change's Accept")
    assert (changed.state, changed.quantity_milli) == ("accepted", 5_000)
    [(taken, who)] = await _list(a, post.id)
    assert who.uri == bruno.uri and taken.quantity_milli == 5_000

    # When he asks for more than the maximum: A refuses, and his 5 stères still stand
    await purchases.commit(b.services, bruno, copy.id, "30")
    kept = await wait_for(lambda: _answered(b, bruno, copy.id), message="the change's Reject")
    assert (kept.state, kept.quantity_milli, kept.reason) == ("accepted", 5_000, "only 20 remain")
    assert "group_purchase_change_refused" in await _types(b, bruno)
    assert await _total(a, post.id) == 5_000

    # When he withdraws, A takes his commitment off
    await purchases.withdraw(b.services, bruno, copy.id)
    await wait_for(lambda: _total_is(a, post.id, 0), message="A to hear the Undo")
    assert await _mine(b, bruno, copy.id) is None
    assert await _total(b, copy.id) == 0


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_b_shows_the_total_a_counts_after_each_commitment_never_twice(tmp_path, kind):
    """B's copy of Ana's purchase follows A's total: after Carl commits on A, after
    Bruno's own commitment from B (counted once, whichever of A's Accept and A's Update
    arrives first), and after Carl withdraws."""
    async with (
        instance_on_database(kind, tmp_path / "a") as a,
        instance_on_database(kind, tmp_path / "b") as b,
    ):
        await _totals_across(a, b)


async def _totals_across(a, b) -> None:
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, carl = await create_account(a.services, "carl", "secret-carl-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    post, copy = await _a_purchase_reaching_b(a, b, ana, bruno)

    # When Carl commits 4 stères on A, B's copy says 4
    await purchases.commit(a.services, carl, post.id, "4")
    await wait_for(lambda: _total_is(b, copy.id, 4_000), message="A's total (4) on B")

    # When Bruno commits 3 from B: A counts 7, and B says 7 once answered, not 10
    await purchases.commit(b.services, bruno, copy.id, "3")
    await wait_for(lambda: _total_is(a, post.id, 7_000), message="A to count Bruno")
    await wait_for(lambda: _answered(b, bruno, copy.id), message="A's Accept on B")
    await wait_for(lambda: _total_is(b, copy.id, 7_000), message="A's total (7) on B")
    # What apps on B read: A's total, and the copy not marked as edited (no text changed)
    async with b.db.read() as conn:
        view = await views.post(conn, bruno, await _copy(b, post.uri))
    assert view is not None and view.unedited_copy
    assert view.group_purchase is not None and view.group_purchase.committed_milli == 7_000

    # When Carl withdraws on A, B's copy says 3
    await purchases.withdraw(a.services, carl, post.id)
    await wait_for(lambda: _total_is(b, copy.id, 3_000), message="A's total (3) on B")


async def _list(instance, post_id):
    async with instance.db.read() as conn:
        return await purchase_store.list_commitments(conn, post_id)


async def test_the_confirmation_reaches_the_neighbour_on_b_with_the_pickup(pair):
    a, b = pair
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    post, copy = await _a_purchase_reaching_b(a, b, ana, bruno)
    await purchases.commit(b.services, bruno, copy.id, "12")
    await wait_for(lambda: _answered(b, bruno, copy.id), message="A's Accept on B")

    # When Ana confirms on A
    await purchases.decide(a.services, ana, post.id, confirm=True)

    # Then B's copy is confirmed with A's total and the pickup, and Bruno is told
    async def confirmed_on_b():
        _, terms = await purchases.get(b.services, copy.id)
        return terms if terms.state == "confirmed" else None

    terms = await wait_for(confirmed_on_b, message="A's Update to reach B")
    assert terms.committed_milli == 12_000
    assert terms.pickup_place == "Parking du marché de Paramé"
    assert "group_purchase_confirmed" in await _types(b, bruno)
    # And he can no longer change it
    with pytest.raises(Conflict, match="closed"):
        await purchases.commit(b.services, bruno, copy.id, "1")


async def _race(a, b) -> None:
    """Given 19 of 20 stères taken on A, Bea on A and Bruno on B ask for the last one at
    the same time: one gets it, the other a clear refusal; A never counts past 20."""
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, carl = await create_account(a.services, "carl", "secret-carl-1")
    _, bea = await create_account(a.services, "bea", "secret-bea-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    post, copy = await _a_purchase_reaching_b(a, b, ana, bruno)
    await purchases.commit(a.services, carl, post.id, "19")

    async def bea_commits() -> str:
        try:
            await purchases.commit(a.services, bea, post.id, "1")
            return "counted"
        except Conflict as refused:
            return str(refused)

    bea_outcome, _ = await asyncio.gather(
        bea_commits(), purchases.commit(b.services, bruno, copy.id, "1")
    )

    # Then A answers Bruno's Offer once it arrives
    bruno_answer = await wait_for(lambda: _answered(b, bruno, copy.id), message="A's answer")
    assert await _total(a, post.id) == 20_000
    takers = {who.uri for _, who in await _list(a, post.id)}
    if bruno_answer.state == "accepted":
        assert bea_outcome == "only 0 remain"
        assert takers == {carl.uri, bruno.uri}
        assert "group_purchase_accepted" in await _types(b, bruno)
    else:
        assert bea_outcome == "counted"
        assert takers == {carl.uri, bea.uri}
        assert (bruno_answer.state, bruno_answer.reason) == ("refused", "only 0 remain")
        assert "group_purchase_refused" in await _types(b, bruno)
        # His refused commitment counts for nothing on B either
        assert await purchases.my_commitment(b.services, bruno, copy.id) == bruno_answer
        assert not await _list(b, copy.id)


async def test_a_race_for_the_last_unit_from_a_and_b_on_sqlite(pair):
    await _race(*pair)


@pytest.mark.postgres
async def test_a_race_for_the_last_unit_from_a_and_b_on_postgresql(tmp_path):
    async with (
        instance_on_database("postgres", tmp_path / "a") as a,
        instance_on_database("postgres", tmp_path / "b") as b,
    ):
        await _race(a, b)
