"""Group purchases: what an organiser may propose, neighbours committing, changing and
withdrawing, the refusals (whole units, past the maximum, after the deadline), and the
settling at the deadline or by the organiser, with its notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fedlocal.clock import FakeClock, use_clock
from fedlocal.purchases import per_unit
from fedlocal.services import group_purchases as purchases
from fedlocal.services import posts as post_service
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput
from fedlocal.services.group_purchases import PurchaseInput
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store import group_purchases as purchase_store
from fedlocal.store import notifications as notification_store

NOW = datetime.now(UTC)


def firewood(**changes) -> PurchaseInput:
    fields = {
        "title": "Bois de chauffage (chêne, 50 cm)",
        "unit": "stere",
        "unit_price": "85",
        "minimum": "10",
        "maximum": "20",
        "deadline": NOW + timedelta(days=3),
        "pickup_at": NOW + timedelta(days=5),
        "pickup_place": "Parking du marché de Paramé",
        "description": "Livré par la ferme du Clos.",
        "quarter": "Paramé",
    }
    return PurchaseInput(**{**fields, **changes})


def eggs(**changes) -> PurchaseInput:
    fields = {"title": "Œufs bio", "unit": "dozen", "unit_price": "4,20", "minimum": "10"}
    return firewood(**{**fields, **changes})


async def told(db, actor, kind):
    async with db.read() as conn:
        return await notification_store.list_for(conn, actor.id, types=(kind,))


REFUSED = [
    pytest.param({"minimum": "-2"}, "minimum", "more than zero", id="negative-minimum"),
    pytest.param({"maximum": "5"}, "maximum", "below the minimum", id="max-below-min"),
    pytest.param({"unit": "barrel"}, "unit", "unknown unit", id="unknown-unit"),
    pytest.param({"unit_price": "huit"}, "unit_price", "must be a number", id="price-text"),
    pytest.param(
        {"deadline": NOW - timedelta(hours=1)}, "deadline", "in the past", id="deadline-past"
    ),
    pytest.param(
        {"pickup_at": NOW + timedelta(days=1)}, "pickup_at", "after the deadline", id="pickup"
    ),
    pytest.param({"pickup_place": " "}, "pickup_place", "required", id="no-place"),
    pytest.param({"title": ""}, "title", "required", id="no-title"),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSED)
async def test_bad_proposals_are_refused_and_nothing_is_stored(world, ana, changes, field, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        await purchases.propose(world.services, ana, firewood(**changes))
    assert refused.value.field == field
    async with world.db.read() as conn:
        assert await purchase_store.due(conn, now=NOW + timedelta(days=400), limit=5) == []


async def test_fractional_minimum_of_a_whole_unit_is_refused(world, ana):
    with pytest.raises(InvalidInput, match="whole units"):
        await purchases.propose(world.services, ana, eggs(minimum="2,5", maximum=None))


async def test_neighbours_commit_change_and_withdraw(world, ana, bea, carl):
    post = await purchases.propose(world.services, ana, firewood())
    assert post.kind == "group_purchase"
    assert "Achat groupé : 85 € le stère, minimum 10 stères, maximum 20 stères" in post.content
    first = await purchases.commit(world.services, bea, post.id, "4,5")
    assert first.outcome == "created"
    changed = await purchases.commit(world.services, bea, post.id, "6")
    assert changed.outcome == "changed"
    await purchases.commit(world.services, carl, post.id, "3")
    _, purchase = await purchases.get(world.services, post.id)
    assert (purchase.committed_milli, purchase.committers) == (9_000, 2)
    assert not purchase.reached
    await purchases.withdraw(world.services, carl, post.id)
    _, purchase = await purchases.get(world.services, post.id)
    assert purchase.committed_milli == 6_000
    with pytest.raises(Conflict, match="not committed"):
        await purchases.withdraw(world.services, carl, post.id)


COMMIT_REFUSED = [
    pytest.param("-1", InvalidInput, "more than zero", id="negative"),
    pytest.param("0", InvalidInput, "more than zero", id="zero"),
    pytest.param("abc", InvalidInput, "must be a number", id="text"),
    pytest.param("1,0005", InvalidInput, "three decimals", id="too-precise"),
    pytest.param("21", Conflict, "only 20 remain", id="over-maximum"),
]


@pytest.mark.parametrize(("quantity", "error", "message"), COMMIT_REFUSED)
async def test_bad_commitments_are_refused_and_nothing_counted(
    world, ana, bea, quantity, error, message
):
    post = await purchases.propose(world.services, ana, firewood())
    with pytest.raises(error, match=message) as refused:
        await purchases.commit(world.services, bea, post.id, quantity)
    assert refused.value.field == "quantity"
    _, purchase = await purchases.get(world.services, post.id)
    assert purchase.committed_milli == 0


async def test_a_fraction_of_a_whole_unit_is_refused(world, ana, bea):
    post = await purchases.propose(world.services, ana, eggs(maximum=None))
    with pytest.raises(InvalidInput, match="whole units"):
        await purchases.commit(world.services, bea, post.id, "1.5")
    await purchases.commit(world.services, bea, post.id, "2")


async def test_over_what_remains_tells_what_does(world, ana, bea, carl):
    post = await purchases.propose(world.services, ana, firewood())
    await purchases.commit(world.services, bea, post.id, "18,5")
    with pytest.raises(Conflict, match="only 1.5 remain"):
        await purchases.commit(world.services, carl, post.id, "2")


async def test_no_commitment_after_the_deadline(world, ana, bea):
    post = await purchases.propose(world.services, ana, firewood())
    await purchases.commit(world.services, bea, post.id, "2")
    with use_clock(FakeClock(NOW + timedelta(days=4))):
        with pytest.raises(Conflict, match="deadline .* has passed"):
            await purchases.commit(world.services, bea, post.id, "3")
        with pytest.raises(Conflict, match="deadline .* has passed"):
            await purchases.withdraw(world.services, bea, post.id)
    _, purchase = await purchases.get(world.services, post.id)
    assert purchase.committed_milli == 2_000


async def test_at_the_deadline_a_reached_purchase_is_confirmed_and_everyone_told(
    world, ana, bea, carl
):
    """Given 12 stères committed for a minimum of 10, when the maintenance worker runs
    after the deadline, then the purchase is confirmed, Béa, Carl and Ana are told, and
    nobody can commit any more."""
    post = await purchases.propose(world.services, ana, firewood())
    await purchases.commit(world.services, bea, post.id, "8")
    await purchases.commit(world.services, carl, post.id, "4")
    worker = MaintenanceWorker(world.services)
    await worker.run_once(now=NOW + timedelta(days=1))
    _, purchase = await purchases.get(world.services, post.id)
    assert purchase.state == "open"
    later = NOW + timedelta(days=3, minutes=1)
    with use_clock(FakeClock(later)):
        await worker.run_once(now=later)
    _, purchase = await purchases.get(world.services, post.id)
    assert purchase.state == "confirmed"
    for person in (ana, bea, carl):
        assert len(await told(world.db, person, purchases.CONFIRMED)) == 1
    # A second round settles nothing again.
    with use_clock(FakeClock(later)):
        await worker.run_once(now=later + timedelta(minutes=1))
    assert len(await told(world.db, bea, purchases.CONFIRMED)) == 1
    with pytest.raises(Conflict, match="closed"):
        await purchases.commit(world.services, bea, post.id, "1")


async def test_at_the_deadline_a_purchase_short_of_its_minimum_is_cancelled(world, ana, bea):
    post = await purchases.propose(world.services, ana, firewood())
    await purchases.commit(world.services, bea, post.id, "3")
    assert await purchases.settle_due(world.services, now=NOW + timedelta(days=3, hours=1)) == 1
    _, purchase = await purchases.get(world.services, post.id)
    assert purchase.state == "cancelled"
    assert len(await told(world.db, bea, purchases.CANCELLED)) == 1


async def test_the_organiser_decides_earlier(world, ana, bea):
    post = await purchases.propose(world.services, ana, firewood())
    await purchases.commit(world.services, bea, post.id, "3")
    with pytest.raises(Forbidden):
        await purchases.decide(world.services, bea, post.id, confirm=False)
    with pytest.raises(Conflict, match="minimum is not reached"):
        await purchases.decide(world.services, ana, post.id, confirm=True)
    await purchases.commit(world.services, bea, post.id, "10")
    decided = await purchases.decide(world.services, ana, post.id, confirm=True)
    assert decided.state == "confirmed"
    assert len(await told(world.db, bea, purchases.CONFIRMED)) == 1
    with pytest.raises(Conflict, match="already confirmed"):
        await purchases.decide(world.services, ana, post.id, confirm=False)


async def test_the_organiser_gets_who_takes_what_as_csv(world, ana, bea, carl):
    post = await purchases.propose(world.services, ana, firewood())
    await purchases.commit(world.services, bea, post.id, "2,5")
    await purchases.commit(world.services, carl, post.id, "1")
    with pytest.raises(Forbidden):
        await purchases.takers(world.services, bea, post.id)
    found = await purchases.takers(world.services, ana, post.id)
    _, purchase = await purchases.get(world.services, post.id)
    lines = purchases.takers_csv(purchase, found).splitlines()
    assert lines[0] == "name,account,quantity,unit,amount_eur"
    assert lines[1].startswith("Bea,@bea@") and lines[1].endswith(",2.5,stere,212.50")
    assert lines[2].endswith(",1,stere,85.00")


async def test_a_deleted_purchase_is_closed_quietly_at_its_deadline(world, ana, bea):
    post = await purchases.propose(world.services, ana, firewood())
    await purchases.commit(world.services, bea, post.id, "12")
    await post_service.delete_post(world.services, ana, post.id)

    assert await purchases.settle_due(world.services, now=NOW + timedelta(days=4)) == 0

    assert await told(world.db, bea, purchases.CONFIRMED) == []
    async with world.db.read() as conn:
        assert await purchase_store.due(conn, now=NOW + timedelta(days=5), limit=5) == []


@pytest.mark.parametrize(
    ("unit", "language", "expected"),
    [
        ("piece", "fr", "la pièce"),
        ("box", "fr", "la caisse"),
        ("dozen", "fr", "la douzaine"),
        ("bag", "fr", "le sac"),
        ("stere", "fr", "le stère"),
        ("kg", "fr", "le kg"),
        ("piece", "en", "per piece"),
        # Another server's unit, whose gender we cannot know
        ("pot", "fr", "par pot"),
        ("pot", "en", "per pot"),
    ],
)
def test_a_unit_price_is_followed_by_the_units_own_article(unit, language, expected) -> None:
    assert per_unit(unit, language) == expected
