"""HTTP routes of the federation layer."""

from starlette.routing import Route

from . import discovery, inboxes
from .actors import actor_routes
from .html import HtmlPages
from .inboxes import is_inbox_path
from .objects import object_routes

__all__ = ["HtmlPages", "federation_routes", "is_federation_only_path", "is_inbox_path"]

# Collections and discovery documents: JSON only (an actor's and an object's own URL also
# serve pages to browsers).
_COLLECTIONS = ("/outbox", "/followers", "/following", "/inbox")
_DISCOVERY = ("/.well-known/", "/nodeinfo/")


def is_federation_only_path(path: str) -> bool:
    """Whether only other servers use `path` (no page is ever served there)."""
    if path.startswith(_DISCOVERY) or is_inbox_path(path):
        return True
    return path.startswith(("/users/", "/actor/")) and path.endswith(_COLLECTIONS)


def federation_routes(html: HtmlPages) -> list[Route]:
    """The routes; `html` renders the pages browsers get at actor and object URLs."""
    return [*discovery.routes, *inboxes.routes, *actor_routes(html), *object_routes(html)]
