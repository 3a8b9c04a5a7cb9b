"""The life of a loan and a gift, with a neighbour who showed interest.

    reserved ──hand_over──▶ lent ──mark_returned──▶ returned
       │                     └─ the day before: a reminder; past the day: overdue (once)
       └──give──▶ given

Each step is kept in the listing's history with the neighbour, announced as an Update
carrying `listingStep`, and told: a notification naming the listing for a resident, a
direct message with its link for a Mastodon borrower, and the reminder and the overdue
notice to the lender too. The clock is fedlocal.clock's, moved by the test.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

import pytest

from fedlocal.clock import FakeClock, use_clock
from fedlocal.services import interest, listing_steps, listings, loans
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput
from fedlocal.services.listings import ListingInput
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store import notifications as notification_store
from tests.services.sharing_support import (
    effects,
    fresh,
    last_queued_id,
    queued,
    remote_person,
)

# 10:00 in Paris on Thursday 1 May 2031.
START = datetime(2031, 5, 1, 8, 0, tzinfo=UTC)
TODAY = date(2031, 5, 1)


@pytest.fixture
def clock():
    fake = FakeClock(START)
    with use_clock(fake):
        yield fake


async def offer(world, author, intent="lend"):
    title = "Perceuse à prêter" if intent == "lend" else "Poussette à donner"
    return await listings.publish_listing(
        world.services,
        author,
        ListingInput(kind="offer", intent=intent, title=title, quarter="Intra-Muros"),
    )


async def reserved_for(world, clock, author, neighbour, intent="lend"):
    """An offer of `author` that `neighbour` showed interest in, reserved for them a
    minute ago (each change of a post is a new version: the clock must move between)."""
    post = await offer(world, author, intent)
    if neighbour.is_local:
        await interest.express_interest(world.services, neighbour, post.uri)
    clock.advance(minutes=1)
    await listings.reserve(world.services, author, post.id, neighbour.uri)
    clock.advance(minutes=1)
    return post


async def notified(world, actor, *types):
    """(type, post id, actor id) of the actor's notifications of `types`, oldest first."""
    async with world.db.read() as conn:
        found = await notification_store.list_for(conn, actor.id, types=types)
    return [(n.type, n.post_id, n.actor_id) for n in reversed(found)]


async def steps(world, post, neighbour):
    return [
        (s.step, s.due_on) for s in await listing_steps.history(world.services, post, neighbour)
    ]


def updates(found):
    return [sent.body for sent in found if sent.type == "Update"]


# --- a loan from reservation to return ------------------------------------------------------


async def test_a_loan_is_reserved_handed_over_and_returned(world, ana, bea, clock):
    # Given ana's drill, which bea asked for
    drill = await offer(world, ana)
    await interest.express_interest(world.services, bea, drill.uri)

    # When ana reserves it for bea
    await listings.reserve(world.services, ana, drill.id, bea.uri)

    # Then bea hears of it, with the drill named (its post) and ana as who did it
    assert await notified(world, bea, "listing_reserved") == [
        ("listing_reserved", drill.id, ana.id)
    ]

    # When ana hands it over today, to come back on 8 May
    clock.advance(minutes=1)
    after = await last_queued_id(world.db)
    lent = await loans.hand_over(world.services, ana, drill.id, due_on=date(2031, 5, 8))

    # Then the drill is lent until 8 May, bea hears of it, and the Update says so
    assert (lent.listing.status, lent.listing.closed_as) == ("closed", "lent")
    assert lent.listing.lent_at == clock.now and lent.listing.due_on == date(2031, 5, 8)
    assert lent.listing.reserved_for == bea.uri and lent.listing.on_loan
    assert await notified(world, bea, "listing_lent") == [("listing_lent", drill.id, ana.id)]
    [update] = updates(await queued(world.db, after=after))
    sent = update["object"]
    assert (sent["listingStep"], sent["loanStatus"]) == ("lent", "lent")
    assert (sent["dueOn"], sent["reservedFor"]) == ("2031-05-08", bea.uri)
    assert sent["lentAt"] == "2031-05-01T08:01:00Z"
    assert "Statut : Prêté jusqu&#x27;au 8 mai 2031" in sent["content"]

    # When bea brings it back two days later
    clock.advance(days=2)
    after = await last_queued_id(world.db)
    back = await loans.mark_returned(world.services, ana, drill.id)

    # Then the loan is closed as returned, bea hears of it, and it is in the history
    assert (back.listing.status, back.listing.closed_as) == ("closed", "returned")
    assert back.listing.returned_at == clock.now
    assert not back.listing.on_loan
    assert await notified(world, bea, "listing_returned") == [
        ("listing_returned", drill.id, ana.id)
    ]
    [update] = updates(await queued(world.db, after=after))
    assert (update["object"]["listingStep"], update["object"]["loanStatus"]) == (
        "returned",
        "returned",
    )
    assert await steps(world, drill, bea) == [
        ("reserved", None),
        ("lent", date(2031, 5, 8)),
        ("returned", date(2031, 5, 8)),
    ]


