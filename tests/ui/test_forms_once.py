"""Back, then "Publish" again: the browser shows the form again as it was typed, and
sending it must not publish a second post. Each create form carries a one-use key that
the browser restores on Back (web/once.py)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import func, select

from fedlocal.store.tables import objects

from .conftest import DESKTOP, PHONE, axe_violations, browser_page, log_in, resident

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


async def _count(instance, title: str) -> int:
    async with instance.db.read() as conn:
        query = select(func.count()).select_from(objects).where(objects.c.name == title)
        return (await conn.execute(query)).scalar_one()


async def test_back_then_publish_again_publishes_once(browser, quarters):
    a = quarters.a
    await resident(a, "yves")
    async with browser_page(browser, viewport=DESKTOP) as page:
        await log_in(page, a.base_url, "yves")
        # Given an offer published from its form
        await page.goto(a.base_url + "/new/offer")
        await page.fill("#f-title", "Vélo rouge à donner")
        await page.select_option("#f-category", "objects")
        await page.select_option("#f-quarter", "Intra-Muros")
        await page.click("form[action='/new/offer'] button[type=submit]")
        await page.wait_for_url(re.compile(r".*/posts/\d+$"))
        # When the resident goes back and presses "Publish" again
        await page.go_back()
        await expect(page.locator("#f-title")).to_have_value("Vélo rouge à donner")
        await page.click("form[action='/new/offer'] button[type=submit]")
        # Then they land on their page, told it was done once
        await page.wait_for_url(re.compile(r".*/@yves$"))
        await expect(page.locator(".notice[role=status]")).to_contain_text("déjà envoyé")
    assert await _count(a, "Vélo rouge à donner") == 1


async def test_cancelling_a_post_asks_first_without_javascript(browser, quarters):
    a = quarters.a
    await resident(a, "zelie")
    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, a.base_url, "zelie")
        await page.goto(a.base_url + "/new/offer")
        await page.fill("#f-title", "Chaise pliante")
        await page.select_option("#f-category", "objects")
        await page.select_option("#f-quarter", "Intra-Muros")
        await page.click("form[action='/new/offer'] button[type=submit]")
        await page.wait_for_url(re.compile(r".*/posts/\d+$"))
        post_url = page.url
        # When she presses "Cancel this post"
        await page.click("form[action$='/cancel'] button")
        # Then a page asks first, and it passes axe
        await expect(page.locator("h1")).to_have_text("Confirmez, s'il vous plaît")
        assert not await axe_violations(page)
        # "No, go back" leaves the post as it was
        await page.click("text=Non, revenir")
        await page.wait_for_url(post_url)
        await expect(page.locator(".tag-status").first).to_have_text("Ouvert")
        # Confirming cancels it
        await page.click("form[action$='/cancel'] button")
        await page.click("button.danger")
        await page.wait_for_url(post_url)
        await expect(page.locator(".tag-status").first).to_have_text("Annulé")
