"""Group purchases on the web: the organiser's form (refusals beside their field, nothing
stored), the page with the total against the minimum, committing, changing and
withdrawing without JavaScript, the organiser's decision and list of who takes what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from fedlocal.federation.from_as.posts import post_from_as
from fedlocal.services import group_purchases as purchases
from fedlocal.services import inbound
from fedlocal.store import actors as actor_store
from fedlocal.store import group_purchases as purchase_store

from .conftest import make_resident
from .web_client import WebClient, notice


def _day(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def _form(**changes: str) -> dict[str, str]:
    return {
        "title": "Bois de chauffage",
        "category": "neighbourhood-life",
        "unit": "stere",
        "unit_price": "85",
        "minimum": "10",
        "maximum": "20",
        "deadline_on": _day(5),
        "deadline_time": "20:00",
        "pickup_on": _day(8),
        "pickup_time": "10:00",
        "pickup_place": "Parking du marché",
        "quarter": "Paramé",
        "visibility": "public",
        **changes,
    }


async def _propose(client, **changes) -> int:
    created = await client.submit("/new/group-purchase", "/new/group-purchase", _form(**changes))
    assert created.status_code == 303, created.text[:3000]
    return int(created.headers["location"].split("?")[0].rsplit("/", 1)[1])


REFUSED = [
    pytest.param({"maximum": "5"}, "maximum", "Le maximum ne peut pas être inférieur", id="max"),
    pytest.param({"deadline_on": _day(-2)}, "deadline_on", "La date limite ne peut", id="past"),
    pytest.param({"minimum": "-3"}, "minimum", "supérieure à zéro", id="negative"),
    pytest.param({"unit": "piece", "minimum": "2,5"}, "minimum", "unités entières", id="whole"),
    pytest.param({"pickup_place": ""}, "pickup_place", "Indiquez où", id="no-place"),
]


@pytest.mark.parametrize(("changes", "field", "french"), REFUSED)
async def test_bad_proposals_are_refused_beside_their_field(inst, alice, changes, field, french):
    async with WebClient(inst.base_url, language="fr") as client:
        await client.log_in("alice")
        response = await client.submit(
            "/new/group-purchase", "/new/group-purchase", _form(**changes)
        )
    assert response.status_code == 422
    error = response.text.split(f'id="f-{field}-error"', 1)[1].split("</p>", 1)[0]
    assert french in error.replace("&#39;", "'").replace("&#x27;", "'"), error
    async with inst.db.read() as conn:
        assert (
            await purchase_store.due(conn, now=datetime.now(UTC) + timedelta(days=999), limit=5)
            == []
        )


async def test_neighbours_commit_change_and_withdraw_and_the_organiser_lists_them(
    inst, alice, alice_web
):
    post_id = await _propose(alice_web)
    await make_resident(inst, "bruno", display_name="Bruno")
    async with WebClient(inst.base_url, language="fr") as bruno:
        await bruno.log_in("bruno")
        page = (await bruno.get(f"/posts/{post_id}")).text
        assert "0 stère sur 10 stères" in page
        assert 'label for="quantity"' in page

        committed = await bruno.submit(
            f"/posts/{post_id}", f"/posts/{post_id}/commit", {"quantity": "2,5"}
        )
        assert committed.status_code == 303 and notice(committed) == "committed"
        page = (await bruno.get(f"/posts/{post_id}")).text
        assert "2,5 stères sur 10 stères" in page
        assert "Vous prenez 2,5 stères" in page

        too_much = await bruno.submit(
            f"/posts/{post_id}", f"/posts/{post_id}/commit", {"quantity": "21"}
        )
        assert too_much.status_code == 409
        assert "reste que 20" in too_much.text, too_much.text.split("<main", 1)[-1][:1500]

        await bruno.submit(f"/posts/{post_id}", f"/posts/{post_id}/commit", {"quantity": "12"})

    listing = await alice_web.get(f"/posts/{post_id}/takers")
    assert listing.status_code == 200
    assert "Bruno" in listing.text and "1020 €" in listing.text
    csv = await alice_web.get(f"/posts/{post_id}/takers.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].endswith(",12,stere,1020.00")

    decided = await alice_web.submit(
        f"/posts/{post_id}", f"/posts/{post_id}/purchase-decision", {"decision": "confirm"}
    )
    assert decided.status_code == 303
    async with inst.db.read() as conn:
        assert (await purchase_store.get(conn, post_id)).state == "confirmed"


async def test_only_the_organiser_sees_who_takes_what(inst, alice, alice_web):
    post_id = await _propose(alice_web)
    await make_resident(inst, "bruno")
    async with WebClient(inst.base_url) as bruno:
        await bruno.log_in("bruno")
        assert (await bruno.get(f"/posts/{post_id}/takers")).status_code == 403
        assert (await bruno.get(f"/posts/{post_id}/takers.csv")).status_code == 403
        withdrawn = await bruno.submit(f"/posts/{post_id}", f"/posts/{post_id}/withdraw", {})
        assert withdrawn.status_code == 409


async def test_a_purchase_shows_in_the_nearby_feed_and_on_the_landing_page(inst, alice, alice_web):
    await _propose(alice_web)
    async with WebClient(inst.base_url, language="fr") as visitor:
        feed = (await visitor.get("/feed?kind=group_purchase&quarter=Paramé")).text
        assert "Bois de chauffage" in feed
        assert '<option value="group_purchase" selected>Achats groupés</option>' in feed
        landing = (await visitor.get("/")).text
        assert "Acheter ensemble" in landing and "Bois de chauffage" in landing


async def test_the_atom_feed_carries_the_purchase_with_its_terms(inst, alice, alice_web):
    await _propose(alice_web)
    async with WebClient(inst.base_url) as visitor:
        feed = (await visitor.get("/feed.atom")).text
    assert "<title>Bois de chauffage</title>" in feed
    assert "Achat groupé : 85 € le stère" in feed
    assert "Parking du marché" in feed


async def test_the_calendar_lists_the_pickup_at_its_time(inst, alice, alice_web):
    post_id = await _propose(alice_web)
    async with WebClient(inst.base_url) as visitor:
        response = await visitor.get("/calendar.ics")
    calendar = icalendar.Calendar.from_ical(response.content)
    [pickup] = [c for c in calendar.walk("VEVENT") if str(c["UID"]).endswith(f"/{post_id}")]
    async with inst.db.read() as conn:
        purchase = await purchase_store.get(conn, post_id)
    assert pickup.decoded("DTSTART") == purchase.pickup_at
    assert str(pickup["SUMMARY"]) == "Bois de chauffage"
    assert "Parking du marché" in str(pickup["LOCATION"])


def _honey_elsewhere(author_uri: str, host: str) -> dict:
    """A group purchase as another fedlocal publishes it."""
    now = datetime.now(UTC)
    uri = f"http://{host}/objects/7"
    return {
        "id": uri,
        "type": "Note",
        "attributedTo": author_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": now.isoformat(),
        "name": "Miel de Pleurtuit",
        "content": "<p>Achat groupé : 9 € le pot.</p>",
        "purpose": "offer",
        "groupPurchase": True,
        "publishes": {
            "type": "Intent",
            "id": f"{uri}#primary",
            "resourceQuantity": {"hasUnit": "H87", "hasNumericalValue": "30"},
            "minimumQuantity": {"hasUnit": "H87", "hasNumericalValue": "10"},
        },
        "reciprocal": {"resourceQuantity": {"hasUnit": "EUR", "hasNumericalValue": "9.00"}},
        "maximumQuantity": {"hasUnit": "H87", "hasNumericalValue": "30"},
        "committedQuantity": {"hasUnit": "H87", "hasNumericalValue": "26"},
        "commitDeadline": (now + timedelta(days=3)).isoformat(),
        "pickupTime": (now + timedelta(days=5)).isoformat(),
        "pickupPlace": "Ferme de la Ville-Es-Nouaux",
        "purchaseStatus": "open",
    }


async def test_a_purchase_elsewhere_takes_a_commitment_that_waits_then_says_why_it_was_refused(
    inst, alice
):
    _, resident = alice
    # Given a copy of Maïwenn's honey purchase from another server (a closed loopback
    # port: what is sent to it fails, as the test needs no answer from it)
    host = "127.0.0.1:9"
    async with inst.db.write() as conn:
        maiwenn = await actor_store.upsert_remote_actor(
            conn,
            uri=f"http://{host}/users/maiwenn",
            type="Person",
            username="maiwenn",
            domain=host,
            display_name="Maïwenn",
            inbox_url=f"http://{host}/users/maiwenn/inbox",
        )
        kept = await inbound.keep_remote_post(
            conn, maiwenn, post_from_as(_honey_elsewhere(maiwenn.uri, host)), solicited=True
        )
    copy = kept.post
    assert copy is not None and copy.kind == "group_purchase"

    async with WebClient(inst.base_url, language="fr") as client:
        await client.log_in("alice")
        page = (await client.get(f"/posts/{copy.id}")).text
        assert "26 pièces sur 10 pièces" in page and "organisé sur 127.0.0.1:9" in page
        assert 'label for="quantity"' in page

        # When Alice commits 4 jars, her commitment waits for the organiser's server
        sent = await client.submit(
            f"/posts/{copy.id}", f"/posts/{copy.id}/commit", {"quantity": "4"}
        )
        assert sent.status_code == 303 and notice(sent) == "commitment-sent"
        page = (await client.get(f"/posts/{copy.id}")).text
        assert "Vous avez demandé 4 pièces : en attente du serveur" in page

        # And when that server refuses it, her page and her notifications say so
        async with inst.db.write() as conn:
            mine = await purchase_store.get_commitment(conn, copy.id, resident.id)
            assert await purchases.receive_commitment_answer(
                conn, maiwenn, mine.activity_uri, accepted=False, reason="only 0 remain"
            )
        page = (await client.get(f"/posts/{copy.id}")).text
        assert "Votre engagement de 4 pièces n’a pas été pris. Il n’en reste que 0." in page
        assert "Je participe" in page  # she may commit again
        told = (await client.get("/notifications")).text
        assert "n’a pas pu prendre votre engagement pour « Miel de Pleurtuit »" in told

    async with WebClient(inst.base_url, language="en") as client:
        await client.log_in("alice")
        page = (await client.get(f"/posts/{copy.id}")).text
        assert "Your commitment of 4 pieces was not taken. Only 0 remain." in page


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "<dd>3 € la pièce</dd>"), ("en", "<dd>3 € per piece</dd>")]
)
async def test_the_price_reads_with_the_units_article(inst, alice, alice_web, language, expected):
    # Given a purchase sold by the piece (feminine in French)
    post_id = await _propose(alice_web, unit="piece", unit_price="3", minimum="10", maximum="")
    # When a visitor reads it in French or in English
    async with WebClient(inst.base_url, language=language) as visitor:
        page = (await visitor.get(f"/posts/{post_id}")).text
    # Then the price is followed by the unit with its own article
    assert expected in page
