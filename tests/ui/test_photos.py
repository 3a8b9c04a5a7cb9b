"""Publishing an offer with a photo in a browser: the description is required (the error
beside its field, the form asking for the photo again), then the photo is on the offer's
page, loaded from our server, and axe-core finds nothing to say on either page."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.async_api import expect
except ImportError:  # the fixtures skip (or fail under CI), saying what is missing
    expect = None

from fedlocal.cli.demo.pictures import picture

from .conftest import (
    PHONE,
    SCREENSHOTS,
    axe_violations,
    browser_page,
    log_in,
    resident,
    screenshot,
)

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


async def test_an_offer_with_a_photo_and_its_description(browser, quarters, tmp_path):
    a = quarters.a
    await resident(a, "gael", display_name="Gaël")
    photo = tmp_path / "perceuse.jpg"
    photo.write_bytes(picture("drill"))

    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, a.base_url, "gael")
        # Given an offer with a photo chosen but no description
        await page.goto(f"{a.base_url}/new/offer")
        await page.check("#f-intent-lend")
        await page.fill("#f-title", "Perceuse à prêter")
        await page.select_option("#f-category", "diy-gardening")
        await page.select_option("#f-quarter", "Intra-Muros")
        await page.set_input_files("#f-photo_1", str(photo))
        await page.click("form[action='/new/offer'] button[type=submit]")

        # Then the error is beside the description field, and the form asks for the photo
        alt_field = page.locator(".field", has=page.locator("#f-photo_1_alt"))
        await expect(alt_field.locator(".error")).to_contain_text("Décrivez cette photo")
        await expect(page.locator("#f-photo_1_alt")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator(".problem a[href='#f-photo_1_alt']")).to_be_visible()
        await expect(page.locator("fieldset.photos .again")).to_contain_text("choisissez")
        await expect(page.locator("#f-title")).to_have_value("Perceuse à prêter")
        await screenshot(page, "publish-photo-error-page-360")
        # The photos' part of the form alone, for the README
        await page.locator("fieldset.photos").screenshot(
            path=str(SCREENSHOTS / "publish-photo-error-360.png")
        )
        assert await axe_violations(page) == []

        # When the photo is chosen again with its description
        await page.set_input_files("#f-photo_1", str(photo))
        await page.fill("#f-photo_1_alt", "Une perceuse rouge sur un établi")
        async with page.expect_navigation():
            await page.click("form[action='/new/offer'] button[type=submit]")
        await page.wait_for_url(re.compile(r".*/posts/\d+"))
        await expect(page.locator("p.notice[role='status']")).to_be_visible()

        # Then the offer's page shows it, loaded from our own server
        image = page.get_by_role("img", name="Une perceuse rouge sur un établi")
        await expect(image).to_be_visible()
        await image.scroll_into_view_if_needed()
        await expect(image).to_have_js_property("complete", True)
        assert await image.evaluate("img => img.naturalWidth") > 0
        source = await image.evaluate("img => img.currentSrc")
        assert source.startswith(f"{a.base_url}/media/"), source
        await screenshot(page, "offer-photo-360")
        assert await axe_violations(page) == []
