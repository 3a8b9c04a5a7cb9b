"""The staff pages at 360 px and 1280 px: no axe-core violation, no sideways scrolling
on a phone, and the moderation form used with the keyboard only."""

from __future__ import annotations

import pytest

from fedlocal.services import domain_blocks, moderation_actions, staff
from fedlocal.services.accounts import create_account
from fedlocal.services.posts import publish_note
from tests.support.instance import running_instance

from .conftest import (
    DESKTOP,
    INTRA_MUROS,
    PASSWORD,
    PHONE,
    axe_violations,
    browser_page,
    log_in,
    require_browser,
    screenshot,
)

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]


async def test_staff_pages_are_accessible_at_both_widths(browser, tmp_path):
    require_browser()
    async with running_instance(
        tmp_path, area={"quarters": [INTRA_MUROS]}, default_language="fr"
    ) as inst:
        admin, _ = await create_account(inst.services, "mairie", PASSWORD, admin=True)
        modo, _ = await create_account(inst.services, "modo", PASSWORD)
        modo = await staff.set_role(inst.services, admin, modo.id, "moderator")
        _, lea = await create_account(inst.services, "lea", PASSWORD, display_name="Léa")
        await publish_note(inst.services, lea, "Bonjour à toutes et tous")
        await moderation_actions.apply(
            inst.services, modo, "limit", account_id=lea.id, note="Trop de messages"
        )
        await domain_blocks.create(
            inst.services, admin, domain="spam.example", public_comment="Spam en masse"
        )
        pages = {
            "admin": "/admin",
            "moderation": "/admin/moderation",
            "moderation-account": f"/admin/moderation/{lea.id}",
            "audit": "/admin/audit",
            "domains": "/admin/domains",
            "about": "/about",
        }
        problems: dict[str, list] = {}
        for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
            async with browser_page(browser, viewport=viewport, bypass_csp=True) as page:
                await log_in(page, inst.base_url, "mairie")
                for name, path in pages.items():
                    response = await page.goto(inst.base_url + path)
                    assert response is not None and response.status == 200, path
                    await screenshot(page, f"{name}-{width}")
                    violations = await axe_violations(page)
                    if violations:
                        problems[f"{name} at {width}px"] = violations
                    if viewport is PHONE and await page.evaluate(
                        "document.documentElement.scrollWidth > window.innerWidth"
                    ):
                        problems[f"{name} at {width}px"] = ["scrolls sideways"]
        assert not problems, problems


async def test_a_moderator_warns_with_the_keyboard(browser, tmp_path):
    require_browser()
    async with running_instance(tmp_path, default_language="fr") as inst:
        admin, _ = await create_account(inst.services, "mairie", PASSWORD, admin=True)
        modo, _ = await create_account(inst.services, "modo", PASSWORD)
        modo = await staff.set_role(inst.services, admin, modo.id, "moderator")
        _, lea = await create_account(inst.services, "lea", PASSWORD)
        async with browser_page(browser, viewport=PHONE) as page:
            await log_in(page, inst.base_url, "modo")
            await page.goto(f"{inst.base_url}/admin/moderation/{lea.id}")
            await page.focus("#f-action-warn")
            await page.keyboard.press("Space")
            await page.focus("#f-note")
            await page.keyboard.type("Merci de rester dans le sujet.")
            await page.keyboard.press("Tab")
            await page.keyboard.press("Enter")
            notice = page.locator(".notice[role=status]")
            await notice.wait_for()
            assert "journal" in (await notice.inner_text())
