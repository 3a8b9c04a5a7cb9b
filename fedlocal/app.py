"""The application factory: the one place that knows every part."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from web.feeds import Feeds, feed_routes
from web.pages import Pages
from web.routes import web_routes

from .api import Cors, api_routes, start_api, stop_api
from .config import Config
from .federation.delivery import DeliveryWorker
from .federation.inbox.worker import InboxWorker
from .federation.routes import federation_routes
from .federation.runtime import Federation, start_federation
from .federation.workers import run_worker
from .services.errors import ServiceError
from .services.maintenance import INTERVAL_SECONDS as MAINTENANCE_INTERVAL_SECONDS
from .services.maintenance import MaintenanceWorker
from .store import Database, migrate

log = logging.getLogger(__name__)


def create_app(config: Config, *, database: Database | None = None) -> Starlette:
    """Assemble the app. The database is opened, migrated and the workers started in the
    lifespan, so building the app has no side effects."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = database or Database(config.database_url)
        await migrate(db)
        federation = await start_federation(config, db)
        app.state.federation = federation
        app.state.pages = Pages(config, db)
        app.state.feeds = Feeds(config, db)
        start_api(app, db)
        tasks = start_workers(federation) if config.run_workers else []
        try:
            yield
        finally:
            stop_api(app)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await federation.close()
            if database is None:
                await db.dispose()

    routes = [
        # Before the federation routes: `/objects/{post_id}` would take `/objects/7.ics`.
        *feed_routes(),
        *federation_routes(),
        # The Mastodon client API and OAuth2 (docs/api.md).
        *api_routes(),
        # The resident web app (landing page, sign-up, publishing, feed, admin…).
        *web_routes(),
        Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(Cors)],
        exception_handlers={ServiceError: service_error, 404: not_found, 405: not_allowed},
    )


def start_workers(federation: Federation) -> list[asyncio.Task]:
    """The inbox and delivery workers as background tasks of this process."""
    poll = federation.config.worker_poll_seconds
    inbox = InboxWorker(federation)
    delivery = DeliveryWorker(federation)
    maintenance = MaintenanceWorker(federation.services)
    return [
        asyncio.create_task(
            run_worker(
                "inbox",
                inbox.run_once,
                federation.inbox_work,
                poll,
                before_each=federation.inbox_pressure.lull,
            )
        ),
        asyncio.create_task(
            run_worker("delivery", delivery.run_once, federation.outbox.work_available, poll)
        ),
        # Housekeeping reports its work done, but nothing more is waiting: one round, then
        # the next interval.
        asyncio.create_task(
            run_worker(
                "maintenance",
                lambda: _once(maintenance.run_once),
                asyncio.Event(),
                MAINTENANCE_INTERVAL_SECONDS,
            )
        ),
    ]


async def _once(step) -> int:
    await step()
    return 0


async def service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    body = {"error": exc.message}
    if exc.field:
        body["field"] = exc.field
    return JSONResponse(body, status_code=exc.status)


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "not found"}, status_code=404)


async def not_allowed(request: Request, exc: Exception) -> JSONResponse:
    # Keep the router's `Allow` header: a 405 must say which methods the URL takes.
    headers = getattr(exc, "headers", None)
    return JSONResponse({"error": "method not allowed"}, status_code=405, headers=headers)
