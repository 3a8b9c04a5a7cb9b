"""Messages in a browser, between two quarters: a neighbour's interest note reaches the
author's messages and notifications, the author answers from the thread page, and the
neighbour reads the answer on their own instance. /messages and the thread page have no
axe-core violation of any impact at 360 and 1280 px, and are screenshotted there."""

from __future__ import annotations

import pytest

try:
    from playwright.async_api import expect
except ImportError:  # the fixtures skip (or fail under CI), saying what is missing
    expect = None

from fedlocal.services import listings
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store
from tests.support.waiting import wait_for

from .conftest import DESKTOP, PHONE, axe_violations, browser_page, log_in, resident, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]

WIDTHS = (("360", PHONE), ("1280", DESKTOP))


async def _check_at_both_widths(page, name: str, problems: dict) -> None:
    """Screenshots and axe-core at a phone's and a desktop's width (the same page)."""
    for width, viewport in WIDTHS:
        await page.set_viewport_size(viewport)
        await screenshot(page, f"{name}-{width}")
        violations = await axe_violations(page)
        if violations:
            problems[f"{name} at {width}px"] = violations
        if viewport is PHONE and await page.evaluate(
            "document.documentElement.scrollWidth > window.innerWidth"
        ):
            problems[f"{name} at {width}px"] = ["scrolls sideways"]


async def test_an_interest_note_is_answered_in_the_thread(browser, quarters):
    a, b = quarters.a, quarters.b
    await resident(a, "maela", display_name="Maëla Riou")
    await resident(b, "ines", display_name="Inès de Paramé")
    async with a.db.read() as conn:
        maela = await actor_store.get_local_actor(conn, "maela")
    await listings.publish_listing(
        a.services,
        maela,
        ListingInput(
            kind="offer",
            intent="lend",
            title="Escabeau à prêter",
            description="Cinq marches, léger.",
            category="diy-gardening",
            quarter="Intra-Muros",
        ),
    )
    problems: dict[str, list] = {}

    # Given ines, on the neighbouring instance B, finds the offer in her nearby feed and
    # says she is interested, with a note
    async with browser_page(browser, locale="en-GB") as ines:
        await log_in(ines, b.base_url, "ines")

        async def offer_in_feed() -> bool:
            await ines.goto(f"{b.base_url}/feed?kind=offer")
            return await ines.get_by_role("link", name="Escabeau à prêter").count() > 0

        await wait_for(offer_in_feed, message="A's offer in B's nearby feed")
        await ines.get_by_role("link", name="Escabeau à prêter").click()
        await ines.fill("#f-message", "Bonjour ! Je peux passer le prendre jeudi soir ?")
        async with ines.expect_navigation():
            await ines.get_by_role("button", name="I'm interested").click()
        await expect(ines.locator("p.notice[role='status']")).to_be_visible()

    # Then maela, on A, has it in her messages (the menu says so) and her notifications,
    # which link to the thread (her browser speaks French, as the screenshots do)
    async with browser_page(browser, bypass_csp=True) as author:
        await log_in(author, a.base_url, "maela")

        async def notified() -> bool:
            await author.goto(f"{a.base_url}/notifications")
            return await author.locator("main a[href^='/messages/']").count() == 1

        await wait_for(notified, message="maela's notification of ines's interest")
        await expect(author.locator("main")).to_contain_text("Escabeau à prêter")
        await expect(author.locator("nav .badge").first).to_be_visible()
        await author.locator("nav a[href='/messages']").first.click()
        await author.wait_for_url(f"{a.base_url}/messages")
        item = author.locator(".thread-item", has_text="Inès de Paramé")
        await expect(item).to_contain_text("Escabeau à prêter")
        await expect(item).to_contain_text("Je peux passer le prendre jeudi soir ?")
        await expect(item.locator(".badge-new")).to_be_visible()
        await _check_at_both_widths(author, "messages", problems)

        # When she opens the thread and answers
        await item.get_by_role("link").first.click()
        await expect(author.locator("h1")).to_contain_text("Inès de Paramé")
        await expect(author.locator(".thread-listing")).to_contain_text("Escabeau à prêter")
        await expect(author.locator(".message")).to_have_count(1)
        await author.fill("#f-message", "Jeudi 19 h, c'est parfait. Sonnez au 3e.")
        async with author.expect_navigation():
            await author.locator("form.reply button[type=submit]").click()
        await expect(author.locator("p.notice[role='status']")).to_be_visible()
        await expect(author.locator(".message")).to_have_count(2)
        await expect(author.locator(".message.mine")).to_contain_text("Sonnez au 3e.")
        await _check_at_both_widths(author, "thread", problems)

    # Then ines reads the answer on B, in the same thread as her note
    async with browser_page(browser, locale="en-GB") as ines:
        await log_in(ines, b.base_url, "ines")

        async def answered() -> bool:
            await ines.goto(f"{b.base_url}/messages")
            return "Sonnez au 3e." in await ines.locator("main").inner_text()

        await wait_for(answered, message="maela's answer in ines's messages on B")
        await ines.locator(".thread-item", has_text="Maëla Riou").get_by_role("link").first.click()
        await expect(ines.locator(".thread-listing")).to_contain_text("Escabeau à prêter")
        await expect(ines.locator(".message")).to_have_count(2)
        await expect(ines.locator(".message").first).to_contain_text("jeudi soir")
        await expect(ines.locator(".message").last).to_contain_text("Sonnez au 3e.")
    assert not problems, problems
