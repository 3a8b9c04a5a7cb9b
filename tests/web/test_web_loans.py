"""The loan's forms on the listing page (the `_listing_actions.html` partial): reserve,
record the handover and the return day with errors beside the fields in the visitor's
language, the return; the neighbour's notifications name and link the listing."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fedlocal.clock import use_clock
from fedlocal.services import interest, listings, loans, messages
from fedlocal.services.listings import ListingInput

from .conftest import make_resident
from .web_client import WebClient, notice


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Paris")).date()


@pytest.fixture
async def lent_setup(inst, alice, alice_web):
    """Alice's drill, that Bob asked for, and Bob's browser."""
    _, bob = await make_resident(inst, "bob", display_name="Bob Leroux")
    drill = await listings.publish_listing(
        inst.services, alice[1], ListingInput(kind="offer", intent="lend", title="Perceuse")
    )
    await interest.express_interest(inst.services, bob, drill.uri)
    async with WebClient(inst.base_url, language="fr") as bob_web:
        await bob_web.log_in("bob")
        yield drill, bob, bob_web


async def test_a_loan_from_reservation_to_return_in_the_web_app(inst, alice_web, lent_setup):
    drill, bob, bob_web = lent_setup
    path = f"/posts/{drill.id}"

    # When alice reserves the drill for bob
    reserved = await alice_web.submit(path, f"{path}/reserve", {"for": bob.uri})
    assert reserved.status_code == 303

    # Then bob's notification names the drill and links it, in French
    page = html.unescape((await bob_web.get("/notifications")).text)
    assert "Alice Martin a réservé « Perceuse » pour vous" in page
    assert f'href="{path}"' in page

    # When alice records the handover with a return day before it
    form = await alice_web.get(path)
    assert 'name="due_on"' in form.text and f'value="{_today().isoformat()}"' in form.text
    refused = await alice_web.submit(
        path, f"{path}/lend", {"lent_on": _today().isoformat(), "due_on": "2000-01-01"}
    )

    # Then the page comes back with the error beside the return day, nothing lent
    assert refused.status_code == 422
    assert 'id="f-due_on-error"' in refused.text
    assert "The return date comes after the handover" in html.unescape(refused.text)
    assert 'aria-invalid="true"' in refused.text

    # When the return day is missing or not a date
    missing = await alice_web.submit(path, f"{path}/lend", {"due_on": ""})
    assert missing.status_code == 422 and "Enter the day it is to be returned." in missing.text

    # When alice records it properly
    due = _today() + timedelta(days=7)
    lent = await alice_web.submit(path, f"{path}/lend", {"due_on": due.isoformat()})
    assert lent.status_code == 303 and notice(lent) == "lent"

    # Then the page and the feed card say "Lent until", and bob is told in French
    due_en = f"{due:%B} {due.day}, {due.year}"
    assert f"Lent until {due_en}" in (await alice_web.get(path)).text
    assert f"Lent to Bob Leroux until {due_en}." in (await alice_web.get(path)).text
    assert f"Lent until {due_en}" in (await alice_web.get("/@alice")).text  # her cards
    bob_page = html.unescape((await bob_web.get(path)).text)
    assert "Il vous est prêté jusqu'au" in bob_page
    notes = html.unescape((await bob_web.get("/notifications")).text)
    assert "Alice Martin vous a prêté « Perceuse » jusqu'au" in notes

    # When alice notes that bob gave it back
    back = await alice_web.submit(path, f"{path}/returned", {})
    assert back.status_code == 303
    assert "Lent to Bob Leroux, and returned." in (await alice_web.get(path)).text
    notes = html.unescape((await bob_web.get("/notifications")).text)
    assert "Alice Martin a noté le retour de « Perceuse » : merci" in notes


async def test_only_the_author_records_a_loan(inst, alice_web, lent_setup):
    drill, bob, bob_web = lent_setup
    path = f"/posts/{drill.id}"
    await alice_web.submit(path, f"{path}/reserve", {"for": bob.uri})

    tried = await bob_web.submit(
        "/notifications", f"{path}/lend", {"due_on": (_today() + timedelta(days=3)).isoformat()}
    )

    assert tried.status_code == 403


async def test_past_its_day_both_see_the_loan_overdue(inst, alice, alice_web, lent_setup):
    # Given alice lent the drill to bob until tomorrow
    drill, bob, bob_web = lent_setup
    path = f"/posts/{drill.id}"
    await listings.reserve(inst.services, alice[1], drill.id, bob.uri)
    due = _today() + timedelta(days=1)
    await loans.hand_over(inst.services, alice[1], drill.id, due_on=due)

    # When the instance's clock is three days on (still ticking)
    shift = timedelta(days=3)
    with use_clock(lambda: datetime.now(UTC) + shift):
        author_page = html.unescape((await alice_web.get(path)).text)
        borrower_page = html.unescape((await bob_web.get(path)).text)

    # Then the page says so to both, each in their language
    due_en = f"{due:%B} {due.day}, {due.year}"
    assert f"Overdue: due back on {due_en}" in author_page
    assert f"Lent to Bob Leroux, due back on {due_en}: overdue." in author_page
    assert "En retard : à rendre le" in borrower_page
    assert "Il devait être rendu le" in borrower_page


async def test_the_loan_is_run_from_the_thread_and_its_steps_show_there(
    inst, alice, alice_web, lent_setup
):
    drill, bob, bob_web = lent_setup
    # Given the thread that bob's interest opened with alice about the drill
    threads = await messages.listing_threads(inst.services, alice[1], drill)
    thread = f"/messages/{threads[bob.id]}"
    page = (await alice_web.get(thread)).text
    # Then alice can reserve it for bob from there, and only for him
    assert f'action="/posts/{drill.id}/reserve"' in page
    assert page.count('name="for"') == 1 and f'value="{bob.uri}"' in page

    # When she reserves it, then lends it, from the thread
    reserved = await alice_web.submit(
        thread, f"/posts/{drill.id}/reserve", {"for": bob.uri, "back": thread}
    )
    # Then each action comes back to the thread
    assert reserved.headers["location"].startswith(thread)
    due = _today() + timedelta(days=3)
    lent = await alice_web.submit(
        thread, f"/posts/{drill.id}/lend", {"due_on": due.isoformat(), "back": thread}
    )
    assert lent.headers["location"].startswith(thread)

    # And both see the steps in the thread, in their language
    due_en = f"{due:%B} {due.day}, {due.year}"
    alice_page = html.unescape((await alice_web.get(thread)).text)
    assert "What happened" in alice_page
    assert "Reserved" in alice_page and f"Lent until {due_en}" in alice_page
    bob_threads = await messages.listing_threads(inst.services, bob, drill)
    bob_page = html.unescape((await bob_web.get(f"/messages/{bob_threads[alice[1].id]}")).text)
    assert "Ce qui s’est passé" in bob_page and "Prêté jusqu'au" in bob_page
    # but only the author gets the actions
    assert f"/posts/{drill.id}/returned" in alice_page
    assert f"/posts/{drill.id}/returned" not in bob_page


async def test_an_action_never_returns_to_an_address_elsewhere(inst, alice_web, lent_setup):
    drill, bob, _ = lent_setup
    path = f"/posts/{drill.id}"
    answer = await alice_web.submit(
        path, f"{path}/reserve", {"for": bob.uri, "back": "https://evil.example/messages/1"}
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith(path)
