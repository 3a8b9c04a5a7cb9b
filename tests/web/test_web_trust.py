"""Trust between residents in the web app: signing up in the `vouch` mode, a resident
vouching from "Neighbours waiting" and from a profile, the consent to show who vouched,
and new accounts' daily limits as form messages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from fedlocal.store import accounts as account_store
from fedlocal.store.tables import objects, vouches
from tests.support.instance import running_instance

from .conftest import QUARTERS, make_resident
from .web_client import PASSWORD, WebClient, notice

PRESENTATION = "Nina, la fille de Monique du 3 rue de Dinan"


async def _account(inst, username: str):
    async with inst.db.read() as conn:
        return await account_store.get_account_by_username(conn, username)


async def _count(inst, table, *where) -> int:
    async with inst.db.read() as conn:
        query = select(func.count()).select_from(table).where(*where)
        return (await conn.execute(query)).scalar()


@pytest.fixture
async def vouch_inst(tmp_path):
    async with running_instance(tmp_path, area=QUARTERS, signup_mode="vouch") as instance:
        yield instance


async def test_sign_up_to_be_vouched_then_a_neighbour_vouches_and_the_newcomer_is_in(vouch_inst):
    inst = vouch_inst
    await make_resident(inst, "alice", display_name="Alice Martin")
    async with WebClient(inst.base_url) as nina, WebClient(inst.base_url) as alice:
        # Given the sign-up form, which says the presentation is shown to residents
        form = await nina.get("/signup")
        assert "Shown to the residents of" in form.text
        assert 'name="presentation"' in form.text and 'name="quarter"' in form.text

        # When Nina signs up: her account waits, and the page says how to ask a neighbour
        signed = await nina.sign_up("nina", presentation=PRESENTATION, quarter="Paramé")
        assert signed.status_code == 200
        assert "Your account is waiting" in signed.text
        assert "0 neighbours have vouched for you" in signed.text
        assert "/@nina" in signed.text
        waiting = await nina.submit("/login", "/login", {"login": "nina", "password": PASSWORD})
        assert waiting.status_code == 200 and "Your account is waiting" in waiting.text
        assert "Log out" not in waiting.text  # no session

        # Then Alice finds her among the neighbours waiting
        await alice.log_in("alice")
        assert 'href="/waiting"' in (await alice.get("/")).text
        page = await alice.get("/waiting")
        assert PRESENTATION in page.text and "Paramé" in page.text and "0 vouches" in page.text

        # When Alice vouches
        vouched = await alice.submit("/waiting", "/@nina/vouch", {"next": "/waiting"})
        assert vouched.status_code == 303 and notice(vouched) == "vouch-opened"
        assert vouched.headers["location"] == "/waiting"

        # Then Nina is in, and welcomed
        await nina.log_in("nina")
        told = await nina.get("/notifications")
        assert "Alice Martin opened your account: welcome!" in told.text
        assert "Alice Martin says they know you" in told.text
        assert "Nobody is waiting" in (await alice.get("/waiting")).text


async def test_a_sign_up_without_a_presentation_is_refused_beside_the_field(vouch_inst):
    async with WebClient(vouch_inst.base_url) as nina:
        refused = await nina.sign_up("nina", presentation="   ")

        assert refused.status_code == 422
        assert 'id="f-presentation-error"' in refused.text
        assert await _account(vouch_inst, "nina") is None


async def test_the_admin_sees_the_presentation_and_still_approves(vouch_inst):
    inst = vouch_inst
    await make_resident(inst, "boss", admin=True)
    async with WebClient(inst.base_url) as nina, WebClient(inst.base_url) as boss:
        await nina.sign_up("nina", presentation=PRESENTATION)
        await boss.log_in("boss")
        admin = await boss.get("/admin")
        assert PRESENTATION in admin.text and "0 vouches" in admin.text

        newcomer = await _account(inst, "nina")
        await boss.submit("/admin", f"/admin/signups/{newcomer.id}", {"decision": "approve"})

        await nina.log_in("nina")
        assert "opened your account: welcome!" in (await nina.get("/notifications")).text


async def test_vouching_from_a_profile_and_showing_who_knows_whom(inst, alice, alice_web):
    await make_resident(inst, "bob", display_name="Bob Le Goff")
    # Given Alice vouches for Bob from his profile
    profile = await alice_web.get("/@bob")
    assert "I know this person" in profile.text
    vouched = await alice_web.submit("/@bob", "/@bob/vouch", {"next": "/@bob"})
    assert vouched.status_code == 303 and notice(vouched) == "vouched"
    assert "I no longer vouch for this person" in (await alice_web.get("/@bob")).text

    # Nobody is named until both agree
    assert "Known to:" not in (await alice_web.get("/@bob")).text
    await alice_web.submit("/settings", "/settings/trust", {"shows_vouches": "yes"})
    assert "Known to:" not in (await alice_web.get("/@bob")).text
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        settings = await bob.get("/settings")
        assert 'name="shows_vouches"' in settings.text and "checked" not in re.search(
            r'<input[^>]*name="shows_vouches"[^>]*>', settings.text
        ).group(0)
        saved = await bob.submit("/settings", "/settings/trust", {"shows_vouches": "yes"})
        assert notice(saved) == "trust-saved"
        # A visitor sees who knows Bob, and no button on his own profile for Bob
        own = await bob.get("/@bob")
        assert "Known to:" in own.text and "Alice Martin" in own.text
        assert "I know this person" not in own.text
    async with WebClient(inst.base_url) as visitor:
        assert "Alice Martin" in (await visitor.get("/@bob")).text

    # When Alice withdraws
    withdrawn = await alice_web.submit("/@bob", "/@bob/vouch/withdraw", {"next": "/@bob"})
    assert notice(withdrawn) == "vouch-withdrawn"
    assert "Known to:" not in (await alice_web.get("/@bob")).text


async def test_bad_vouches_are_refused_plainly_and_nothing_is_stored(inst, alice, alice_web):
    await make_resident(inst, "bob")
    await alice_web.submit("/@bob", "/@bob/vouch", {})

    for action, status, words in (
        ("/@alice/vouch", 422, "You cannot vouch for yourself."),
        ("/@bob/vouch", 409, "You already vouch for this person."),
        ("/@nobody/vouch", 404, "No such account."),
        (f"/@{inst.config.community_username}/vouch", 422, "residents of this instance"),
    ):
        refused = await alice_web.submit("/@bob", action, {})
        assert refused.status_code == status, (action, refused.status_code)
        assert words in refused.text, action
    assert (await alice_web.get("/waiting")).status_code == 404  # not the vouch mode
    assert await _count(inst, vouches) == 1


async def test_a_new_account_past_its_daily_posts_gets_a_form_message(tmp_path):
    async with running_instance(
        tmp_path,
        area=QUARTERS,
        signup_mode="open",
        new_account_days=7,
        new_account_posts_per_day=1,
        new_account_messages_per_day=1,
    ) as inst:
        _, alice = await make_resident(inst, "alice")
        _, bob = await make_resident(inst, "bob")
        offer = {
            "intent": "give",
            "title": "Poussette",
            "category": "objects",
            "address": "3 rue Jeanne Jugan, Paramé",
            "quantity": "1",
            "visibility": "public",
        }
        async with WebClient(inst.base_url, language="fr") as web:
            await web.log_in("alice")
            first = await web.submit("/new/offer", "/new/offer", offer)
            assert first.status_code == 303

            refused = await web.submit("/new/offer", "/new/offer", {**offer, "title": "Vélo"})

            assert refused.status_code == 429
            assert "un nouveau compte publie au plus 1 annonce en 24 heures" in refused.text
            assert "Vous pourrez publier à nouveau à partir du" in refused.text
            assert 'value="Vélo"' in refused.text  # the form comes back filled in

            # Messages have their own limit, also shown in the form
            sent = await web.submit(
                "/@bob", "/messages/new", {"to": str(bob.id), "message": "Bonjour"}
            )
            assert sent.status_code == 303
            second = await web.submit(
                "/@bob", "/messages/new", {"to": str(bob.id), "message": "Encore"}
            )
            assert second.status_code == 429
            assert "au plus 1 message privé en 24 heures" in second.text
        assert await _count(inst, objects, objects.c.actor_id == alice.id) == 2


async def test_the_newcomer_sees_how_many_vouched_and_a_profile_vouch_counts(tmp_path):
    async with running_instance(
        tmp_path, area=QUARTERS, signup_mode="vouch", vouches_needed=2
    ) as inst:
        await make_resident(inst, "alice")
        async with WebClient(inst.base_url) as nina, WebClient(inst.base_url) as alice:
            await nina.sign_up("nina", presentation=PRESENTATION)
            await alice.log_in("alice")
            # The waiting newcomer's page offers the vouch too
            profile = await alice.get("/@nina")
            assert "I know this person" in profile.text
            vouched = await alice.submit("/@nina", "/@nina/vouch", {"next": "/@nina"})
            assert notice(vouched) == "vouched"

            waiting = await nina.submit("/login", "/login", {"login": "nina", "password": PASSWORD})

            assert "1 neighbour has vouched for you" in waiting.text
            assert "2 are needed." in waiting.text
            assert not (await _account(inst, "nina")).is_approved
