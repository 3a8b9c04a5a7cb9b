"""A loan between two instances over loopback HTTP.

Ana on A lends her drill to Bruno on B, who showed interest from B. Each step is an
Update of the listing: B's copy shows the return day, Bruno is notified of each step with
the listing named (his copy), the day-before reminder reaches him, and the return closes
the loan on both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from fedlocal.clock import use_clock
from fedlocal.services import interest, listing_steps, listings, loans
from fedlocal.services.accounts import create_account
from fedlocal.services.listings import ListingInput
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store import interests as interest_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import posts as post_store
from tests.support.federation_steps import follow_across
from tests.support.instance import running_instance
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")


async def _post_at(instance, uri):
    async with instance.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _notifications(instance, actor, prefix=""):
    async with instance.db.read() as conn:
        found = await notification_store.list_for(conn, actor.id, limit=100)
    return [(n.type, n.post_id) for n in reversed(found) if n.type.startswith(prefix)]


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a") as a,
        running_instance(tmp_path / "b") as b,
    ):
        yield a, b


async def test_a_loan_to_a_resident_of_another_instance(pair):
    a, b = pair
    # Given ana on A, followed by bruno on B
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    await follow_across(b, bruno, f"@ana@{a.config.domain}")

    # Given ana's drill to lend, which bruno asked for from B
    drill = await listings.publish_listing(
        a.services, ana, ListingInput(kind="offer", intent="lend", title="Perceuse à prêter")
    )
    copy = await wait_for(lambda: _post_at(b, drill.uri), message="the drill to reach B")
    await interest.express_interest(b.services, bruno, drill.uri)

    async def bruno_offered():
        async with a.db.read() as conn:
            listed = await interest_store.list_for_post(conn, drill.id)
        return any(actor.uri == bruno.uri and shown.offer_uri for shown, actor in listed)

    await wait_for(bruno_offered, message="bruno's FEP-0837 Offer on A")

    # When ana reserves it for him
    await listings.reserve(a.services, ana, drill.id, bruno.uri)

    # Then B's copy is reserved for bruno, and he is told once, with his copy linked
    async def reserved_on_b():
        post = await _post_at(b, drill.uri)
        return post.listing.status == "reserved" and post.listing.reserved_for == bruno.uri

    await wait_for(reserved_on_b, message="B to see the drill reserved for bruno")
    await wait_for(
        lambda: _notifications(b, bruno, "agreement"), message="bruno's reservation notice"
    )
    assert await _notifications(b, bruno, "agreement") == [("agreement", copy.id)]

    # When ana hands it over today, to come back in three days
    due = datetime.now(PARIS).date() + timedelta(days=3)
    await loans.hand_over(a.services, ana, drill.id, due_on=due)

    # Then B's copy is lent until that day, and bruno is told
    async def lent_on_b():
        post = await _post_at(b, drill.uri)
        return post.listing.closed_as == "lent" and post.listing.due_on == due

    await wait_for(lent_on_b, message="B to see the drill lent")
    await wait_for(lambda: _notifications(b, bruno, "listing_lent"), message="bruno's loan notice")
    async with httpx.AsyncClient(headers={"Accept-Language": "en"}) as client:
        page = await client.get(f"{b.base_url}/posts/{copy.id}")
    assert page.status_code == 200
    assert f"Lent until {_english(due)}" in page.text

    # When both instances' clocks move to the eve of the return day (still ticking), and
    # the lender's maintenance runs
    eve = datetime.combine(due - timedelta(days=1), time(9), PARIS)
    shift = eve - datetime.now(UTC)
    with use_clock(lambda: datetime.now(UTC) + shift):
        assert await MaintenanceWorker(a.services).run_once() >= 1
        await _returned_after_the_reminder(a, b, ana, bruno, drill, copy, due)


async def _returned_after_the_reminder(a, b, ana, bruno, drill, copy, due):
    """The rest of the loan, both clocks on the eve of the return day."""
    # Then the reminder reaches bruno on B, and ana on A
    await wait_for(lambda: _notifications(b, bruno, "listing_reminder"), message="bruno's reminder")
    assert await _notifications(a, ana, "listing_reminder") == [
        ("listing_reminder_author", drill.id)
    ]

    # When bruno brings it back
    await loans.mark_returned(a.services, ana, drill.id)

    # Then the loan is closed as returned on both, and bruno heard of each step once
    async def returned_on_b():
        post = await _post_at(b, drill.uri)
        return post.listing.closed_as == "returned" and post.listing.returned_at is not None

    await wait_for(returned_on_b, message="B to see the drill returned")
    assert (await _post_at(a, drill.uri)).listing.closed_as == "returned"
    await wait_for(
        lambda: _notifications(b, bruno, "listing_returned"), message="bruno's return notice"
    )
    assert await _notifications(b, bruno, "listing_") == [
        ("listing_lent", copy.id),
        ("listing_reminder", copy.id),
        ("listing_returned", copy.id),
    ]
    history = await listing_steps.history(b.services, copy, bruno)
    assert [step.step for step in history] == ["reserved", "lent", "reminder", "returned"]
    assert history[1].due_on == due
    # B's own copy never sends bruno a direct message: his server reads the steps
    assert await _notifications(b, bruno, "mention") == []


def _english(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"
