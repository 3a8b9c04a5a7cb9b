"""Loans in the store, on SQLite and PostgreSQL: a loan's dates round-trip, the loans due
by a day are found (and no other), and a listing's steps with a neighbour come back in
time order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from fedlocal.models import ListingDetails
from fedlocal.store import listing_steps as step_store
from fedlocal.store import posts as store

from .helpers import FIXED, assert_aware_utc, local_actor, remote_actor

LENT = ListingDetails(
    intent="lend",
    status="closed",
    closed_as="lent",
    reserved_for="https://remote.example/users/bob",
    lent_at=FIXED,
    due_on=date(2031, 3, 11),
)


async def _offer(conn, actor_id, listing):
    return await store.insert_local_post(
        conn,
        actor_id=actor_id,
        uri_for=lambda post_id: f"https://local.example/posts/{post_id}",
        kind="offer",
        visibility="public",
        content="<p>Perceuse</p>",
        listing=listing,
    )


async def test_a_loan_round_trips_and_is_found_when_due(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        lent = await _offer(conn, alice.id, LENT)
        later = await _offer(conn, alice.id, replace(LENT, due_on=date(2031, 4, 1)))
        back = await _offer(conn, alice.id, replace(LENT, closed_as="returned", returned_at=FIXED))
        await _offer(conn, alice.id, ListingDetails(intent="lend"))

    async with database.read() as conn:
        stored = await store.get_post(conn, lent.id)
        due = await store.loans_due(conn, by=date(2031, 3, 11), limit=10)
        early = await store.loans_due(conn, by=date(2031, 3, 10), limit=10)
        by_april = await store.loans_due(conn, by=date(2031, 4, 1), limit=10)

    assert stored is not None and stored.listing == LENT
    assert_aware_utc(stored.listing.lent_at)
    assert [post.id for post in due] == [lent.id]
    assert early == []
    # soonest first; never the returned one, nor an offer not lent
    assert [post.id for post in by_april] == [lent.id, later.id]
    assert back.id not in [post.id for post in by_april]


async def test_the_steps_with_a_neighbour_come_back_in_time_order(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        carl = await remote_actor(conn, "carl")
        offer = await _offer(conn, alice.id, LENT)
        for step, moment in (("lent", 2), ("reserved", 1), ("reminder", 3)):
            await step_store.add(
                conn,
                post_id=offer.id,
                actor_id=bob.id,
                step=step,
                at=FIXED + timedelta(hours=moment),
                due_on=LENT.due_on,
            )
        await step_store.add(conn, post_id=offer.id, actor_id=carl.id, step="reserved", at=FIXED)

    async with database.read() as conn:
        steps = await step_store.list_for(conn, offer.id, bob.id)
        reminded = await step_store.has_step_since(conn, offer.id, bob.id, "reminder", FIXED)
        overdue = await step_store.has_step_since(conn, offer.id, bob.id, "overdue", FIXED)

    assert [(s.step, s.due_on) for s in steps] == [
        ("reserved", date(2031, 3, 11)),
        ("lent", date(2031, 3, 11)),
        ("reminder", date(2031, 3, 11)),
    ]
    assert (reminded, overdue) == (True, False)
