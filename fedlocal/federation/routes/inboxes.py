"""The shared inbox, personal inboxes and the instance actor's inbox."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...services import people
from ..receive import receive_activity
from .responses import federation_of, json_error


async def shared_inbox(request: Request) -> Response:
    return await receive_activity(federation_of(request), request)


async def personal_inbox(request: Request) -> Response:
    federation = federation_of(request)
    if await people.local_actor(federation.services, request.path_params["username"]) is None:
        return json_error(404, "no such inbox")
    return await receive_activity(federation, request)


INBOX_PATHS = frozenset({"/inbox", "/actor/inbox"})


def is_inbox_path(path: str) -> bool:
    """Whether `path` is one of our inboxes (their bodies have the inbox's own limit)."""
    return path in INBOX_PATHS or (
        path.startswith("/users/") and path.endswith("/inbox") and path.count("/") == 3
    )


routes = [
    Route("/inbox", shared_inbox, methods=["POST"]),
    Route("/actor/inbox", shared_inbox, methods=["POST"]),
    Route("/users/{username}/inbox", personal_inbox, methods=["POST"]),
]
