"""Every route of the Mastodon client API and OAuth2, and what the API keeps while the
app runs (the streaming hub)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import (
    accounts,
    admin_accounts,
    admin_domain_blocks,
    blocks,
    conversations,
    empty,
    filters,
    grouped_notifications,
    instance,
    lists,
    markers,
    media,
    notifications,
    oauth,
    push,
    reports,
    search,
    signup,
    statuses,
    streaming,
    tags,
)
from . import timelines as timeline_routes
from .streaming import Commits, OtherProcesses, StreamHub


def api_routes() -> list[BaseRoute]:
    return [
        *oauth.routes,
        Route("/health", instance.health, methods=["GET", "HEAD"]),
        Route(instance.THUMBNAIL, instance.thumbnail, methods=["GET", "HEAD"]),
        Route("/api/v1/instance", instance.instance_v1, methods=["GET"]),
        Route("/api/v1/instance/", instance.instance_v1, methods=["GET"]),
        Route("/api/v2/instance", instance.instance_v2, methods=["GET"]),
        Route("/api/v2/instance/", instance.instance_v2, methods=["GET"]),
        Route(
            "/api/v1/instance/extended_description",
            instance.extended_description,
            methods=["GET"],
        ),
        *accounts.routes,
        *blocks.routes,
        *admin_accounts.routes,
        *admin_domain_blocks.routes,
        *signup.routes,
        *statuses.routes,
        *media.routes,
        *timeline_routes.routes,
        *lists.routes,
        *filters.routes,
        *push.routes,
        *grouped_notifications.routes,
        *notifications.routes,
        *markers.routes,
        *conversations.routes,
        *reports.routes,
        *search.routes,
        *tags.routes,
        *streaming.routes,
        *empty.routes,
    ]


def start_api(app, commits: Commits, others: OtherProcesses | None = None) -> StreamHub:
    """Called in the app's lifespan: the streaming hub listens to the store's commits,
    and to other processes' (`others`, on PostgreSQL)."""
    hub = StreamHub(commits, others)
    hub.attach()
    app.state.api_streams = hub
    return hub


def stop_api(app) -> None:
    hub = getattr(app.state, "api_streams", None)
    if hub is not None:
        hub.detach()