async def test_a_handover_recorded_later_keeps_its_day(world, ana, bea, clock):
    drill = await reserved_for(world, clock, ana, bea)

    lent = await loans.hand_over(
        world.services, ana, drill.id, lent_on=date(2031, 4, 28), due_on=date(2031, 5, 3)
    )

    # Noon in Paris on the day given
    assert lent.listing.lent_at == datetime(2031, 4, 28, 10, 0, tzinfo=UTC)


async def test_a_gift_is_given_to_the_neighbour_it_was_reserved_for(world, ana, bea, clock):
    pram = await reserved_for(world, clock, ana, bea, intent="give")

    given = await loans.give(world.services, ana, pram.id)

    assert (given.listing.status, given.listing.closed_as) == ("closed", "given")
    assert given.listing.reserved_for == bea.uri
    assert await notified(world, bea, "listing_given") == [("listing_given", pram.id, ana.id)]
    assert await steps(world, pram, bea) == [("reserved", None), ("given", None)]


@pytest.mark.parametrize("action", ["release", "cancel"])
async def test_releasing_or_cancelling_still_works_and_is_told(world, ana, bea, clock, action):
    drill = await reserved_for(world, clock, ana, bea)

    changed = await getattr(listings, action)(world.services, ana, drill.id)

    assert changed.listing.status == ("open" if action == "release" else "cancelled")
    step = "released" if action == "release" else "cancelled"
    assert await notified(world, bea, f"listing_{step}") == [(f"listing_{step}", drill.id, ana.id)]
    assert await steps(world, drill, bea) == [("reserved", None), (step, None)]


# --- what is refused ------------------------------------------------------------------------

DUE = date(2031, 5, 8)


