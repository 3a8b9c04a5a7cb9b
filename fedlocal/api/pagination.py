"""Paging as Mastodon does it: `max_id`, `since_id`, `min_id`, `limit`, and a `Link`
header with `next` (older) first — toot reads it with a regex anchored at the start."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from starlette.requests import Request

from ..boundary.paging import BOUNDS, PageQuery, page_query
from .params import Params


def page_from(params: Params, *, default: int = 20, maximum: int = 40) -> PageQuery:
    """The page a request asks for; a bound that is not an id is a 400."""
    return page_query(params.str, default=default, maximum=maximum)


def link_header(request: Request, base_url: str, ids: Sequence[int]) -> dict[str, str]:
    """`Link` for the page holding `ids` (newest first); none for an empty page."""
    if not ids:
        return {}
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in BOUNDS]
    url = base_url.rstrip("/") + request.url.path
    older = url + "?" + urlencode([*kept, ("max_id", str(min(ids)))])
    newer = url + "?" + urlencode([*kept, ("min_id", str(max(ids)))])
    return {"Link": f'<{older}>; rel="next", <{newer}>; rel="prev"'}
