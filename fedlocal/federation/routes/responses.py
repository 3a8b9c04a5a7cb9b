"""Responses in ActivityStreams and JSON flavours."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from activitypub.client import accepts_activitypub
from activitypub.jsonutil import dumps_compact

from ...boundary.answers import wants_json
from ..runtime import Federation

AP_MEDIA_TYPE = "application/activity+json"
CORS = {"Access-Control-Allow-Origin": "*"}


class ActivityJSONResponse(Response):
    media_type = AP_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return dumps_compact(content)


def activity_json(document: dict[str, Any], status: int = 200) -> ActivityJSONResponse:
    # Vary: Accept — the same URL serves HTML to browsers, caches must keep both apart.
    return ActivityJSONResponse(document, status_code=status, headers={"Vary": "Accept", **CORS})


def json_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=CORS)


def not_found(request: Request, message: str) -> JSONResponse:
    """404 at a URL that is a document for servers and a page for browsers: JSON for a
    server; a browser gets the site's page (the app's HTTP error handler renders it)."""
    if not wants_json(request.headers.get("accept", "")):
        raise HTTPException(404)
    return json_error(404, message)


def wants_activitypub(request: Request) -> bool:
    return accepts_activitypub(request.headers.get("accept"))


def federation_of(request: Request) -> Federation:
    return request.app.state.federation