@pytest.mark.parametrize(
    ("setup", "call", "error", "words"),
    [
        pytest.param(
            "open", "hand_over", Conflict, "this offer is open", id="hand-over-an-open-offer"
        ),
        pytest.param(
            "gift", "hand_over", Conflict, "only a thing to lend is lent", id="hand-over-a-gift"
        ),
        pytest.param("lent", "hand_over", Conflict, "this offer is closed", id="lend-twice"),
        pytest.param(
            "reserved", "mark_returned", Conflict, "this offer is reserved", id="return-unlent"
        ),
        pytest.param("returned", "mark_returned", Conflict, "not on loan", id="return-twice"),
        pytest.param("open", "give", Conflict, "this offer is open", id="give-an-open-offer"),
        pytest.param(
            "reserved", "give", Conflict, "only a thing to give is given", id="give-a-loan"
        ),
        pytest.param("lent", "release", Conflict, "this offer is closed", id="release-a-loan"),
        pytest.param("reserved", "not-author", Forbidden, "only the author", id="not-the-author"),
    ],
)
async def test_a_step_from_the_wrong_state_or_by_someone_else_changes_nothing(
    world, ana, bea, clock, setup, call, error, words
):
    # Given ana's offer in the state `setup`
    if setup == "open":
        post = await offer(world, ana)
    else:
        post = await reserved_for(
            world, clock, ana, bea, intent="give" if setup == "gift" else "lend"
        )
    if setup in ("lent", "returned"):
        await loans.hand_over(world.services, ana, post.id, due_on=DUE)
        clock.advance(minutes=1)
    if setup == "returned":
        await loans.mark_returned(world.services, ana, post.id)
    before = await effects(world.db)

    # When the step is tried
    with pytest.raises(error, match=words):
        if call == "not-author":
            await loans.hand_over(world.services, bea, post.id, due_on=DUE)
        elif call == "hand_over":
            await loans.hand_over(world.services, ana, post.id, due_on=DUE)
        else:
            await getattr(loans if call != "release" else listings, call)(
                world.services, ana, post.id
            )

    # Then nothing was stored, told or queued
    assert await effects(world.db) == before


@pytest.mark.parametrize(
    ("lent_on", "due_on", "field", "words"),
    [
        pytest.param(TODAY, TODAY, "due_on", "comes after the handover", id="same-day"),
        pytest.param(
            TODAY, TODAY - timedelta(days=3), "due_on", "comes after the handover", id="before"
        ),
        pytest.param(
            TODAY - timedelta(days=5),
            TODAY - timedelta(days=1),
            "due_on",
            "already past",
            id="due-in-the-past",
        ),
        pytest.param(TODAY, TODAY + timedelta(days=400), "due_on", "a year at most", id="long"),
        pytest.param(
            TODAY + timedelta(days=1),
            TODAY + timedelta(days=5),
            "lent_on",
            "cannot be in the future",
            id="handover-tomorrow",
        ),
        pytest.param(
            TODAY - timedelta(days=400),
            TODAY + timedelta(days=5),
            "lent_on",
            "a year ago",
            id="old",
        ),
    ],
)
async def test_loan_dates_out_of_bounds_are_refused_beside_their_field(
    world, ana, bea, clock, lent_on, due_on, field, words
):
    drill = await reserved_for(world, clock, ana, bea)
    before = await effects(world.db)

    with pytest.raises(InvalidInput, match=words) as refused:
        await loans.hand_over(world.services, ana, drill.id, lent_on=lent_on, due_on=due_on)

    assert refused.value.field == field
    assert await effects(world.db) == before
    assert (await fresh(world.db, drill)).listing.status == "reserved"


# --- the reminder and the overdue notice ----------------------------------------------------


