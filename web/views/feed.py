"""The nearby feed: offers, requests and events around a quarter, local and from
neighbouring instances, filtered by kind, category and distance."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.services.nearby import KINDS

from ..forms import parse_int
from ..page import Page
from .cards import nearby_cards, pinned_cards
from .common import centre_point, centre_quarter

RADII_KM = (1, 2, 5, 10, 20, 50)
DEFAULT_RADIUS_KM = 5
PAGE_SIZE = 20


async def nearby(page: Page) -> Response:
    params = page.request.query_params
    kind = params.get("kind", "")
    kind = kind if kind in KINDS else ""
    category = params.get("category", "")
    category = category if category in page.web.categories else ""
    radius = parse_int(params.get("radius", ""), minimum=1, maximum=50)
    radius = radius if radius in RADII_KM else DEFAULT_RADIUS_KM
    quarter = centre_quarter(page.config, page.me, params.get("quarter") or None)
    max_id = ids.query_id(params.get("max_id"), "max_id")
    found = await nearby_cards(
        page,
        centre=centre_point(page.config, quarter),
        radius_km=float(radius),
        kinds=(kind,) if kind else KINDS,
        categories=(category,) if category else (),
        max_id=max_id,
        limit=PAGE_SIZE,
    )
    filters = {
        "kind": kind,
        "category": category,
        "radius": str(radius),
        "quarter": quarter.name if quarter else "",
    }
    older = None
    if found.next_max_id is not None:
        query = {key: value for key, value in filters.items() if value}
        older = "/feed?" + urlencode({**query, "max_id": found.next_max_id})
    return await page.render(
        "feed.html",
        cards=found.cards,
        # On the first page only: the organisations' pinned announcements.
        pinned=await pinned_cards(page) if max_id is None else [],
        filters=filters,
        kinds=KINDS,
        radii=RADII_KM,
        quarters=page.config.quarters,
        categories=page.web.categories.all,
        older=older,
        # The filters stay folded (the posts come first on a phone) unless one is chosen.
        filtering=any(params.get(name) for name in ("kind", "category", "radius", "quarter")),
        section="feed",
    )
