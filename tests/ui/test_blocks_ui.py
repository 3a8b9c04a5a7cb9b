"""Blocking from a phone and a desktop, in Chromium: the profile's buttons, the
confirmation page and the blocks page have no axe-core violation, no sideways scrolling on
a phone and touch-sized controls; the whole block is done with the keyboard."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance

from .conftest import (
    DESKTOP,
    PHONE,
    axe_violations,
    browser_page,
    log_in,
    require_browser,
    resident,
    screenshot,
)
from .test_pages_look import _too_small_targets

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def town(tmp_path_factory) -> AsyncIterator[Instance]:
    require_browser()
    async with running_instance(
        tmp_path_factory.mktemp("town"), signup_mode="open", default_language="fr"
    ) as instance:
        await resident(instance, "gael", display_name="Gaël Morvan")
        await resident(instance, "hugo", display_name="Hugo Le Bris")
        yield instance


async def _check(page, name: str, problems: dict, *, phone: bool) -> None:
    await screenshot(page, name)
    violations = await axe_violations(page)
    if violations:
        problems[name] = violations
    small = await _too_small_targets(page)
    if small:
        problems[f"{name}: small targets"] = small
    if phone and await page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        problems[name] = ["scrolls sideways"]


async def test_blocking_with_the_keyboard_on_a_phone_and_a_desktop(browser, town):
    problems: dict[str, list] = {}
    for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
        async with browser_page(browser, viewport=viewport, bypass_csp=True) as page:
            await log_in(page, town.base_url, "gael")
            await page.goto(f"{town.base_url}/@hugo")
            await _check(page, f"profile-block-{width}", problems, phone=viewport is PHONE)

            # Block, with the keyboard: focus the button, Enter; then confirm the same way
            await page.focus("form[action='/block'] button[type=submit]")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("text=Oui, bloquer")
            await _check(page, f"confirm-block-{width}", problems, phone=viewport is PHONE)
            await page.get_by_role("button", name="Oui, bloquer").focus()
            await page.keyboard.press("Enter")
            await page.wait_for_selector("form[action='/unblock']")

            await page.goto(f"{town.base_url}/blocks")
            assert "Débloquer Hugo Le Bris" in await page.content()
            await _check(page, f"blocks-{width}", problems, phone=viewport is PHONE)
            # Undo, for the next width
            await page.get_by_role("button", name="Débloquer Hugo Le Bris").click()
            await page.locator(".notice[role=status]").wait_for()
    assert not problems, problems
