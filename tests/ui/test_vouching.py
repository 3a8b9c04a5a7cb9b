"""Vouching on a phone: a newcomer signs up in the `vouch` mode and reads how to ask a
neighbour; a resident finds them among "Voisins qui attendent" and vouches with the
keyboard. Every page fits 360 px and passes axe-core."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.instance import TestInstance, running_instance

from .conftest import INTRA_MUROS, axe_violations, browser_page, log_in, resident, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]

PHONE_SCREEN = {"width": 360, "height": 740}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def town(tmp_path_factory) -> AsyncIterator[TestInstance]:
    async with running_instance(
        tmp_path_factory.mktemp("town"),
        name="Intra-Muros",
        area={"quarters": [INTRA_MUROS]},
        signup_mode="vouch",
        default_language="fr",
    ) as instance:
        yield instance


async def _scrolls_sideways(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


async def test_a_newcomer_waits_and_a_neighbour_vouches_on_a_phone(browser, town):
    await resident(town, "yvonne", display_name="Yvonne Le Bihan")
    async with (
        browser_page(browser, viewport=PHONE_SCREEN, bypass_csp=True) as newcomer,
        browser_page(browser, viewport=PHONE_SCREEN, bypass_csp=True) as neighbour,
    ):
        # Given a newcomer who signs up with a few words about her
        await newcomer.goto(f"{town.base_url}/signup")
        await newcomer.fill("#f-username", "nolwenn")
        await newcomer.fill("#f-password", "a long enough password")
        await newcomer.select_option("#f-quarter", "Intra-Muros")
        await newcomer.fill(
            "#f-presentation", "Nolwenn, la petite-fille de Marie du 5 rue Broussais"
        )
        await newcomer.check("#f-agreement")
        await newcomer.click("form[action='/signup'] button[type=submit]")
        await newcomer.get_by_role("heading", name="Votre compte attend").wait_for()
        assert not await _scrolls_sideways(newcomer)
        assert not await axe_violations(newcomer)

        # When a resident opens the neighbours waiting, on her phone
        await log_in(neighbour, town.base_url, "yvonne")
        await neighbour.goto(f"{town.base_url}/waiting")
        button = neighbour.get_by_role("button", name="Je connais nolwenn")
        await button.wait_for()
        box = await button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert not await _scrolls_sideways(neighbour)
        assert not await axe_violations(neighbour)
        await screenshot(neighbour, "vouch-waiting-360")

        # And vouches with the keyboard
        await button.focus()
        await neighbour.keyboard.press("Enter")
        await neighbour.locator(".notice[role=status]").wait_for()
        assert "son compte est ouvert" in await neighbour.locator(".notice").inner_text()

        # Then the newcomer logs in
        await log_in(newcomer, town.base_url, "nolwenn")
        # And her page offers the resident to take the vouch back; the consent setting reads well
        await neighbour.goto(f"{town.base_url}/@nolwenn")
        withdraw = neighbour.get_by_role(
            "button", name="Je ne me porte plus garant·e de cette personne"
        )
        await withdraw.wait_for()
        assert not await _scrolls_sideways(neighbour)
        assert not await axe_violations(neighbour)
        await neighbour.goto(f"{town.base_url}/settings#trust")
        await neighbour.get_by_label("Montrer sur mon profil qui me connaît").check()
        assert not await axe_violations(neighbour)
