"""A loan in the browser, from reservation to return: Léa on A lends her ladder to Noé on
B (a linked neighbour instance) who asked for it. Every page on the way has no axe-core
violation of any impact; the lent listing is photographed at 360 and 1280 px
(`offer-lent-360.png`, `offer-lent-1280.png`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.async_api import expect
except ImportError:  # the fixtures skip (or fail under CI), saying what is missing
    expect = None

from fedlocal.services import interest, listings
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store
from fedlocal.store import posts as post_store
from tests.support.waiting import wait_for

from .conftest import DESKTOP, PHONE, axe_violations, browser_page, log_in, resident, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


async def _actor(instance, username):
    async with instance.db.read() as conn:
        return await actor_store.get_local_actor(conn, username)


async def _copy(instance, uri):
    async with instance.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def test_a_loan_from_reservation_to_return(browser, quarters):
    a, b = quarters.a, quarters.b
    # Given Léa's ladder on A, and Noé on B who asked for it
    await resident(a, "lea", display_name="Léa Morvan")
    await resident(b, "noe", display_name="Noé Guillou")
    lea, noe = await _actor(a, "lea"), await _actor(b, "noe")
    ladder = await listings.publish_listing(
        a.services,
        lea,
        ListingInput(
            kind="offer",
            intent="lend",
            title="Échelle de 3 mètres",
            description="Échelle en alu, pour les gouttières ou la taille de la haie.",
            category="diy-gardening",
            quarter="Intra-Muros",
        ),
    )
    copy = await wait_for(lambda: _copy(b, ladder.uri), message="the ladder to reach B")
    await interest.express_interest(b.services, noe, ladder.uri, "Je peux passer samedi ?")
    url = f"{a.base_url}/posts/{ladder.id}"
    problems: dict[str, list] = {}

    async def check(page, name):
        violations = await axe_violations(page)
        if violations:
            problems[name] = violations

    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, a.base_url, "lea")

        # When Léa reserves it for Noé, once his interest has reached her
        async def reservable() -> bool:
            await page.goto(url)
            return await page.get_by_role("button", name="Réserver pour Noé Guillou").count() > 0

        await wait_for(reservable, message="Noé's interest on Léa's page")
        await check(page, "offer with an interested neighbour")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Réserver pour Noé Guillou").click()
        await expect(page.locator("p.notice[role='status']")).to_be_visible()
        await expect(page.locator(".panel")).to_contain_text("Réservé pour Noé Guillou")
        await check(page, "reserved offer")

        # When she records the loan with a return day before the handover
        today = datetime.now(ZoneInfo("Europe/Paris")).date()
        await expect(page.locator("#f-lent_on")).to_have_value(today.isoformat())
        await page.fill("#f-due_on", (today - timedelta(days=2)).isoformat())
        await page.get_by_role("button", name="Noter le prêt").click()

        # Then the error is beside the return day, in French
        await expect(page.locator("#f-due_on-error")).to_contain_text(
            "La date de retour vient après la remise."
        )
        await screenshot(page, "loan-error-360")
        await check(page, "loan form with an error")

        # When she records it with the day they agreed on
        due = today + timedelta(days=14)
        await page.fill("#f-due_on", due.isoformat())
        async with page.expect_navigation():
            await page.get_by_role("button", name="Noter le prêt").click()
        await expect(page.locator("p.notice[role='status']")).to_be_visible()

        # Then the page says until when, at 360 and at 1280 px
        day = f"{due.day} {_MONTHS[due.month - 1]} {due.year}"
        await expect(page.locator(".tag-status").first).to_have_text(f"Prêté jusqu'au {day}")
        await expect(page.locator(".panel")).to_contain_text(f"Prêté à Noé Guillou jusqu'au {day}")
        await check(page, "lent offer at 360px")
        await screenshot(page, "offer-lent-360")
        await page.set_viewport_size(DESKTOP)
        await page.goto(url)
        await check(page, "lent offer at 1280px")
        await screenshot(page, "offer-lent-1280")

    # And Noé, on B, is told with the ladder named and linked
    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, b.base_url, "noe")

        async def told() -> bool:
            await page.goto(f"{b.base_url}/notifications")
            return "vous a prêté « Échelle de 3 mètres »" in await page.locator("main").inner_text()

        await wait_for(told, message="Noé's loan notification on B")
        await check(page, "the borrower's notifications")
        await page.get_by_role(
            "link", name=re.compile("vous a prêté « Échelle de 3 mètres »")
        ).click()
        await expect(page.locator("main")).to_contain_text(f"Prêté jusqu'au {day}")
        assert page.url.endswith(f"/posts/{copy.id}")

    # When Léa notes that Noé gave it back
    async with browser_page(browser, viewport=DESKTOP, bypass_csp=True) as page:
        await log_in(page, a.base_url, "lea")
        await page.goto(url)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Noé Guillou l'a rendu").click()
        await expect(page.locator("p.notice[role='status']")).to_be_visible()

        # Then the loan is over
        await expect(page.locator(".panel")).to_contain_text("Prêté à Noé Guillou, et rendu.")
        await check(page, "returned offer")

    assert not problems, problems


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")  # fmt: skip
