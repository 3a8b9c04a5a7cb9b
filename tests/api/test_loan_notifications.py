"""A Mastodon app sees the steps of a loan: the borrower's notifications are `update`s of
the offer (`fedlocal_type` naming the step), whose content states the return day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fedlocal.services import interest, listings, loans
from fedlocal.services.listings import ListingInput


async def test_the_borrower_sees_each_step_as_an_update_of_the_offer(inst, http, ana, bob):
    # Given ana's drill, which bob asked for, reserved for him and lent for a week
    drill = await listings.publish_listing(
        inst.services,
        ana.actor,
        ListingInput(kind="offer", intent="lend", title="Perceuse", language="fr"),
    )
    await interest.express_interest(inst.services, bob.actor, drill.uri)
    await listings.reserve(inst.services, ana.actor, drill.id, bob.actor.uri)
    due = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=7)
    await loans.hand_over(inst.services, ana.actor, drill.id, due_on=due)

    # When bob's app lists his notifications
    notes = (await http.get("/api/v1/notifications", headers=bob.headers)).json()

    # Then the reservation and the loan show as updates of the drill, newest first
    assert [(n["type"], n["fedlocal_type"]) for n in notes] == [
        ("update", "listing_lent"),
        ("update", "listing_reserved"),
    ]
    assert {n["status"]["id"] for n in notes} == {str(drill.id)}
    assert notes[0]["account"]["acct"] == "ana"
    assert f"prêté jusqu&#x27;au {due.isoformat()}" in notes[0]["status"]["content"]
    listing = notes[0]["status"]["fedlocal"]["listing"]
    assert (listing["due_on"], listing["closed_as"]) == (due.isoformat(), "lent")
    assert date.fromisoformat(listing["due_on"]) == due