async def test_the_day_before_and_past_the_day_both_hear_once(world, ana, bea, clock):
    # Given ana lent her drill to bea on 1 May, to come back on 8 May
    drill = await reserved_for(world, clock, ana, bea)
    await loans.hand_over(world.services, ana, drill.id, due_on=DUE)
    worker = MaintenanceWorker(world.services)
    reminders = ("listing_reminder", "listing_reminder_author")
    overdue = ("listing_overdue", "listing_overdue_author")

    # When the worker runs on 6 May: too early
    clock.now = datetime(2031, 5, 6, 20, 0, tzinfo=UTC)
    await worker.run_once()
    assert await notified(world, bea, *reminders) == []

    # When it runs on 7 May (Paris), twice: one reminder each, bea's from ana, ana's of bea
    clock.now = datetime(2031, 5, 6, 22, 30, tzinfo=UTC)  # 00:30 on 7 May in Paris
    after = await last_queued_id(world.db)
    await worker.run_once()
    await worker.run_once()
    assert await notified(world, bea, *reminders) == [("listing_reminder", drill.id, ana.id)]
    assert await notified(world, ana, *reminders) == [("listing_reminder_author", drill.id, bea.id)]
    [update] = updates(await queued(world.db, after=after))
    assert (update["object"]["listingStep"], update["object"]["loanStatus"]) == ("reminder", "lent")

    # When it runs on 8 May, the day itself: nothing more
    clock.now = datetime(2031, 5, 8, 18, 0, tzinfo=UTC)
    await worker.run_once()
    assert await notified(world, bea, *overdue) == []

    # When it runs on 9 May, and again on 10 May: overdue, told once to each
    clock.now = datetime(2031, 5, 8, 22, 30, tzinfo=UTC)
    after = await last_queued_id(world.db)
    await worker.run_once()
    clock.advance(days=1)
    await worker.run_once()
    assert await notified(world, bea, *overdue) == [("listing_overdue", drill.id, ana.id)]
    assert await notified(world, ana, *overdue) == [("listing_overdue_author", drill.id, bea.id)]
    [update] = updates(await queued(world.db, after=after))
    assert (update["object"]["listingStep"], update["object"]["loanStatus"]) == (
        "overdue",
        "overdue",
    )
    assert [step for step, _due in await steps(world, drill, bea)] == [
        "reserved",
        "lent",
        "reminder",
        "overdue",
    ]

    # When bea brings it back late, the worker has nothing more to say
    clock.advance(minutes=1)
    await loans.mark_returned(world.services, ana, drill.id)
    clock.advance(days=1)
    assert await loans.remind_and_flag_overdue(world.services) == 0


async def test_a_returned_loan_gets_no_reminder(world, ana, bea, clock):
    drill = await reserved_for(world, clock, ana, bea)
    await loans.hand_over(world.services, ana, drill.id, due_on=DUE)
    clock.advance(minutes=1)
    await loans.mark_returned(world.services, ana, drill.id)

    clock.now = datetime(2031, 5, 7, 8, 0, tzinfo=UTC)
    assert await loans.remind_and_flag_overdue(world.services) == 0
    assert await notified(world, bea, "listing_reminder") == []


# --- a borrower elsewhere -------------------------------------------------------------------


async def test_a_mastodon_borrower_gets_a_direct_message_with_the_link(world, ana, clock):
    # Given carl on Mastodon, for whom ana reserved her drill
    carl = await remote_person(world.federation, "carl", "mastodon.example")
    drill = await reserved_for(world, clock, ana, carl)
    after = await last_queued_id(world.db)

    # When ana lends it to him
    await loans.hand_over(world.services, ana, drill.id, due_on=DUE)

    # Then carl gets a direct message in reply to the drill, naming it, its date and link
    [dm] = [sent.body for sent in await queued(world.db, after=after) if sent.type == "Create"]
    note = dm["object"]
    assert note["to"] == [carl.uri] and note["inReplyTo"] == drill.uri
    text = html.unescape(note["content"])
    assert "« Perceuse à prêter » vous est prêté jusqu'au 8 mai 2031." in text
    assert f'href="{drill.url or drill.uri}"' in text
    # and the history holds the step with him all the same
    assert [step for step, _due in await steps(world, drill, carl)] == ["reserved", "lent"]


async def test_a_marketplace_aware_borrower_is_told_by_the_update_alone(world, ana, clock):
    # Given lea, whose server sent a FEP-0837 Offer for the drill (it reads our steps)
    lea = await remote_person(world.federation, "lea", "fedlocal.example")
    drill = await offer(world, ana)
    async with world.db.write() as conn:
        await interest.receive_agreement_offer(
            conn, lea, drill.uri, "https://fedlocal.example/users/lea#offers/1"
        )
    await listings.reserve(world.services, ana, drill.id, lea.uri)
    clock.advance(minutes=1)
    after = await last_queued_id(world.db)

    await loans.hand_over(world.services, ana, drill.id, due_on=DUE)

    found = await queued(world.db, after=after)
    assert [sent.type for sent in found] == ["Update"]
    assert found[0].inboxes == ["https://fedlocal.example/inbox"]
