"""Booking a seat on a ride from a phone (360 px), in Chromium, with the keyboard only:
the ride form, the ride page and the booked page have no axe-core violation, no sideways
scrolling and touch-sized controls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from fedlocal.services import rides
from fedlocal.services.rides import RideInput
from fedlocal.store import actors as actor_store
from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance

from .conftest import (
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
PARIS = ZoneInfo("Europe/Paris")
QUARTERS = {"quarters": [{"name": "Paramé", "latitude": 48.6606, "longitude": -1.9892}]}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def town(tmp_path_factory) -> AsyncIterator[Instance]:
    require_browser()
    async with running_instance(
        tmp_path_factory.mktemp("town"), signup_mode="open", default_language="fr", area=QUARTERS
    ) as instance:
        await resident(instance, "gael", display_name="Gaël Morvan")
        await resident(instance, "hugo", display_name="Hugo Le Bris")
        yield instance


async def _check(page, name: str, problems: dict) -> None:
    await screenshot(page, name)
    violations = await axe_violations(page)
    if violations:
        problems[name] = violations
    small = await _too_small_targets(page)
    if small:
        problems[f"{name}: small targets"] = small
    if await page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        problems[name] = ["scrolls sideways"]


async def test_booking_a_seat_with_the_keyboard_on_a_phone(browser, town):
    problems: dict[str, list] = {}
    day = (datetime.now(PARIS) + timedelta(days=7)).date()
    day += timedelta(days=(3 - day.weekday()) % 7)
    async with town.db.read() as conn:
        gael = await actor_store.get_local_actor(conn, "gael")
    ride = await rides.publish_ride(
        town.services,
        gael,
        RideInput(
            origin="Paramé",
            destination="Dinan",
            departs_at=datetime.combine(day, time(8), tzinfo=PARIS),
            weekly=True,
            seats=2,
            contribution="3",
            notes="Place pour un panier.",
            language="fr",
        ),
    )
    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, town.base_url, "gael")
        await page.goto(f"{town.base_url}/new/ride")
        await _check(page, "ride-form-360", problems)

    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, town.base_url, "hugo")
        await page.goto(f"{town.base_url}/posts/{ride.id}")
        await _check(page, "ride-360", problems)
        assert "2 places restantes" in await page.content()

        # Book with the keyboard: the date is chosen, one seat, Enter on the button
        await page.focus("form.booking button[type=submit]")
        await page.keyboard.press("Enter")
        await page.locator(".notice[role=status]").wait_for()
        content = await page.content()
        assert "1 place restante" in content
        assert "en attente du conducteur" in content
        await _check(page, "ride-booked-360", problems)
    assert not problems, problems
