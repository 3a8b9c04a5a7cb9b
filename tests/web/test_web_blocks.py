"""Blocking and muting from the web app: the profile's buttons ask first and say what
will happen, their undo, the page listing blocks, mutes and hidden servers, and what the
blocked person sees (no posts, no message form, a plain refusal)."""

from __future__ import annotations

import re

from fedlocal.services import listings
from fedlocal.services.listings import ListingInput

from .conftest import make_resident
from .web_client import WebClient, notice


async def test_blocking_from_a_profile_asks_first_and_can_be_undone(inst, alice, alice_web):
    _account, bob = await make_resident(inst, "bob", display_name="Bob Durand")

    # Given bob's profile, with its Block and Mute buttons
    profile = (await alice_web.get("/@bob")).text
    assert 'action="/block"' in profile and 'action="/mute"' in profile

    # When alice presses Block: a page says what blocking does, and nothing is done yet
    asked = await alice_web.submit(
        "/@bob",
        "/block",
        {"account": str(bob.id), "name": "Bob Durand", "next": "/@bob"},
        confirmed=False,
    )
    assert asked.status_code == 200
    assert "Block Bob Durand?" in asked.text and "Yes, block" in asked.text
    assert 'action="/unblock"' not in (await alice_web.get("/@bob")).text

    # When she confirms, bob is blocked: the profile offers Unblock, the list has him
    done = await alice_web.submit(
        "/@bob", "/block", {"account": str(bob.id), "name": "Bob Durand", "next": "/@bob"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/@bob"
    assert notice(done) == "blocked"
    assert 'action="/unblock"' in (await alice_web.get("/@bob")).text
    listed = (await alice_web.get("/blocks")).text
    assert "Unblock Bob Durand" in listed

    # When she unblocks him (no question: nothing is lost), the list is empty again
    undone = await alice_web.submit("/blocks", "/unblock", {"account": str(bob.id)})
    assert notice(undone) == "unblocked"
    assert "Unblock Bob Durand" not in (await alice_web.get("/blocks")).text


async def test_the_blocked_person_sees_no_posts_and_cannot_write(inst, alice, alice_web):
    _account, bob = await make_resident(inst, "bob", display_name="Bob")
    await listings.publish_listing(
        inst.services, alice[1], ListingInput(kind="offer", intent="give", title="Chaise bleue")
    )
    await alice_web.submit("/@bob", "/block", {"account": str(bob.id), "name": "Bob"})

    async with WebClient(inst.base_url) as bob_web:
        await bob_web.log_in("bob")
        profile = (await bob_web.get("/@alice")).text
        assert "This person has blocked you." in profile
        assert "Chaise bleue" not in profile
        assert 'action="/follow"' not in profile and "/messages/new" not in profile
        assert "Chaise bleue" not in (await bob_web.get("/feed")).text
        refused = await bob_web.submit(
            "/@alice", "/messages/new", {"to": str(alice[1].id), "message": "Bonjour"}
        )
        assert refused.status_code == 403
        assert "This account has blocked you." in refused.text


async def test_muting_is_listed_and_undone(inst, alice, alice_web):
    _account, bob = await make_resident(inst, "bob", display_name="Bob")
    asked = await alice_web.submit(
        "/@bob", "/mute", {"account": str(bob.id), "name": "Bob"}, confirmed=False
    )
    assert "Mute Bob?" in asked.text and "They are not told" in asked.text
    done = await alice_web.submit("/@bob", "/mute", {"account": str(bob.id), "name": "Bob"})
    assert notice(done) == "muted"
    assert "Stop muting Bob" in (await alice_web.get("/blocks")).text
    assert 'action="/unmute"' in (await alice_web.get("/@bob")).text
    await alice_web.submit("/blocks", "/unmute", {"account": str(bob.id)})
    assert "Stop muting Bob" not in (await alice_web.get("/blocks")).text


async def test_blocking_an_address_and_hiding_a_server(inst, alice, alice_web):
    await make_resident(inst, "bob", display_name="Bob")

    # An address of ours, typed as on Mastodon
    done = await alice_web.submit("/blocks", "/blocks/address", {"handle": "@bob"})
    assert notice(done) == "blocked"
    assert "Unblock Bob" in (await alice_web.get("/blocks")).text

    # A server, confirmed, then shown again
    asked = await alice_web.submit(
        "/blocks", "/blocks/domains", {"domain": "spam.example"}, confirmed=False
    )
    assert "Hide everything from spam.example?" in asked.text
    hidden = await alice_web.submit("/blocks", "/blocks/domains", {"domain": "spam.example"})
    assert notice(hidden) == "server-hidden"
    assert "Show spam.example again" in (await alice_web.get("/blocks")).text
    await alice_web.submit("/blocks", "/blocks/domains/remove", {"domain": "spam.example"})
    assert "Show spam.example again" not in (await alice_web.get("/blocks")).text


async def test_bad_input_is_refused_in_plain_words(inst, alice, alice_web):
    me = await alice_web.submit("/blocks", "/block", {"account": str(alice[1].id), "name": "x"})
    assert me.status_code == 422 and "You cannot block yourself." in me.text
    unknown = await alice_web.submit("/blocks", "/block", {"account": "999999", "name": "x"})
    assert unknown.status_code == 404
    empty = await alice_web.submit("/blocks", "/blocks/address", {"handle": ""})
    assert empty.status_code == 422 and "Type an address like" in empty.text
    bad = await alice_web.submit("/blocks", "/blocks/domains", {"domain": "pas un domaine"})
    assert bad.status_code == 422 and "is not a domain" in bad.text
    own = await alice_web.submit("/blocks", "/blocks/domains", {"domain": inst.config.domain})
    assert own.status_code == 422 and "You cannot block your own server." in own.text
    listed = (await alice_web.get("/blocks")).text
    assert not re.search(r"Unblock |Stop muting |Show \S+ again", listed)


async def test_the_page_speaks_french(inst, alice):
    async with WebClient(inst.base_url, language="fr") as web:
        await web.log_in("alice")
        page = (await web.get("/blocks")).text
        assert "Bloqués et masqués" in page and "Masquer ce serveur" in page
        bad = await web.submit("/blocks", "/blocks/domains", {"domain": "pas un domaine"})
        assert "n’est pas un nom de serveur" in bad.text


async def test_a_conversation_offers_to_block_its_other_person(inst, alice, alice_web):
    _account, bob = await make_resident(inst, "bob", display_name="Bob")
    async with WebClient(inst.base_url) as bob_web:
        await bob_web.log_in("bob")
        sent = await bob_web.submit(
            "/@alice", "/messages/new", {"to": str(alice[1].id), "message": "Réponds !"}
        )
        thread = sent.headers["location"].split("#")[0]

    page = (await alice_web.get(thread)).text
    assert "Unwanted messages?" in page and "Block Bob" in page
    done = await alice_web.submit(
        thread, "/block", {"account": str(bob.id), "name": "Bob", "next": "/messages"}
    )
    assert done.headers["location"] == "/messages" and notice(done) == "blocked"
    async with WebClient(inst.base_url) as bob_web:
        await bob_web.log_in("bob")
        again = await bob_web.submit(thread, thread, {"message": "Encore"})
        assert again.status_code == 403 and "This account has blocked you." in again.text
