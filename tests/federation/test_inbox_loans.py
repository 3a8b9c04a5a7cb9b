"""A loan's steps arriving from another fedlocal instance: the copy keeps the return
day, and the resident it is lent to (who showed interest from here) is notified of each
step with the listing named; nobody else is, and an unknown step is no step."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fedlocal.services import interest, listing_steps
from fedlocal.store import notifications as notification_store
from tests.services.sharing_support import (
    create_of,
    deliver_and_process,
    post_at,
    resident,
    update_of,
    we_follow,
)
from tests.support.remote_stub import StubActor


@pytest.fixture
async def ana(inst):
    return await resident(inst.federation, "ana")


@pytest.fixture
async def carl(inst):
    return await resident(inst.federation, "carl")


@pytest.fixture
def alice(stub) -> StubActor:
    return stub.add_actor("alice")


async def _told(inst, actor) -> list[tuple[str, int | None]]:
    async with inst.db.read() as conn:
        found = await notification_store.list_for(conn, actor.id)
    return [(n.type, n.post_id) for n in reversed(found) if n.type.startswith("listing_")]


def _step(offer: dict[str, Any], step: str, day: int, **terms: Any) -> dict[str, Any]:
    return {**offer, **terms, "listingStep": step, "updated": f"2025-12-{day:02d}T10:00:00.000Z"}


async def test_each_step_of_a_loan_reaches_the_borrower_here(inst, stub, ana, carl, alice):
    # Given alice's drill on another fedlocal instance, which ana asked for from here
    await we_follow(inst, stub, ana, alice)
    offer = alice.fixture("fedlocal/note-offer.json", object_id="90")
    offer["updated"] = "2025-12-01T10:00:00.000Z"
    await deliver_and_process(inst, stub, alice, create_of(alice, offer))
    copy = await post_at(inst.db, offer["id"])
    await interest.express_interest(inst.services, ana, offer["id"])

    # When alice reserves it for ana and lends it to her until 20 December
    reserved = _step(offer, "reserved", 2, listingStatus="reserved", reservedFor=ana.uri)
    await deliver_and_process(inst, stub, alice, update_of(alice, reserved, "1"))
    lent = _step(
        reserved,
        "lent",
        3,
        listingStatus="closed",
        closedAs="lent",
        loanStatus="lent",
        lentAt="2025-12-03T09:00:00Z",
        dueOn="2025-12-20",
    )
    await deliver_and_process(inst, stub, alice, update_of(alice, lent, "2"))
    await deliver_and_process(inst, stub, alice, update_of(alice, _step(lent, "reminder", 19), "3"))

    # Then our copy is lent until that day, and ana heard of each step (the reservation
    # through the Accept of her FEP-0837 Offer, which alice's server sends)
    held = await post_at(inst.db, offer["id"])
    assert held.listing.on_loan and held.listing.due_on == date(2025, 12, 20)
    assert await _told(inst, ana) == [("listing_lent", copy.id), ("listing_reminder", copy.id)]
    history = await listing_steps.history(inst.services, held, ana)
    assert [step.step for step in history] == ["reserved", "lent", "reminder"]

    # When an Update names carl, who never asked for it, or a step we do not know
    for number, update in enumerate(
        [
            _step(lent, "overdue", 21, reservedFor=carl.uri),
            _step(lent, "exploded", 22),
        ]
    ):
        await deliver_and_process(inst, stub, alice, update_of(alice, update, f"x{number}"))

    # Then nobody is told anything more
    assert await _told(inst, carl) == []
    assert await _told(inst, ana) == [("listing_lent", copy.id), ("listing_reminder", copy.id)]
