"""A group purchase in the browser at 360 px: Béa commits a quantity to Yann's firewood
purchase, sees the total against the minimum; Maël, from the neighbour quarter B, commits
to Gaëlle's honey purchase on A and sees his commitment wait, then counted; the pages have
no axe-core violation of any impact (`group-purchase-360.png`,
`group-purchase-remote-360.png`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

try:
    from playwright.async_api import expect
except ImportError:  # the fixtures skip (or fail under CI), saying what is missing
    expect = None

from fedlocal.services import group_purchases
from fedlocal.services.group_purchases import PurchaseInput
from fedlocal.store import actors as actor_store
from fedlocal.store import posts as post_store
from tests.support.waiting import wait_for

from .conftest import PHONE, axe_violations, browser_page, log_in, resident, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


async def test_a_neighbour_commits_a_quantity_on_a_phone(browser, quarters):
    a = quarters.a
    await resident(a, "yann", display_name="Yann Le Goff")
    await resident(a, "bea", display_name="Béa Rouxel")
    async with a.db.read() as conn:
        yann = await actor_store.get_local_actor(conn, "yann")
    now = datetime.now(UTC)
    post = await group_purchases.propose(
        a.services,
        yann,
        PurchaseInput(
            title="Bois de chauffage (chêne)",
            unit="stere",
            unit_price="85",
            minimum="10",
            maximum="20",
            deadline=now + timedelta(days=4),
            pickup_at=now + timedelta(days=6),
            pickup_place="Parking du marché de Paramé",
        ),
    )
    problems: dict[str, list] = {}

    async def check(page, name):
        violations = await axe_violations(page)
        if violations:
            problems[name] = violations

    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, a.base_url, "bea")
        await page.goto(f"{a.base_url}/posts/{post.id}")
        await expect(page.locator(".progress")).to_contain_text("0 stère sur 10 stères")
        await check(page, "group purchase before committing")

        # When Béa types 2,5 in the labelled field and sends it
        await page.get_by_label("Quantité (stère)").fill("2,5")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Je participe").click()

        # Then her share is counted and the total says where it stands
        await expect(page.locator("p.notice[role='status']")).to_be_visible()
        await expect(page.locator(".progress")).to_contain_text("2,5 stères sur 10 stères")
        await expect(page.locator(".panel")).to_contain_text("Vous prenez 2,5 stères")
        await check(page, "group purchase after committing")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        await screenshot(page, "group-purchase-360")

    # And the organiser's page, with its decision and the list of who takes what
    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, a.base_url, "yann")
        await page.goto(f"{a.base_url}/posts/{post.id}")
        await expect(page.get_by_role("button", name="Annuler l’achat groupé")).to_be_visible()
        await check(page, "group purchase, the organiser's page")
        await page.get_by_role("link", name="Qui prend quoi").click()
        await expect(page.locator("table")).to_contain_text("Béa Rouxel")
        await check(page, "who takes what")

    assert not problems, problems


async def test_a_neighbour_of_another_quarter_commits_on_a_phone(browser, quarters):
    a, b = quarters.a, quarters.b
    await resident(a, "gaelle", display_name="Gaëlle Hamon")
    await resident(b, "mael", display_name="Maël Briand")
    async with a.db.read() as conn:
        gaelle = await actor_store.get_local_actor(conn, "gaelle")
    now = datetime.now(UTC)
    post = await group_purchases.propose(
        a.services,
        gaelle,
        PurchaseInput(
            title="Miel de Pleurtuit",
            unit="piece",
            unit_price="9",
            minimum="10",
            maximum="30",
            deadline=now + timedelta(days=4),
            pickup_at=now + timedelta(days=6),
            pickup_place="Ferme de la Ville-Es-Nouaux",
        ),
    )

    async def copied():
        async with b.db.read() as conn:
            copy = await post_store.get_post_by_uri(conn, post.uri)
        return copy if copy is not None and copy.kind == "group_purchase" else None

    # Given the purchase, which reaches B (linked neighbours) as a group purchase
    copy = await wait_for(copied, message="the honey purchase to reach B")
    problems: dict[str, list] = {}

    async def check(page, name):
        violations = await axe_violations(page)
        if violations:
            problems[name] = violations

    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, b.base_url, "mael")
        url = f"{b.base_url}/posts/{copy.id}"
        await page.goto(url)
        await expect(page.locator(".panel")).to_contain_text("organisé sur")

        # When Maël commits four jars from B
        await page.get_by_label("Quantité (pièce)").fill("4")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Je participe").click()

        # Then he is told it was sent, and his commitment waits for A (or is counted)
        await expect(page.locator("p.notice[role='status']")).to_contain_text("envoyée")
        await expect(page.locator("#my-commitment")).to_contain_text("4 pièces")
        await check(page, "purchase elsewhere, commitment sent")

        # And once A has counted it, his page says so
        async def counted() -> bool:
            await page.goto(url)
            text = await page.locator("#my-commitment").inner_text()
            return "Vous prenez 4 pièces" in text

        await wait_for(counted, message="A's Accept on Maël's page")
        await expect(page.locator("#my-commitment")).to_contain_text("l’a compté")
        await expect(page.get_by_role("button", name="Modifier ma quantité")).to_be_visible()
        await check(page, "purchase elsewhere, commitment counted")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        await screenshot(page, "group-purchase-remote-360")

    assert not problems, problems
