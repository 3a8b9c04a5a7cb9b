"""The instance's feeds over HTTP: iCalendar for events (one, or the upcoming ones) and
Atom for recent posts (all of them, or one category's).

The app puts a `Feeds` in `app.state.feeds`; `feed_routes()` are its routes. They must
come before the federation routes, whose `/objects/{post_id}` would take `/objects/7.ics`.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fedlocal.boundary import ids
from fedlocal.categories import Categories
from fedlocal.config import Config
from fedlocal.store import Database
from fedlocal.store import feeds as feed_store
from fedlocal.store.clock import utcnow
from fedlocal.store.feeds import FeedItem
from fedlocal.urls import Urls

from . import atom, ical

FEED_PAGE_SIZE = 50
# The calendar starts a day back, so what happened today and yesterday evening stays.
CALENDAR_LOOKBACK = timedelta(days=1)
SCOPES = ("local", "all")
_HEADERS = {"Access-Control-Allow-Origin": "*"}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_HEADERS)


FEED_SUFFIXES = (".atom", ".ics")


def is_feed_path(path: str) -> bool:
    """Whether `path` is one of the feeds (their errors are JSON, not pages)."""
    return path.endswith(FEED_SUFFIXES)


class Feeds:
    def __init__(self, config: Config, db: Database):
        self.config = config
        self.db = db
        self.urls = Urls(config.base_url)
        self.categories = Categories(config.categories)

    # iCalendar

    async def event_calendar(self, request: Request) -> Response:
        post_id = ids.parse_id(request.path_params["post_id"])
        if post_id is None:
            return _error(404, "no such event")
        async with self.db.read() as conn:
            item = await feed_store.shareable_event(conn, post_id)
        if item is None:
            return _error(404, "no such event")
        body = ical.render_calendar(
            ical.Calendar(name=self.config.name), [self._calendar_event(item)], now=utcnow()
        )
        disposition = f'attachment; filename="event-{post_id}.ics"'
        return Response(
            body,
            media_type=ical.MEDIA_TYPE,
            headers={"Content-Disposition": disposition, **_HEADERS},
        )

    async def calendar(self, request: Request) -> Response:
        scope = request.query_params.get("scope", "local")
        if scope not in SCOPES:
            return _error(400, f"scope must be one of {', '.join(SCOPES)}")
        now = utcnow()
        async with self.db.read() as conn:
            items = await feed_store.upcoming_events(
                conn, since=now - CALENDAR_LOOKBACK, local_only=scope == "local"
            )
        calendar = ical.Calendar(
            name=self.config.name,
            description=self.config.description,
            source_url=self.urls.calendar(scope=scope),
        )
        body = ical.render_calendar(
            calendar, (self._calendar_event(item) for item in items), now=now
        )
        return Response(body, media_type=ical.MEDIA_TYPE, headers=_HEADERS)

    def _calendar_event(self, item: FeedItem) -> ical.CalendarEvent:
        category = self.categories.get(item.post.category)
        label = category.label(self.config.default_language) if category else None
        return ical.CalendarEvent(item.post, item.author, label)

    # Atom

    async def feed(self, request: Request) -> Response:
        return await self._atom(request, category_key=None)

    async def category_feed(self, request: Request) -> Response:
        key = request.path_params["key"]
        if key not in self.categories:
            return _error(404, "no such category")
        return await self._atom(request, category_key=key)

    async def _atom(self, request: Request, *, category_key: str | None) -> Response:
        max_id = ids.query_id(request.query_params.get("max_id"), "max_id")
        async with self.db.read() as conn:
            items = await feed_store.recent_posts(
                conn, category=category_key, max_id=max_id, limit=FEED_PAGE_SIZE
            )
        language = self.config.default_language
        category = self.categories.get(category_key)
        title = self.config.name
        if category is not None:
            title = f"{title} — {category.label(language)}"

        def page(max_id: int | None) -> str:
            if category is None:
                return self.urls.feed(max_id=max_id)
            return self.urls.category_feed(category.key, max_id=max_id)

        full_page = len(items) == FEED_PAGE_SIZE
        feed = atom.Feed(
            id=page(None),
            self_url=page(max_id),
            title=title,
            subtitle=self.config.description,
            alternate_url=self.urls.home,
            author_name=self.config.name,
            author_uri=self.urls.home,
            language=language,
            category_scheme=self.urls.categories,
            next_url=page(items[-1].post.id) if full_page else None,
        )
        entries = (self._feed_entry(item) for item in items)
        body = atom.render_feed(feed, entries, now=utcnow())
        return Response(body, media_type=atom.MEDIA_TYPE, headers=_HEADERS)

    def _feed_entry(self, item: FeedItem) -> atom.FeedEntry:
        post = item.post
        is_event = post.kind == "event" and post.event is not None and post.is_local
        return atom.FeedEntry(
            post=post,
            author=item.author,
            category=self.categories.get(post.category),
            calendar_url=self.urls.post_calendar(post.id) if is_event else None,
        )


async def _event_calendar(request: Request) -> Response:
    return await request.app.state.feeds.event_calendar(request)


async def _calendar(request: Request) -> Response:
    return await request.app.state.feeds.calendar(request)


async def _feed(request: Request) -> Response:
    return await request.app.state.feeds.feed(request)


async def _category_feed(request: Request) -> Response:
    return await request.app.state.feeds.category_feed(request)


def feed_routes() -> list[Route]:
    return [
        Route("/objects/{post_id}.ics", _event_calendar),
        Route("/calendar.ics", _calendar),
        Route("/feed.atom", _feed),
        Route("/categories/{key}/feed.atom", _category_feed),
    ]
