"""A notice ("Published.", "You no longer take part.") shows once, on the page after the
form: not in the URL, so neither a reload nor the language switch shows it again."""

from __future__ import annotations

from .web_client import WebClient

OFFER = {
    "intent": "give",
    "title": "Poussette",
    "category": "objects",
    "address": "Paramé",
    "quantity": "1",
    "visibility": "public",
}


async def test_a_notice_shows_once_and_stays_out_of_the_url(inst, alice, alice_web):
    # Given a published offer
    created = await alice_web.submit("/new/offer", "/new/offer", OFFER)
    location = created.headers["location"]
    assert "notice" not in location

    # When the resident lands on it, then reloads
    landed = await alice_web.get(location)
    reloaded = await alice_web.get(location)

    # Then the notice showed the first time only
    assert 'class="notice" role="status">Published.' in landed.text
    assert "Published." not in reloaded.text


async def test_switching_language_does_not_show_the_notice_again(inst, alice):
    async with WebClient(inst.base_url, language="fr") as browser:
        await browser.log_in("alice")
        created = await browser.submit("/new/offer", "/new/offer", OFFER)
        landed = await browser.get(created.headers["location"])
        assert "Publié." in landed.text

        switched = await browser.submit(
            created.headers["location"],
            "/language",
            {"language": "en", "next": created.headers["location"]},
        )
        after = await browser.get(switched.headers["location"])

    assert after.status_code == 200 and '<html lang="en">' in after.text
    assert "Published." not in after.text and "Publié." not in after.text


async def test_a_notice_cookie_is_named_for_its_instance_and_short_lived(inst, alice_web):
    created = await alice_web.submit("/new/offer", "/new/offer", OFFER)

    cookie = created.headers["set-cookie"]
    assert cookie.startswith(inst.config.cookie_name("fedlocal_notice") + "=published")
    assert "Max-Age=60" in cookie and "HttpOnly" in cookie
