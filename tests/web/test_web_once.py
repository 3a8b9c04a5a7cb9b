"""A create form sent again with the same one-use key (what Back then "Publish" sends:
the browser restores the key) creates nothing more."""

from __future__ import annotations

import re

import pytest

from web.routes import CREATE_PATHS, web_routes

from .web_client import notice

OFFER = {
    "intent": "give",
    "title": "Poussette",
    "category": "objects",
    "address": "Paramé",
    "quantity": "1",
    "visibility": "public",
}


def _key(html: str) -> str:
    found = re.search(r'name="once" value="" data-key="([^"]+)"', html)
    assert found, "no one-use key in the form"
    return found.group(1)


async def test_the_same_offer_form_sent_twice_publishes_once(inst, alice, alice_web):
    form = await alice_web.get("/new/offer")
    key = _key(form.text)

    first = await alice_web.submit("/new/offer", "/new/offer", {**OFFER, "once": key})
    # The form shown again by Back has a new CSRF token but the restored key
    again = await alice_web.submit("/new/offer", "/new/offer", {**OFFER, "once": key})

    assert first.status_code == 303 and "/posts/" in first.headers["location"]
    assert again.status_code == 303 and again.headers["location"] == "/@alice"
    assert notice(again) == "already-sent"
    mine = await alice_web.get("/@alice")
    assert mine.text.count(">Poussette<") == 1


@pytest.mark.parametrize(
    ("page", "action"),
    [
        ("/new/offer", "/new/offer"),
        ("/new/request", "/new/request"),
        ("/new/event", "/new/event"),
        ("/groups", "/groups"),
    ],
)
async def test_every_create_form_carries_its_key(inst, alice, alice_web, page, action):
    web_routes()
    assert action in CREATE_PATHS
    _key((await alice_web.get(page)).text)


def test_create_routes_are_guarded():
    web_routes()
    assert {
        "/new/offer",
        "/new/request",
        "/new/event",
        "/groups",
        "/groups/{username}/post",
        "/admin/invites",
    } <= CREATE_PATHS
