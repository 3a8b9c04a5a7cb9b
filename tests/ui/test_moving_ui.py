"""The Moving settings page in Chromium, on a phone and a desktop: no axe-core violation,
no sideways scrolling on a phone, touch-sized controls, also once a refused move shows
its error beside the field."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance

from .conftest import DESKTOP, PHONE, browser_page, log_in, require_browser, resident
from .test_blocks_ui import _check

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


async def test_the_moving_page_on_a_phone_and_a_desktop(browser, town):
    problems: dict[str, list] = {}
    for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
        async with browser_page(browser, viewport=viewport, bypass_csp=True) as page:
            await log_in(page, town.base_url, "gael")
            await page.goto(f"{town.base_url}/settings/moving")
            await _check(page, f"moving-{width}", problems, phone=viewport is PHONE)
            # A move to an account that does not name gael's: refused beside the field
            await page.fill("#f-target", "@hugo")
            await page.click("form[action='/settings/moving/move'] button[type=submit]")
            await page.click("form button[type=submit] >> nth=-1")
            await page.wait_for_selector("#f-target-error")
            await _check(page, f"moving-refused-{width}", problems, phone=viewport is PHONE)
    assert not problems, problems
