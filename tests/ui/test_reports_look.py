"""Reporting, in a browser at 360 px and 1280 px: a resident reports a post with the
keyboard alone, the report form and the moderation queue's pages have no axe-core
violation, no sideways scrolling on a phone and touch-sized controls."""

from __future__ import annotations

import pytest

from fedlocal.services import listings
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store

from .conftest import DESKTOP, PHONE, axe_violations, browser_page, log_in, resident, screenshot
from .test_pages_look import TARGET, _too_small_targets

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


async def _check(page, name: str, width: str, problems: dict) -> None:
    await screenshot(page, f"{name}-{width}")
    violations = await axe_violations(page)
    if violations:
        problems[f"{name} at {width}px"] = violations
    small = await _too_small_targets(page)
    if small:
        problems[f"{name} at {width}px: targets under {TARGET}px"] = small
    if width == "360" and await page.evaluate(
        "document.documentElement.scrollWidth > window.innerWidth"
    ):
        problems[f"{name} at {width}px"] = ["scrolls sideways"]


async def test_reporting_and_the_queue_on_a_phone_and_a_desktop(browser, quarters):
    a = quarters.a
    await resident(a, "gael", display_name="Gaël")
    await resident(a, "hugo")
    await resident(a, "modo", admin=True)
    async with a.db.read() as conn:
        gael = await actor_store.get_local_actor(conn, "gael")
    assert gael is not None
    offer = await listings.publish_listing(
        a.services,
        gael,
        ListingInput(kind="offer", intent="sell", title="Montres de luxe à 10 €"),
    )
    problems: dict[str, list] = {}
    for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
        async with browser_page(browser, viewport=viewport, bypass_csp=True) as page:
            await log_in(page, a.base_url, "hugo")
            # The post's "Report" link, then the form, filled with the keyboard only
            await page.goto(f"{a.base_url}/posts/{offer.id}")
            await page.click(".report-link a")
            await page.wait_for_selector("form[action='/report']")
            await _check(page, "report", width, problems)
            await page.focus("#f-category-spam")
            await page.keyboard.press("Space")
            await page.focus("#f-comment")
            await page.keyboard.type("Sûrement des contrefaçons.")
            await page.focus("form[action='/report'] button[type=submit]")
            await page.keyboard.press("Enter")
            await page.locator(".notice[role=status]").wait_for()
            assert page.url.endswith(f"/posts/{offer.id}")
        async with browser_page(browser, viewport=viewport, bypass_csp=True) as page:
            await log_in(page, a.base_url, "modo")
            await page.goto(f"{a.base_url}/admin/reports")
            await _check(page, "admin-reports", width, problems)
            await page.click("ul.reports a")
            await page.wait_for_selector("#decide")
            assert "Montres de luxe" in await page.content()
            await _check(page, "admin-report", width, problems)
    assert not problems, problems
