"""Group purchases, rides and the shops page on a phone (360 px), in French, as a quarter
sees them once a few neighbours have used them: the pages have no axe-core violation and
do not scroll sideways, the shops page's follow buttons say whom one follows already and
work from the keyboard, and each page is saved as the README shows it.

    make readme-screenshots

takes them again straight into `docs/screenshots/` (`purchase-committed-360.png`,
`ride-seats-360.png`, `shops-360.png`); otherwise they go to `build/screenshots/` with
the others."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from fedlocal.services import follows, group_purchases, listings, organizations, rides, shops
from fedlocal.services.group_purchases import PurchaseInput
from fedlocal.services.listings import ListingInput
from fedlocal.services.rides import RideInput
from fedlocal.store import actors as actor_store
from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance

from .conftest import PHONE, axe_violations, browser_page, log_in, require_browser, resident
from .conftest import screenshot as save_screenshot

try:
    from playwright.async_api import expect
except ImportError:  # the fixtures skip (or fail under CI), saying what is missing
    expect = None

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.ui]
PARIS = ZoneInfo("Europe/Paris")
QUARTERS = {
    "quarters": [
        {"name": "Paramé", "latitude": 48.6606, "longitude": -1.9892},
        {"name": "Rothéneuf", "latitude": 48.6795, "longitude": -1.9640},
        {"name": "Rochebonne", "latitude": 48.6530, "longitude": -2.0010},
    ]
}
# What a README picture may weigh.
MAX_BYTES = 200_000


async def _actor(instance: Instance, username: str):
    async with instance.db.read() as conn:
        return await actor_store.get_local_actor(conn, username)


async def _producer(instance: Instance, username: str, name: str, *, address: str, sells: str):
    await resident(instance, username, display_name=name)
    actor = await organizations.set_organization(
        instance.services, username, "producer", by_account_id=None
    )
    market_days = ["", "", "10:00-12:00", "", "16:00-19:00", "9:00-12:30", ""]
    await shops.save_profile(
        instance.services, actor, days=market_days, address=address, sells=sells
    )
    return actor


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def quarter(tmp_path_factory) -> AsyncIterator[tuple[Instance, dict]]:
    """Paramé: two producers, the farm's firewood with commitments from two quarters, and
    Bernard's weekly ride to the Dinan market, booked by Léa and Malo."""
    require_browser()
    async with running_instance(
        tmp_path_factory.mktemp("parame"),
        name="Paramé",
        signup_mode="open",
        default_language="fr",
        area=QUARTERS,
    ) as instance:
        farm = await _producer(
            instance,
            "ferme",
            "La Ferme de Rothéneuf",
            address="12 chemin des Vergers, Rothéneuf",
            sells="Légumes de saison en paniers, œufs, bois de chauffage",
        )
        await _producer(
            instance,
            "vergers",
            "Les Vergers de Rochebonne",
            address="3 rue des Pommiers, Rochebonne",
            sells="Jus de pomme, cidre fermier",
        )
        for username, name in (
            ("malo", "Malo Briand"),
            ("bernard", "Bernard Hamon"),
            ("lea", "Léa Tual"),
        ):
            await resident(instance, username, display_name=name)
        malo, bernard, lea = [await _actor(instance, u) for u in ("malo", "bernard", "lea")]
        await listings.publish_listing(
            instance.services,
            farm,
            ListingInput(
                kind="offer",
                intent="sell",
                title="Paniers de légumes de saison",
                price="12 € le panier",
                quarter="Rothéneuf",
            ),
        )
        now = datetime.now(PARIS)
        firewood = await group_purchases.propose(
            instance.services,
            farm,
            PurchaseInput(
                title="Bois de chauffage (chêne, 50 cm)",
                description="Chêne sec de deux ans. Chacun repart avec sa part.",
                unit="stere",
                unit_price="85",
                minimum="8",
                maximum="20",
                deadline=datetime.combine((now + timedelta(days=6)).date(), time(20), tzinfo=PARIS),
                pickup_at=datetime.combine(
                    (now + timedelta(days=10)).date(), time(10), tzinfo=PARIS
                ),
                pickup_place="Parking du marché de Paramé",
                quarter="Paramé",
                language="fr",
            ),
        )
        await group_purchases.commit(instance.services, malo, firewood.id, "3")
        await group_purchases.commit(instance.services, bernard, firewood.id, "2,5")
        thursday = (now + timedelta(days=1)).date()
        thursday += timedelta(days=(3 - thursday.weekday()) % 7)
        ride = await rides.publish_ride(
            instance.services,
            bernard,
            RideInput(
                origin="Paramé",
                destination="Dinan",
                departs_at=datetime.combine(thursday, time(8), tzinfo=PARIS),
                arrives_at=datetime.combine(thursday, time(8, 40), tzinfo=PARIS),
                weekly=True,
                seats=3,
                contribution="3",
                notes="Retour vers 12 h 30. Place dans le coffre pour les paniers.",
                language="fr",
            ),
        )
        booked = await rides.book_seats(instance.services, lea, ride.id, seats=1)
        await rides.answer_booking(instance.services, bernard, booked.id, accept=True)
        # The next Thursday is full
        await rides.book_seats(
            instance.services, malo, ride.id, seats=3, on=thursday + timedelta(weeks=1)
        )
        await follows.follow(instance.services, lea, f"@ferme@{instance.config.domain}")
        yield instance, {"firewood": firewood, "ride": ride}


