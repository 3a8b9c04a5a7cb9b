"""Messages in the web app: the interest note reaches the author's messages (linked from
the notification and the offer page), the author answers from the thread page, a first
message from a profile, the unread badge, and nobody else reads a thread."""

from __future__ import annotations

import re

from fedlocal.boundary.paging import PageQuery
from fedlocal.services import messages

from .conftest import make_resident
from .web_client import WebClient, notice

_THREAD = re.compile(r'href="(/messages/\d+)"')


def _location(response) -> str:
    assert response.status_code == 303, response.text[:2000]
    return response.headers["location"]


def _badge(html: str) -> str | None:
    """The unread count beside the "Messages" link of the menu."""
    found = re.search(
        r'href="/messages"[^>]*>Messages(?:<span class="badge">.*?(\d+)</span>)?', html
    )
    assert found is not None, "no Messages link in the menu"
    return found.group(1)


async def test_an_interest_note_becomes_a_thread_the_author_answers(inst, alice, alice_web):
    await make_resident(inst, "bob", display_name="Bob")
    offer = _location(
        await alice_web.submit(
            "/new/offer",
            "/new/offer",
            {
                "intent": "lend",
                "title": "Perceuse",
                "category": "objects",
                "address": "Paramé",
                "quantity": "1",
                "visibility": "public",
            },
        )
    ).split("#")[0]
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        assert _badge((await bob.get("/messages")).text) is None

        # When bob is interested, with a note
        await bob.submit(offer, f"{offer}/interest", {"message": "Samedi matin ?"})

        # Then alice's menu counts one unread thread; the notification names the offer and
        # links to the thread; the offer page links bob to it
        home = await alice_web.get("/feed")
        assert _badge(home.text) == "1"
        notifications = (await alice_web.get("/notifications")).text
        assert "Perceuse" in notifications
        [thread] = set(_THREAD.findall(notifications))
        assert thread in (await alice_web.get(offer)).text

        # And the list shows bob, the offer and the note, marked new
        listed = (await alice_web.get("/messages")).text
        assert "Bob" in listed and "Perceuse" in listed and "Samedi matin ?" in listed
        assert "badge-new" in listed

        # When alice opens the thread, it is read; she answers
        page = await alice_web.get(thread)
        assert page.status_code == 200
        assert "Samedi matin ?" in page.text and "Perceuse" in page.text
        # (the mention a direct message opens with is not repeated in its thread)
        assert "u-url mention" not in page.text
        assert _badge(page.text) is None
        sent = await alice_web.submit(thread, thread, {"message": "Oui, à 10 h."})
        assert _location(sent).startswith(thread) and notice(sent) == "message-sent"

        # Then bob sees the answer in the same thread, with his own note
        assert _badge((await bob.get("/feed")).text) == "1"
        assert thread in (await bob.get(offer)).text
        seen = (await bob.get(thread)).text
        assert seen.index("Samedi matin ?") < seen.index("Oui, à 10 h.")

        # And a message's own page leads to its thread
        [summary] = await messages.threads(inst.services, alice[1], PageQuery(limit=5))
        assert thread in (await bob.get(f"/posts/{summary.last.id}")).text

        # And an empty answer is refused beside the field, nothing sent
        empty = await bob.submit(thread, thread, {"message": "  "})
        assert empty.status_code == 422 and "Write a message first." in empty.text
        assert (await bob.get(thread)).text.count('<li class="message') == 2


async def test_a_first_message_from_a_profile_and_nobody_else_reads_it(inst, alice, alice_web):
    _account, bob = await make_resident(inst, "bob", display_name="Bob")
    await make_resident(inst, "carol", display_name="Carol")

    # Given bob's profile, with its "Write a message" link
    profile = (await alice_web.get("/@bob")).text
    assert f"/messages/new?to={bob.id}" in profile
    compose = await alice_web.get(f"/messages/new?to={bob.id}")
    assert compose.status_code == 200 and "Messages with Bob" in compose.text

    # When alice writes
    thread = _location(
        await alice_web.submit(
            "/@bob", "/messages/new", {"to": str(bob.id), "message": "Bonjour Bob !"}
        )
    ).split("#")[0]

    # Then the compose link leads to the thread from now on
    again = await alice_web.get(f"/messages/new?to={bob.id}")
    assert _location(again).startswith(thread)

    # And carol, or a visitor, cannot read it
    async with WebClient(inst.base_url) as carol:
        await carol.log_in("carol")
        assert (await carol.get(thread)).status_code == 404
        answer = await carol.submit("/messages", thread, {"message": "Coucou"})
        assert answer.status_code == 404
        assert "Bonjour Bob" not in (await carol.get("/messages")).text
    async with WebClient(inst.base_url) as visitor:
        assert (await visitor.get(thread)).headers["location"].startswith("/login")

    # And writing to oneself, or to nobody, is refused
    self_message = await alice_web.submit(
        "/messages", "/messages/new", {"to": str(alice[1].id), "message": "Moi"}
    )
    assert self_message.status_code == 422 and "You cannot write to yourself." in self_message.text
    assert (await alice_web.get("/messages/new?to=999999")).status_code == 404
