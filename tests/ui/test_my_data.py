"""A resident's data on a phone, with the keyboard: the settings' download section and
the page deleting the account (axe clean, nothing wider than 360 px, operable without a
mouse)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from fedlocal.services.accounts import create_account
from tests.support.instance import running_instance

from .conftest import PASSWORD, axe_violations, browser_page, log_in, require_browser, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]

PHONE_SCREEN = {"width": 360, "height": 740}


async def _scrolls_sideways(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


async def test_a_resident_asks_for_their_data_then_deletes_the_account(browser, tmp_path):
    require_browser()
    async with (
        running_instance(tmp_path) as inst,
        browser_page(browser, viewport=PHONE_SCREEN, locale="fr-FR", bypass_csp=True) as page,
    ):
        await create_account(inst.services, "maelys", PASSWORD)
        await log_in(page, inst.base_url, "maelys")

        # Given her settings on a phone, she asks for her data with the keyboard
        await page.goto(f"{inst.base_url}/settings")
        button = page.locator("form[action='/settings/export'] button")
        await button.focus()
        await page.keyboard.press("Enter")
        await expect(page.locator(".notice[role=status]")).to_contain_text("préparation")
        assert not await _scrolls_sideways(page)
        assert not await axe_violations(page)
        await screenshot(page, "settings-data-360")

        # When she opens the deletion page: it says what goes, and asks for her password
        await page.goto(f"{inst.base_url}/settings/delete")
        await expect(page.locator("main")).to_contain_text("irréversible")
        assert not await _scrolls_sideways(page)
        assert not await axe_violations(page)
        await screenshot(page, "delete-account-360")

        # A wrong password: the error is beside the field
        await page.fill("#f-current_password", "pas le bon")
        await page.locator("form[action='/settings/delete'] button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#f-current_password-error")).to_be_visible()
        assert not await axe_violations(page)

        # Her password: she is logged out and told
        await page.fill("#f-current_password", PASSWORD)
        await page.locator("form[action='/settings/delete'] button[type=submit]").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator(".notice[role=status]")).to_contain_text("supprimé")