async def _look(page, name: str, problems: dict) -> None:
    """No axe-core violation, no sideways scrolling; saved, and small enough to commit."""
    violations = await axe_violations(page)
    if violations:
        problems[name] = violations
    if await page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        problems[f"{name}: scrolls sideways"] = True
    path = await save_screenshot(page, name, read_after=True)
    assert path is not None
    if path.stat().st_size > MAX_BYTES:
        problems[f"{name}: {path.stat().st_size} bytes"] = True


async def test_a_group_purchase_a_ride_and_the_shops_on_a_phone(browser, quarter):
    instance, posts = quarter
    base = instance.base_url
    problems: dict[str, object] = {}

    # Malo sees the firewood: the total from two quarters against the minimum, his share
    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, base, "malo")
        await page.goto(f"{base}/posts/{posts['firewood'].id}")
        await expect(page.locator(".progress")).to_contain_text("5,5 stères sur 8 stères")
        await _look(page, "purchase-committed-360", problems)

    async with browser_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await log_in(page, base, "lea")

        # Léa sees the ride's next Thursdays with the seats left on each, the next one full,
        # and her booking accepted
        await page.goto(f"{base}/posts/{posts['ride'].id}")
        seats = page.locator("#seats + ul")
        await expect(seats.locator("li").first).to_contain_text("2 places restantes")
        await expect(seats.locator("li").nth(1)).to_contain_text("complet")
        await expect(page.get_by_text("acceptée par le conducteur")).to_be_visible()
        await _look(page, "ride-seats-360", problems)

        # The shops page says she follows the farm already, and offers the orchard
        await page.goto(f"{base}/shops")
        farm = page.locator("li.card", has_text="La Ferme de Rothéneuf")
        orchard = page.locator("li.card", has_text="Les Vergers de Rochebonne")
        await expect(farm.locator(".follow-state")).to_contain_text("Suivi")
        await expect(farm.get_by_role("button", name="Ne plus suivre La Ferme")).to_be_visible()

        # She follows the orchard with the keyboard: moving the focus changes nothing, Enter
        # on the button follows it and the page says so
        follow = orchard.get_by_role("button", name="Suivre Les Vergers de Rochebonne")
        await follow.focus()
        await page.keyboard.press("Shift+Tab")
        await page.keyboard.press("Tab")
        assert page.url == f"{base}/shops"
        assert await follow.evaluate("button => button === document.activeElement")
        await _look(page, "shops-360", problems)
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{base}/shops*")
        orchard = page.locator("li.card", has_text="Les Vergers de Rochebonne")
        await expect(orchard.locator(".follow-state")).to_contain_text("Suivi")
        violations = await axe_violations(page)
        if violations:
            problems["shops, both followed"] = violations

    assert problems == {}
