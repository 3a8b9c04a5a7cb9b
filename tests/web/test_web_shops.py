"""Shops and producers: a producer gives its opening hours, address and wares on its
settings page (refused plainly when malformed, and only for shops and producers); the
"Commerces et producteurs" page lists it with an "open now" mark, its current offers
and a follow button that says when the resident follows it already (here or elsewhere);
its actor document carries the hours for neighbours and people."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from fedlocal.federation.from_as.shops import shop_from_as
from fedlocal.models import ShopProfile
from fedlocal.services import listings, organizations, shops
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store

from .conftest import make_resident
from .seed import following, remote_actor
from .web_client import WebClient, notice

EVERY_DAY = {f"day{day}": "00:00-23:59" for day in range(7)}


async def _producer(inst):
    await make_resident(inst, "ferme", display_name="La Ferme de Rothéneuf")
    return await organizations.set_organization(
        inst.services, "ferme", "producer", by_account_id=None
    )


async def test_a_producer_gives_its_hours_and_shows_on_the_shops_page(inst, alice):
    producer = await _producer(inst)
    await listings.publish_listing(
        inst.services,
        producer,
        ListingInput(kind="offer", intent="sell", title="Paniers de légumes", price="12 €"),
    )
    async with WebClient(inst.base_url) as farm:
        await farm.log_in("ferme")
        assert "/settings/shop" in (await farm.get("/settings")).text

        # A malformed day is refused beside its field, nothing saved
        refused = await farm.submit("/settings/shop", "/settings/shop", {"day0": "tôt"})
        assert refused.status_code == 422
        assert "9:00-12:30" in refused.text.split('id="f-day0-error"', 1)[1][:300]

        saved = await farm.submit(
            "/settings/shop",
            "/settings/shop",
            {**EVERY_DAY, "address": "Chemin des Vergers", "sells": "Légumes, œufs"},
        )
        assert saved.status_code == 303 and notice(saved) == "profile-saved"

    async with WebClient(inst.base_url, language="fr") as visitor:
        await visitor.log_in("alice")
        page = await visitor.get("/shops")
    assert page.status_code == 200
    assert "La Ferme de Rothéneuf" in page.text and "Ouvert en ce moment" in page.text
    assert "Légumes, œufs" in page.text and "Chemin des Vergers" in page.text
    assert "Paniers de légumes" in page.text
    assert 'action="/follow"' in page.text

    # Its actor document says the hours, for Mastodon (fields) and for neighbours
    async with httpx.AsyncClient(headers={"Accept": "application/activity+json"}) as client:
        document = (await client.get(f"{inst.base_url}/users/ferme")).json()
    names = [field["name"] for field in document["attachment"]]
    assert names == ["Organisation", "Horaires", "Adresse", "Vend"]
    assert document["openingHours"][0] == {
        "dayOfWeek": "Monday",
        "opens": "00:00",
        "closes": "23:59",
    }
    read_back = shop_from_as(document)
    assert read_back.address == "Chemin des Vergers" and len(read_back.hours) == 7


async def test_only_shops_and_producers_have_hours(inst, alice):
    async with WebClient(inst.base_url) as person:
        await person.log_in("alice")
        refused = await person.submit("/settings", "/settings/shop", EVERY_DAY)
    assert refused.status_code == 403
    async with inst.db.read() as conn:
        assert (await actor_store.get_local_actor(conn, "alice")).shop is None


def test_open_now_is_computed_in_the_instances_time_zone():
    # Wednesday 2 December 2026, 08:30 in Paris (07:30 UTC)
    profile = ShopProfile(hours=((2, "08:00", "12:00"),))
    assert shops.is_open(profile, datetime(2026, 12, 2, 7, 30, tzinfo=UTC), "Europe/Paris")
    assert not shops.is_open(profile, datetime(2026, 12, 2, 6, 30, tzinfo=UTC), "Europe/Paris")
    assert shops.is_open(ShopProfile(), datetime(2026, 12, 2, tzinfo=UTC), "Europe/Paris") is None
    # Open until midnight ("18:00-24:00", kept as 23:59): open through the last minute
    # (23:59:30 in Paris, 22:59:30 UTC), closed once the day has turned
    late = ShopProfile(hours=tuple(shops.parse_day("18:00-24:00", 2)))
    assert shops.is_open(late, datetime(2026, 12, 2, 22, 59, 30, tzinfo=UTC), "Europe/Paris")
    assert not shops.is_open(late, datetime(2026, 12, 2, 23, 0, 30, tzinfo=UTC), "Europe/Paris")
    assert shops.parse_day("9h-12h30, 14:00-19:00", 1) == [
        (1, "09:00", "12:30"),
        (1, "14:00", "19:00"),
    ]


def _card_of(page_text: str, name: str) -> str:
    """The shops page's card of `name` (up to the next card)."""
    return page_text.split(name, 1)[1].split('<li class="card">', 1)[0]


async def test_the_follow_buttons_say_whom_a_resident_follows_already(inst, alice):
    # Given our producer, and a producer of a neighbouring quarter Alice follows already
    _, me = alice
    await _producer(inst)
    cider = await remote_actor(
        inst,
        "cidrerie",
        "saint-malo.example",
        display_name="Cidrerie du Sillon",
        organization_type="producer",
    )
    await following(inst, me, cider)

    async with WebClient(inst.base_url, language="fr") as visitor:
        await visitor.log_in("alice")
        page = (await visitor.get("/shops")).text

        # Then the neighbour's card says "Suivi", with a button to stop
        card = _card_of(page, "Cidrerie du Sillon")
        assert "✓ Suivi" in card and 'action="/unfollow"' in card
        assert f'name="target" value="{cider.uri}"' in card
        assert "Ne plus suivre" in card and 'action="/follow"' not in card
        # And ours offers to follow
        farm = _card_of(page, "La Ferme de Rothéneuf")
        assert 'action="/follow"' in farm and "Suivi" not in farm

        # When she follows our producer from the page
        farm_uri = farm.split('name="handle" value="', 1)[1].split('"', 1)[0]
        followed = await visitor.submit("/shops", "/follow", {"handle": farm_uri, "next": "/shops"})
        assert followed.status_code == 303 and followed.headers["location"].startswith("/shops")

        # Then its card and its profile say she follows it, in French and in English
        farm = _card_of((await visitor.get("/shops")).text, "La Ferme de Rothéneuf")
        assert "✓ Suivi" in farm and 'action="/unfollow"' in farm
        profile = (await visitor.get("/@ferme")).text
        assert "✓ Suivi" in profile and "Ne plus suivre" in profile

        # And once she stops, the page offers to follow again
        await visitor.submit("/shops", "/unfollow", {"target": farm_uri, "next": "/shops"})
        farm = _card_of((await visitor.get("/shops")).text, "La Ferme de Rothéneuf")
        assert 'action="/follow"' in farm and "Suivi" not in farm

    async with WebClient(inst.base_url) as visitor:
        await visitor.log_in("alice")
        card = _card_of((await visitor.get("/shops")).text, "Cidrerie du Sillon")
        assert "✓ Following" in card and "Unfollow" in card
