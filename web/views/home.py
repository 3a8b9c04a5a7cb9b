"""The landing page: what neighbours offer, ask and organise near here now."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.services import domain_blocks, people

from ..page import Page
from .cards import coming_rides, nearby_cards, pinned_cards, upcoming
from .common import centre_point, centre_quarter

# Wide enough to take in the neighbouring quarters.
LANDING_RADIUS_KM = 10.0
PER_SECTION = 6


async def landing(page: Page) -> Response:
    quarter = centre_quarter(page.config, page.me)
    centre = centre_point(page.config, quarter)
    sections = {}
    for kind in ("offer", "request", "group_purchase"):
        found = await nearby_cards(
            page, centre=centre, radius_km=LANDING_RADIUS_KM, kinds=(kind,), limit=PER_SECTION
        )
        sections[kind] = found.cards
    events = await nearby_cards(
        page, centre=centre, radius_km=LANDING_RADIUS_KM, kinds=("event",), limit=50
    )
    sections["event"] = upcoming(events.cards, PER_SECTION)
    found_rides = await nearby_cards(
        page, centre=centre, radius_km=LANDING_RADIUS_KM, kinds=("ride",), limit=50
    )
    sections["ride"] = coming_rides(found_rides.cards, PER_SECTION)
    community = await people.by_role(page.services, "community")
    return await page.render(
        "home.html",
        sections=sections,
        pinned=await pinned_cards(page),
        community=community,
        quarter=quarter,
        section="home",
    )


async def about(page: Page) -> Response:
    community = await people.by_role(page.services, "community")
    groups = await people.groups(page.services, limit=20)
    blocked = await domain_blocks.public_list(page.services)
    return await page.render(
        "about.html", community=community, groups=groups, blocked_domains=blocked
    )
