"""`GET /api/v2/search`: accounts, statuses and hashtags; with `resolve=true`, handles are
looked up by WebFinger and URLs fetched from their servers."""

from __future__ import annotations

from starlette.routing import Route

from ..services import search as search_service
from . import entities, present
from .auth import Call, endpoint


@endpoint("read:search", who="optional")
async def search(call: Call):
    p = call.params
    kind = p.str("type")
    found = await search_service.search(
        call.ctx,
        call.viewer,
        p.str("q") or "",
        type=kind if kind in search_service.TYPES else None,
        resolve=p.bool("resolve"),
        limit=max(1, min(p.int("limit") or 20, 40)),
        offset=max(p.int("offset") or 0, 0),
    )
    return {
        "accounts": present.accounts(call, found.accounts),
        "statuses": present.statuses(call, found.statuses),
        "hashtags": [entities.tag(name, call.urls) for name in found.hashtags],
    }


routes = [Route("/api/v2/search", search, methods=["GET"])]
