"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded
browser), against real instances on loopback, with axe-core (npm, `tests/ui/package.json`)
injected into pages.

Locally the tests skip, saying what is missing, when Chromium, Playwright or axe-core is
absent; under `CI=true` they fail instead, so CI cannot pass without running them.

The browser tests of a test process share one event loop and one browser (starting
Chromium costs about a second of CPU), and each module its instances (linking two
instances as neighbours takes seconds, so it is done once per module); each test opens
its own browser profiles (`browser_page`), so no cookie or page outlives it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from fedlocal.services import neighbours
from fedlocal.services.accounts import create_account
from tests.support.instance import TestInstance, running_instance
from tests.support.waiting import wait_for

try:
    from playwright.async_api import Browser, Page, async_playwright
except ImportError:  # pragma: no cover - reported by `require_browser`
    async_playwright = None  # type: ignore[assignment]

HERE = Path(__file__).parent
REPOSITORY = HERE.parent.parent
CHROMIUM = Path(os.environ.get("FEDLOCAL_CHROMIUM", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("FEDLOCAL_SCREENSHOTS", REPOSITORY / "build" / "screenshots"))
TAKE_SCREENSHOTS = os.environ.get("CI") != "true" or "FEDLOCAL_SCREENSHOTS" in os.environ
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a long enough password"

INTRA_MUROS = {"name": "Intra-Muros", "latitude": 48.6493, "longitude": -2.0257}
PARAME = {"name": "Paramé", "latitude": 48.6606, "longitude": -1.9892}


def missing_requirements() -> str | None:
    if async_playwright is None:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"Chromium is not at {CHROMIUM} (apt-get install -y chromium)"
    if not AXE.exists():
        return f"axe-core is not installed at {AXE} (npm ci in tests/ui)"
    return None


def require_browser() -> None:
    missing = missing_requirements()
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {missing}", pytrace=False)
    pytest.skip(f"browser tests skipped: {missing}")


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def browser() -> AsyncIterator[Browser]:
    require_browser()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class Quarters:
    """Two instances on loopback, linked as neighbours: A (Intra-Muros) and B (Paramé)."""

    a: TestInstance
    b: TestInstance


async def _linked(instance: TestInstance, domain: str) -> bool:
    links = await neighbours.neighbours(instance.services)
    return any(link.domain == domain and link.linked for link in links)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def quarters(tmp_path_factory) -> AsyncIterator[Quarters]:
    require_browser()
    root = tmp_path_factory.mktemp("quarters")
    async with (
        running_instance(
            root / "a",
            name="Intra-Muros",
            area={"quarters": [INTRA_MUROS]},
            signup_mode="open",
            default_language="fr",
        ) as a,
        running_instance(
            root / "b",
            name="Paramé",
            area={"quarters": [PARAME]},
            signup_mode="approval",
            default_language="fr",
        ) as b,
    ):
        await neighbours.link(a.services, b.config.domain)
        await neighbours.link(b.services, a.config.domain)
        await wait_for(lambda: _linked(a, b.config.domain), message="A linked to B")
        await wait_for(lambda: _linked(b, a.config.domain), message="B linked to A")
        yield Quarters(a, b)


async def resident(instance: TestInstance, username: str, **options) -> None:
    await create_account(instance.services, username, PASSWORD, **options)


@contextlib.asynccontextmanager
async def browser_page(
    browser: Browser,
    *,
    viewport: dict | None = None,
    locale: str = "fr-FR",
    bypass_csp: bool = False,
) -> AsyncIterator[Page]:
    """A fresh browser profile (no cookies) with one tab. `bypass_csp` lets a test inject
    axe-core, which our Content-Security-Policy would rightly refuse: such a profile loads
    it into every page it opens, before the page's own scripts."""
    context = await browser.new_context(
        viewport=viewport or DESKTOP, locale=locale, bypass_csp=bypass_csp
    )
    context.set_default_timeout(15_000)
    if bypass_csp:
        # Once per profile, not per check: sending axe-core's 550 kB to the page for each
        # check cost 0.2 s a time, and Chromium compiles a script it has already seen
        # from its cache.
        await context.add_init_script(path=str(AXE))
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    await page.goto(f"{base_url}/login")
    await page.fill("#f-login", username)
    await page.fill("#f-password", password)
    await page.click("form[action='/login'] button[type=submit]")
    # The page after the login shows its one-time notice.
    await page.locator(".notice[role=status]").wait_for()
    if "/legal/accept" in page.url:
        # An account made for the test, not signed up: it accepts the terms first, as
        # the web tests' client does (tests/ui/test_legal.py is about that page).
        await page.click("form[action='/legal/accept'] button[type=submit]")
        await page.locator(".notice[role=status]").wait_for()


async def screenshot(page: Page, name: str, *, read_after: bool = False) -> Path | None:
    """A full-page PNG under SCREENSHOTS (Playwright makes the directory), for people to
    look at. Under CI, whose clone is thrown away, only those a test reads (`read_after`)
    are taken, unless FEDLOCAL_SCREENSHOTS asks for them: each costs a relayout and a PNG,
    about 0.15 s of CPU. None when it was not taken."""
    if not (TAKE_SCREENSHOTS or read_after):
        return None
    path = SCREENSHOTS / f"{name}.png"
    # The viewport made as tall as the page, so the phone's sticky bottom bar shows at the
    # bottom, as a reader scrolling down meets it, not halfway down the image.
    viewport = page.viewport_size
    assert viewport is not None
    height = await page.evaluate("document.documentElement.scrollHeight")
    await page.set_viewport_size({"width": viewport["width"], "height": max(height, 1)})
    try:
        await page.screenshot(path=str(path), full_page=True)
    finally:
        await page.set_viewport_size(viewport)
    return path


async def axe_violations(page: Page) -> list[dict]:
    """Every axe-core violation (any impact, best practices included) on the page as it is now."""
    # Loaded with the page in a profile that bypasses the CSP (`browser_page`); injected
    # here for a page opened otherwise.
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """async () => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                 "best-practice"]},
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )
    return list(result)
