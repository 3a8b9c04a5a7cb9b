"""The main pages at 360 px (a phone) and 1280 px (a desktop): screenshots saved for
review (`build/screenshots/`, a few committed under `docs/screenshots/`), no axe-core
violation of any impact, no horizontal scrolling on a phone, touch-sized controls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fedlocal.cli.demo.pictures import picture
from fedlocal.services import events, listings, media, organizations, pins, posts, settings
from fedlocal.services.events import EventInput
from fedlocal.services.listings import ListingInput
from fedlocal.store import accounts as account_store
from fedlocal.store import actors as actor_store

from .conftest import DESKTOP, PHONE, axe_violations, browser_page, log_in, resident, screenshot

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]

# Controls smaller than this (CSS pixels) fail WCAG 2.5.5's 44 × 44 target size.
TARGET = 44


async def _publish_samples(instance):
    await resident(instance, "fanny", display_name="Fanny Le Goff", admin=True)
    async with instance.db.read() as conn:
        account = await account_store.get_account_by_username(conn, "fanny")
        actor = await actor_store.get_local_actor(conn, "fanny")
    assert account is not None and actor is not None
    await settings.update_profile(
        instance.services, account, display_name="Fanny Le Goff", quarter="Intra-Muros"
    )
    await settings.update_about(
        instance.services,
        account,
        note="Je prête mes outils et j'arrose les plantes des voisins. #entraide",
        fields=[("Site", "https://fanny.example/un-chemin-assez-long"), ("Rue", "Rue de Dinan")],
    )
    # Pictures drawn by the demo (fedlocal/cli/demo/pictures.py), uploaded as a phone would
    await media.set_profile_pictures(instance.services, account, avatar=picture("face"))
    drill = await media.upload(
        instance.services, actor, picture("drill"), description="Une perceuse rouge sur un établi"
    )
    ladder = await media.upload(
        instance.services, actor, picture("ladder"), description="Une échelle contre un mur"
    )
    offer = await listings.publish_listing(
        instance.services,
        actor,
        ListingInput(
            kind="offer",
            intent="lend",
            title="Perceuse et échelle à prêter",
            description="Perceuse à deux batteries, échelle de 4 m. Rue de Dinan.",
            category="objects",
            quarter="Intra-Muros",
            media_ids=(drill.id, ladder.id),
        ),
    )
    await listings.publish_listing(
        instance.services,
        actor,
        ListingInput(
            kind="request",
            intent="help",
            title="Quelqu'un pour arroser mes plantes en août ?",
            category="neighbourhood-life",
            quarter="Intra-Muros",
        ),
    )
    poster = await media.upload(
        instance.services,
        actor,
        picture("poster"),
        description="Affiche : un soleil, des fanions et des tables dressées",
    )
    start = (datetime.now(UTC) + timedelta(days=12)).replace(hour=13, minute=0, second=0)
    event = await events.publish_event(
        instance.services,
        actor,
        EventInput(
            title="Fête des voisins de la rue de Dinan",
            starts_at=start,
            ends_at=start + timedelta(hours=5),
            description="Chacun apporte un plat à partager. Tables et chaises fournies.",
            category="neighbourhood-life",
            venue="Square Desjardins",
            street="Rue de Dinan",
            quarter="Intra-Muros",
            capacity=40,
            media_ids=(poster.id,),
        ),
    )
    note = await posts.publish_note(instance.services, actor, "Qui vient au marché samedi ?")
    # The town hall, a verified organisation, pins an announcement: on top of the landing
    # page and the feed, with its badge
    await resident(instance, "mairie", display_name="Mairie de Saint-Malo")
    town_hall = await organizations.set_organization(
        instance.services, "mairie", "town_hall", by_account_id=None
    )
    announcement = await posts.publish_note(
        instance.services,
        town_hall,
        "Fête de quartier samedi sur la place Chateaubriand, de 14 h à 22 h. "
        "La rue Saint-Vincent sera fermée à la circulation.",
        category="town-hall",
    )
    await pins.pin(instance.services, town_hall, announcement.id)
    return offer, event, note, announcement


async def _too_small_targets(page) -> list[str]:
    return await page.evaluate(
        """(target) => [...document.querySelectorAll(
                "main a, main button, main input, main select, main textarea, "
                + "header a, header button"
            )].filter(el => {
                const box = el.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) return false;  // hidden
                if (el.closest("p, li, dd, td") && el.tagName === "A"
                    && !el.classList.contains("button")) return false;  // a link in text
                if (el.type === "radio" || el.type === "checkbox") {
                    const row = el.closest(".choice");
                    return !row || row.getBoundingClientRect().height < target;
                }
                return box.height < target - 0.5;
            }).map(el => el.outerHTML.slice(0, 120))""",
        TARGET,
    )


async def test_main_pages_at_phone_and_desktop_widths(browser, quarters):
    a = quarters.a
    offer, event, note, announcement = await _publish_samples(a)
    pages = {
        "landing": "/",
        "feed": "/feed",
        "offer": f"/posts/{offer.id}",
        "event": f"/posts/{event.id}",
        "town-hall-announcement": f"/posts/{announcement.id}",
        "signup": "/signup",
        "login": "/login",
        "profile": "/@fanny",
        "note": f"/posts/{note.id}",
    }
    resident_pages = {
        "publish-offer": "/new/offer",
        "publish-event": "/new/event",
        "notifications": "/notifications",
        "settings": "/settings",
        "offer-as-author": f"/posts/{offer.id}",
        "note-as-author": f"/posts/{note.id}",
        "groups": "/groups",
        "admin": "/admin",
    }
    problems: dict[str, list] = {}
    for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
        async with browser_page(browser, viewport=viewport, bypass_csp=True) as page:
            for name, path in pages.items():
                response = await page.goto(a.base_url + path)
                assert response is not None and response.status == 200, path
                await screenshot(page, f"{name}-{width}")
                violations = await axe_violations(page)
                if violations:
                    problems[f"{name} at {width}px"] = violations
                small = await _too_small_targets(page)
                if small:
                    problems[f"{name} at {width}px: targets under {TARGET}px"] = small
                if viewport is PHONE:
                    overflow = await page.evaluate(
                        "document.documentElement.scrollWidth > window.innerWidth"
                    )
                    if overflow:
                        problems[f"{name} at {width}px"] = ["scrolls sideways"]
            await log_in(page, a.base_url, "fanny")
            for name, path in resident_pages.items():
                response = await page.goto(a.base_url + path)
                assert response is not None and response.status == 200, path
                await screenshot(page, f"{name}-{width}")
                violations = await axe_violations(page)
                if violations:
                    problems[f"{name} at {width}px"] = violations
            # A form sent with mistakes: the errors, listed atop and beside their fields
            await page.goto(f"{a.base_url}/new/offer")
            await page.fill("#f-title", "")
            await page.click("form[action='/new/offer'] button[type=submit]")
            await page.wait_for_selector("#f-title-error")
            await screenshot(page, f"publish-error-{width}")
            violations = await axe_violations(page)
            if violations:
                problems[f"publish-error at {width}px"] = violations
    assert not problems, problems
