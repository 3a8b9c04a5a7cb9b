"""What a resident does in a phone or desktop browser, end to end: signing up, publishing
an offer (after a mistake shown beside its field), a neighbour on another instance finding
it in their nearby feed and saying "I'm interested", RSVPs, switching language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

try:
    from playwright.async_api import expect
except ImportError:  # the fixtures skip (or fail under CI), saying what is missing
    expect = None

from fedlocal.store import accounts as account_store
from tests.support.waiting import wait_for

from .conftest import PASSWORD, browser_page, log_in, resident, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


def _soon(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


async def test_sign_up_publish_an_offer_and_a_neighbour_is_interested(browser, quarters):
    a, b = quarters.a, quarters.b
    await resident(b, "bob", display_name="Bob de Paramé")

    async with browser_page(browser, locale="en-GB") as anne:
        # Given anne signs up on A through the form
        await anne.goto(f"{a.base_url}/signup")
        await anne.fill("#f-username", "anne")
        await anne.fill("#f-password", PASSWORD)
        await anne.check("#f-agreement")
        await anne.click("form[action='/signup'] button[type=submit]")
        await expect(anne.locator(".notice[role=status]")).to_contain_text("Welcome")

        # When she publishes an offer at an address outside the instance's quarters
        await anne.goto(f"{a.base_url}/new/offer")
        await anne.check("#f-intent-lend")
        await anne.fill("#f-title", "Perceuse à prêter")
        await anne.select_option("#f-category", "diy-gardening")
        await anne.fill("#f-description", "Avec ses mèches, pour le week-end.")
        await anne.fill("#f-address", "12 rue de Nulle-Part, Rennes")
        await anne.click("form[action='/new/offer'] button[type=submit]")

        # Then the error is shown beside the address field, and what she typed is kept
        address_field = anne.locator(".field", has=anne.locator("#f-address"))
        await expect(address_field.locator(".error")).to_contain_text("not in one of our quarters")
        await expect(anne.locator("#f-address")).to_have_attribute("aria-invalid", "true")
        await expect(anne.locator("#f-title")).to_have_value("Perceuse à prêter")
        await expect(anne.locator("#f-description")).to_have_value(
            "Avec ses mèches, pour le week-end."
        )
        await expect(anne.locator("#f-intent-lend")).to_be_checked()
        await expect(anne.locator(".problem a[href='#f-address']")).to_be_visible()
        await screenshot(anne, "offer-form-error-1280")

        # When she picks her quarter instead
        await anne.fill("#f-address", "")
        await anne.select_option("#f-quarter", "Intra-Muros")
        await anne.click("form[action='/new/offer'] button[type=submit]")
        await anne.wait_for_url(re.compile(r".*/posts/\d+$"))
        await expect(anne.locator(".notice[role=status]")).to_have_text("Published.")
        offer_url = anne.url.split("?")[0]
        await expect(anne.locator("h1")).to_have_text("Perceuse à prêter")

    # Then bob, a resident of the neighbouring instance B, finds it in his nearby feed,
    # with the quarter it comes from
    async with browser_page(browser, locale="en-GB") as bob:
        await log_in(bob, b.base_url, "bob")

        async def offer_in_feed() -> bool:
            await bob.goto(f"{b.base_url}/feed?kind=offer")
            return await bob.get_by_role("link", name="Perceuse à prêter").count() > 0

        await wait_for(offer_in_feed, message="A's offer in B's nearby feed")
        card = bob.locator(".card", has_text="Perceuse à prêter")
        await expect(card).to_contain_text("Intra-Muros")
        # labelled with the neighbour instance's name, not its host
        await expect(card).to_contain_text("neighbour: Intra-Muros")

        # When he says he is interested, with a word for anne
        await card.get_by_role("link", name="Perceuse à prêter").click()
        await bob.fill("#f-message", "Bonjour, je peux passer samedi ?")
        await bob.get_by_role("button", name="I'm interested").click()
        await expect(bob.locator(".notice[role=status]")).to_contain_text(
            "The author got your message"
        )
        await expect(bob.locator(".panel")).to_contain_text("You told")

    # Then anne is notified on A and reserves the drill for him
    async with browser_page(browser, locale="en-GB") as anne:
        await log_in(anne, a.base_url, "anne")

        async def notified() -> bool:
            await anne.goto(f"{a.base_url}/notifications")
            return "is interested" in await anne.locator("main").inner_text()

        await wait_for(notified, message="anne's notification of bob's interest")
        await anne.goto(offer_url)
        await anne.get_by_role("button", name="Reserve for Bob de Paramé").click()
        await expect(anne.locator(".notice[role=status]")).to_have_text("Reserved.")
        await expect(anne.locator(".tag-status").first).to_have_text("Reserved")
        await expect(anne.locator(".panel")).to_contain_text("Reserved for Bob de Paramé")


async def test_publish_an_event_and_a_neighbour_rsvps(browser, quarters):
    a = quarters.a
    await resident(a, "carole", display_name="Carole")
    await resident(a, "denis", display_name="Denis")

    async with browser_page(browser, locale="en-GB") as carole:
        # Given carole organises an event, found by its address in Intra-Muros
        await log_in(carole, a.base_url, "carole")
        await carole.goto(f"{a.base_url}/new/event")
        await carole.fill("#f-title", "Troc de graines")
        await carole.select_option("#f-category", "diy-gardening")
        await carole.fill("#f-starts_on", _soon(10))
        await carole.fill("#f-starts_time", "14:00")
        await carole.fill("#f-ends_time", "17:00")
        await carole.fill("#f-venue", "Square Desjardins")
        await carole.fill("#f-address", "Place Chateaubriand, Intra-Muros")
        await carole.fill("#f-capacity", "10")
        await carole.click("form[action='/new/event'] button[type=submit]")
        await carole.wait_for_url(re.compile(r".*/posts/\d+$"))
        await expect(carole.locator(".notice[role=status]")).to_have_text("Published.")
        event_url = carole.url.split("?")[0]
        await expect(carole.locator("main")).to_contain_text("10 places left")

        # Its calendar link serves iCalendar
        link = carole.get_by_role("link", name="Add to my calendar (.ics)")
        response = await carole.request.get(await link.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/calendar")
        assert "SUMMARY:Troc de graines" in await response.text()

    async with browser_page(browser, locale="en-GB") as denis:
        # When denis says he is going
        await log_in(denis, a.base_url, "denis")
        await denis.goto(event_url)
        await denis.get_by_role("button", name="I'm going").click()
        await expect(denis.locator(".notice[role=status]")).to_have_text("You are taking part.")

        # Then he is among the participants, and a place fewer is left
        await expect(denis.locator(".panel .people")).to_contain_text("Denis")
        await expect(denis.locator("main")).to_contain_text("9 places left")
        await expect(denis.get_by_role("button", name="I can no longer come")).to_be_visible()


async def test_switch_language_as_a_visitor_and_as_a_resident(browser, quarters):
    a = quarters.a
    await resident(a, "emma")

    async with browser_page(browser, locale="en-GB") as page:
        # Given a browser that prefers English
        await page.goto(f"{a.base_url}/")
        assert await page.get_attribute("html", "lang") == "en"
        await expect(page.locator("h2#section-offer")).to_have_text("Offered nearby")

        # When the visitor picks Français in the language switch
        await page.get_by_role("link", name="Français").click()

        # Then the pages are in French, on every page
        await expect(page.locator("h2#section-offer")).to_have_text("Offert près d'ici")
        assert await page.get_attribute("html", "lang") == "fr"
        await page.goto(f"{a.base_url}/signup")
        await expect(page.locator("h1")).to_contain_text("Rejoindre")

        # When a resident logs in and switches to English, it is saved with her account
        await log_in(page, a.base_url, "emma")
        await page.get_by_role("button", name="English").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")

    async with browser_page(browser, locale="fr-FR") as elsewhere:
        await log_in(elsewhere, a.base_url, "emma")
        assert await elsewhere.get_attribute("html", "lang") == "en"
    async with a.db.read() as conn:
        account = await account_store.get_account_by_username(conn, "emma")
    assert account is not None and account.locale == "en"
