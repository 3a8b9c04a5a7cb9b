"""What a newcomer met on a phone and with the keyboard: long words that widened the page,
a header and filters that hid every post, filters that reloaded the page as soon as a
select changed (RGAA 7.5, WCAG 3.2.2)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from fedlocal.services import listings
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store

from .conftest import DESKTOP, axe_violations, browser_page, log_in, resident

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]

PHONE_SCREEN = {"width": 360, "height": 740}
LONG_WORD = "Supercalifragilistique" * 5 + "x" * 10  # 120 letters, no break


async def _long_offer(instance):
    await resident(instance, "gaelle", display_name="G" + "a" * 80 + "lle")
    async with instance.db.read() as conn:
        actor = await actor_store.get_local_actor(conn, "gaelle")
    assert actor is not None
    return await listings.publish_listing(
        instance.services,
        actor,
        ListingInput(
            kind="offer",
            intent="give",
            title=LONG_WORD,
            description=f"Voir https://example.org/{LONG_WORD}/{LONG_WORD} ou {LONG_WORD}.",
            category="objects",
            quarter="Intra-Muros",
        ),
    )


async def _scrolls_sideways(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


async def test_long_words_wrap_on_a_phone(browser, quarters):
    a = quarters.a
    offer = await _long_offer(a)
    async with browser_page(browser, viewport=PHONE_SCREEN, bypass_csp=True) as page:
        for path in ("/", "/feed", f"/posts/{offer.id}", "/@gaelle"):
            await page.goto(a.base_url + path)
            assert not await _scrolls_sideways(page), path
        # An error beside a field, quoting a long address
        await page.goto(
            f"{a.base_url}/@gaelle/remote-follow?handle=@{LONG_WORD}@{LONG_WORD}.example"
        )
        await page.locator(".error").first.wait_for()
        assert not await _scrolls_sideways(page)
        assert not await axe_violations(page)


async def test_the_first_post_is_on_the_first_screen_of_a_phone(browser, quarters):
    a = quarters.a
    await resident(a, "hugo")
    await _long_offer_if_none(a)
    async with browser_page(browser, viewport=PHONE_SCREEN, bypass_csp=True) as page:
        await log_in(page, a.base_url, "hugo")
        await page.goto(a.base_url + "/feed")
        first = page.locator("main .card").first
        box = await first.bounding_box()
        bar = await page.locator(".tab-bar").bounding_box()
        assert box is not None and bar is not None
        # Then the first card starts above the bottom bar, and the bar holds the main entries
        assert box["y"] + 40 < bar["y"] <= PHONE_SCREEN["height"] - bar["height"] + 1
        header = await page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] <= 70
        names = await page.locator(".tab-bar a").all_inner_texts()
        assert [re.sub(r"\s+\d+$", "", name.strip()) for name in names][:2] == ["Fil", "Publier"]
        assert any(name.startswith("Notifications") for name in names)
        assert names[-1] == "Moi"
        # The filters are folded while none is in use
        assert not await page.locator("details.filters-box").get_attribute("open") is not None
        assert not await axe_violations(page)
        # On a desktop the bar gives way to the header's menu
        await page.set_viewport_size(DESKTOP)
        await expect(page.locator(".tab-bar")).to_be_hidden()
        await expect(page.locator(".site-nav")).to_be_visible()


async def _long_offer_if_none(instance):
    async with instance.db.read() as conn:
        if await actor_store.get_local_actor(conn, "gaelle") is None:
            await _long_offer(instance)


async def test_the_feed_filters_apply_by_their_button_only(browser, quarters):
    a = quarters.a
    await _long_offer_if_none(a)
    async with browser_page(browser, viewport=DESKTOP) as page:
        await page.goto(a.base_url + "/feed")
        start = page.url
        # Keyboard only: Tab to the folded filters, open them
        summary = page.locator("details.filters-box summary")
        for _ in range(40):
            await page.keyboard.press("Tab")
            if await summary.evaluate("el => el === document.activeElement"):
                break
        else:
            raise AssertionError("the filters cannot be reached with Tab")
        await page.keyboard.press("Enter")
        await expect(page.locator("details.filters-box")).to_have_attribute("open", "")
        # When a select is changed with the arrow keys
        await page.keyboard.press("Tab")
        kind = page.locator("#f-kind")
        await expect(kind).to_be_focused()
        await page.keyboard.press("ArrowDown")
        await expect(kind).not_to_have_value("")
        chosen = await kind.input_value()
        # Then nothing reloads and the focus stays where it was
        await page.wait_for_load_state()
        assert page.url == start
        await expect(kind).to_be_focused()
        # And the button applies the filters
        show = page.locator("form.filters button[type=submit]")
        while not await show.evaluate("el => el === document.activeElement"):
            await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(rf".*[?&]kind={chosen}\b.*"))
        # The filters stay open while one is in use
        await expect(page.locator("details.filters-box")).to_have_attribute("open", "")
