"""The instance's feeds over HTTP: iCalendar for events (one, or the upcoming ones) and
Atom for recent posts (all of them, or one category's).

The app puts a `Feeds` in `app.state.feeds`; `feed_routes()` are its routes. They must
come before the federation routes, whose `/objects/{post_id}` would take `/objects/7.ics`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fedlocal.boundary import ids
from fedlocal.categories import Category
from fedlocal.services import feeds as feed_service
from fedlocal.services.context import ServiceContext
from fedlocal.services.feeds import FeedItem, Snapshot

if TYPE_CHECKING:
    # Imported by the routes that use them: icalendar and feedgen (with lxml and dateutil)
    # would otherwise weigh on every process that never serves a feed.
    from . import atom, ical

FEED_PAGE_SIZE = 50
SCOPES = ("local", "all")
FEED_SUFFIXES = (".atom", ".ics")
# Calendar widgets and feed readers on other sites fetch these from the visitor's browser.
_HEADERS = {"Access-Control-Allow-Origin": "*"}


def is_feed_path(path: str) -> bool:
    """Whether `path` is one of the feeds (their errors are JSON, not pages)."""
    return path.endswith(FEED_SUFFIXES)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_HEADERS)


class Feeds:
    """The feeds' handlers, reading through the feeds service."""

    def __init__(self, services: ServiceContext):
        self.services = services
        self.config = services.config
        self.urls = services.urls
        self.categories = services.categories

    async def event_calendar(self, request: Request) -> Response:
        """`/objects/{id}.ics`: one of our events, as a file to add to a calendar."""
        from . import ical

        post_id = ids.parse_id(request.path_params["post_id"])
        found = await feed_service.event(self.services, post_id) if post_id is not None else None
        if found is None:
            return _error(404, "no such event")
        body = self._ics(ical.Calendar(name=self.config.name), found)
        disposition = f'attachment; filename="event-{post_id}.ics"'
        headers = {"Content-Disposition": disposition, **_HEADERS}
        return Response(body, media_type=ical.MEDIA_TYPE, headers=headers)

    async def calendar(self, request: Request) -> Response:
        """`/calendar.ics`: the upcoming events to subscribe to; `?scope=all` adds the
        neighbours' public ones."""
        from . import ical

        scope = request.query_params.get("scope", "local")
        if scope not in SCOPES:
            return _error(400, f"scope must be one of {', '.join(SCOPES)}")
        found = await feed_service.calendar(self.services, local_only=scope == "local")
        config = self.config
        about = ical.Calendar(config.name, config.description, self.urls.calendar(scope=scope))
        return Response(self._ics(about, found), media_type=ical.MEDIA_TYPE, headers=_HEADERS)

    def _ics(self, about: ical.Calendar, found: Snapshot) -> bytes:
        from . import ical

        language = self.config.default_language
        events = []
        for item in found.items:
            category = self.categories.get(item.post.category)
            label = category.label(language) if category else None
            events.append(ical.CalendarEvent(item.post, item.author, label))
        return ical.render_calendar(about, events, now=found.read_at)

    async def feed(self, request: Request) -> Response:
        """`/feed.atom`: the recent public posts, a page at a time."""
        return await self._atom(request, None)

    async def category_feed(self, request: Request) -> Response:
        """`/categories/{key}/feed.atom`: one category's recent public posts."""
        category = self.categories.get(request.path_params["key"])
        if category is None:
            return _error(404, "no such category")
        return await self._atom(request, category)

    async def _atom(self, request: Request, category: Category | None) -> Response:
        from . import atom

        max_id = ids.query_id(request.query_params.get("max_id"), "max_id")
        key = category.key if category else None
        found = await feed_service.recent(
            self.services, category=key, max_id=max_id, limit=FEED_PAGE_SIZE
        )
        items, language, name = found.items, self.config.default_language, self.config.name

        def page(max_id: int | None) -> str:
            if key is None:
                return self.urls.feed(max_id=max_id)
            return self.urls.category_feed(key, max_id=max_id)

        feed = atom.Feed(
            id=page(None),
            self_url=page(max_id),
            title=f"{name} — {category.label(language)}" if category else name,
            subtitle=self.config.description,
            alternate_url=self.urls.home,
            author_name=name,
            author_uri=self.urls.home,
            language=language,
            category_scheme=self.urls.categories,
            next_url=page(items[-1].post.id) if len(items) == FEED_PAGE_SIZE else None,
        )
        entries = [self._entry(item) for item in items]
        body = atom.render_feed(feed, entries, now=found.read_at)
        return Response(body, media_type=atom.MEDIA_TYPE, headers=_HEADERS)

    def _entry(self, item: FeedItem) -> atom.FeedEntry:
        from . import atom

        post = item.post
        # Only our own events have a calendar file of their own.
        is_event = post.kind == "event" and post.event is not None and post.is_local
        calendar_url = self.urls.post_calendar(post.id) if is_event else None
        category = self.categories.get(post.category)
        return atom.FeedEntry(post, item.author, category, calendar_url)


def _on(
    handler: Callable[[Feeds, Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A route endpoint calling `handler` on the app's `Feeds`."""

    async def endpoint(request: Request) -> Response:
        return await handler(request.app.state.feeds, request)

    return endpoint


def feed_routes() -> list[Route]:
    """The feeds' routes (to mount before the federation routes)."""
    return [
        Route("/objects/{post_id}.ics", _on(Feeds.event_calendar)),
        Route("/calendar.ics", _on(Feeds.calendar)),
        Route("/feed.atom", _on(Feeds.feed)),
        Route("/categories/{key}/feed.atom", _on(Feeds.category_feed)),
    ]
