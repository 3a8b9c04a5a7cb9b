"""Consent on a phone, with the keyboard: the sign-up form's terms box and the page asking
a resident to accept new terms (axe clean, nothing wider than 360 px, operable without a
mouse)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from fedlocal.services.accounts import create_account
from tests.support.instance import running_instance

from .conftest import PASSWORD, axe_violations, browser_page, require_browser, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]

PHONE_SCREEN = {"width": 360, "height": 740}
LEGAL = {"publisher": "Ville de Saint-Malo", "terms_version": "2"}


async def _scrolls_sideways(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


async def _tab_to(page, selector: str, *, most: int = 60) -> None:
    """Press Tab until `selector` has the focus (a keyboard user's way there)."""
    target = page.locator(selector)
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


async def test_signing_up_on_a_phone_needs_the_terms_accepted(browser, tmp_path):
    require_browser()
    async with (
        running_instance(tmp_path, signup_mode="open", legal=LEGAL) as inst,
        browser_page(browser, viewport=PHONE_SCREEN, locale="fr-FR", bypass_csp=True) as page,
    ):
        # The pages it links to read well on a phone
        for path in ("/legal/terms", "/legal/privacy", "/legal/accessibility", "/your-data"):
            await page.goto(inst.base_url + path)
            assert not await _scrolls_sideways(page), path
            assert not await axe_violations(page), path
        await screenshot(page, "your-data-360")

        # Given the sign-up form, filled in without ticking the terms box
        await page.goto(f"{inst.base_url}/signup")
        await page.fill("#f-username", "maelys")
        await page.fill("#f-password", PASSWORD)
        await _tab_to(page, "form[action='/signup'] button[type=submit]")
        await page.keyboard.press("Enter")

        # Then the form says why, beside the box, and the page is accessible
        await expect(page.locator("#f-agreement-error")).to_contain_text("Acceptez")
        assert await page.get_attribute("#f-agreement", "aria-invalid") == "true"
        assert not await _scrolls_sideways(page)
        assert not await axe_violations(page)
        await screenshot(page, "signup-terms-error-360")

        # When she ticks it with the keyboard and sends the form again
        await page.fill("#f-password", PASSWORD)
        await _tab_to(page, "#f-agreement")
        await page.keyboard.press("Space")
        await expect(page.locator("#f-agreement")).to_be_checked()
        await _tab_to(page, "form[action='/signup'] button[type=submit]")
        await page.keyboard.press("Enter")

        # Then she is welcomed
        await expect(page.locator(".notice[role=status]")).to_contain_text("Bienvenue")


async def test_new_terms_are_accepted_on_a_phone_with_the_keyboard(browser, tmp_path):
    require_browser()
    async with (
        running_instance(tmp_path, signup_mode="open", legal=LEGAL) as inst,
        browser_page(browser, viewport=PHONE_SCREEN, locale="fr-FR", bypass_csp=True) as page,
    ):
        # Given a resident who accepted version 1, and the instance now at version 2
        await create_account(inst.services, "yann", PASSWORD, terms_version="1")
        await page.goto(f"{inst.base_url}/login?next=/feed")
        await page.fill("#f-login", "yann")
        await page.fill("#f-password", PASSWORD)
        await page.keyboard.press("Enter")

        # Then the page asking for the new terms comes first, accessible on a phone
        await expect(page.locator("h1")).to_have_text("Nouvelles conditions d'utilisation")
        assert "/legal/accept" in page.url
        assert not await _scrolls_sideways(page)
        assert not await axe_violations(page)
        await screenshot(page, "terms-again-360")

        # When she opens the terms and comes back
        await page.get_by_role("link", name="Conditions d'utilisation").first.click()
        await expect(page.locator("h1")).to_have_text("Conditions d'utilisation")
        assert not await axe_violations(page)
        await page.go_back()

        # And accepts them with the keyboard
        await _tab_to(page, "form[action='/legal/accept'] button[type=submit]")
        await page.keyboard.press("Enter")

        # Then she reaches the page she wanted
        await expect(page.locator(".notice[role=status]")).to_contain_text("Merci")
        assert page.url.endswith("/feed")
