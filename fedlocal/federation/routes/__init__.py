"""HTTP routes of the federation layer."""

from starlette.routing import Route

from . import actors, discovery, inboxes, objects


def federation_routes() -> list[Route]:
    return [
        *discovery.routes,
        *inboxes.routes,
        *actors.routes,
        *objects.routes,
    ]
