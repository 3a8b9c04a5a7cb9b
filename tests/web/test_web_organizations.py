"""Verified organisations on the web: their badge, the town hall's reserved category,
the admin's form, and pinned announcements on top of the landing page and the feed."""

from __future__ import annotations

from sqlalchemy import func, select

from fedlocal.services import organizations, pins, posts
from fedlocal.store.tables import objects

from .conftest import make_resident
from .web_client import WebClient, notice

TOWN_HALL_NEWS = {
    "intent": "help",
    "title": "Bénévoles pour la fête",
    "category": "town-hall",
    "address": "Intra-Muros",
    "visibility": "public",
}


async def _town_hall(inst):
    _account, actor = await make_resident(inst, "mairie", display_name="Mairie de Saint-Malo")
    return await organizations.set_organization(
        inst.services, "mairie", "town_hall", by_account_id=None
    )


async def _count_posts(inst) -> int:
    async with inst.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(objects))).scalar_one()


async def test_the_form_hides_the_town_hall_category_and_refuses_a_forged_one(
    inst, alice, alice_web
):
    form = await alice_web.get("/new/request")
    assert 'value="town-hall"' not in form.text
    assert 'value="objects"' in form.text
    before = await _count_posts(inst)

    forged = await alice_web.submit("/new/request", "/new/request", TOWN_HALL_NEWS)

    assert forged.status_code == 422
    assert "reserved for some verified organisations" in forged.text
    assert await _count_posts(inst) == before


async def test_the_town_hall_publishes_there_with_its_badge(inst):
    mairie = await _town_hall(inst)
    async with WebClient(inst.base_url, language="fr") as web:
        await web.log_in("mairie")
        assert 'value="town-hall"' in (await web.get("/new/request")).text

        created = await web.submit("/new/request", "/new/request", TOWN_HALL_NEWS)

        assert created.status_code == 303
        page = await web.get(created.headers["location"])
        assert "Infos de la mairie" in page.text
        assert "Organisation vérifiée :" in page.text
        assert "✓ </span>" in page.text and ">Mairie</span>" in page.text
        profile = await web.get(f"/@{mairie.username}")
        assert "Organisation vérifiée :" in profile.text


async def test_an_organisations_pin_tops_the_landing_page_and_the_feed(inst, alice, alice_web):
    mairie = await _town_hall(inst)
    announcement = await posts.publish_note(
        inst.services, mairie, "Fête du quartier samedi sur la place"
    )
    # A resident's own pin stays on her profile
    _account, alice_actor = alice
    own = await posts.publish_note(inst.services, alice_actor, "Mon potager")
    await pins.pin(inst.services, alice_actor, own.id)

    pinned = await alice_web.submit("/", f"/posts/{announcement.id}/pin", {})
    assert pinned.status_code in (403, 404)  # not hers to pin
    async with WebClient(inst.base_url) as town:
        await town.log_in("mairie")
        page = await town.get(f"/posts/{announcement.id}")
        assert "Pin to my profile" in page.text
        done = await town.submit(f"/posts/{announcement.id}", f"/posts/{announcement.id}/pin", {})
        assert done.status_code == 303 and notice(done) == "pinned"
        assert "Unpin" in (await town.get(f"/posts/{announcement.id}")).text

    # Her own pin shows on her profile, under "Pinned"
    profile = (await alice_web.get("/@alice")).text
    assert 'id="section-pinned"' in profile and "Mon potager" in profile

    for path in ("/", "/feed"):
        html = (await alice_web.get(path)).text
        assert "Pinned by Mairie de Saint-Malo" in html, path
        top = html.index("Pinned by Mairie de Saint-Malo")
        assert html.index('id="section-pinned"') < top
        assert "Mon potager" not in html[: top + 2000]


async def test_an_admin_marks_a_resident_as_a_producer(inst, alice):
    await make_resident(inst, "gerante", admin=True)
    async with WebClient(inst.base_url) as admin:
        await admin.log_in("gerante")
        account, _actor = alice
        action = f"/admin/accounts/{account.id}/organization"
        saved = await admin.submit("/admin", action, {"organization_type": "producer"})
        assert saved.status_code == 303 and notice(saved) == "organization-set"
        assert "Producer" in (await admin.get("/admin")).text
        refused = await admin.submit("/admin", action, {"organization_type": "bank"})
        assert refused.status_code == 422
