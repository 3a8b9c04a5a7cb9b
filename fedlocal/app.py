"""The application factory: the one place that knows every part."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from web.error_page import render_error_page
from web.feeds import Feeds, feed_routes, is_feed_path
from web.forms import form_body_limit
from web.pages import Pages
from web.routes import FederatedPages, web_routes

from .api import Cors, api_routes, start_api, stop_api
from .api.params import MAX_BODY as API_MAX_BODY
from .api.params import upload_body_limit
from .boundary.answers import ErrorAnswers, Problem
from .boundary.middleware import ErrorBoundary
from .config import Config
from .federation.delivery import DeliveryWorker
from .federation.delivery_pool import DeliveryPool
from .federation.export_worker import ExportWorker
from .federation.inbox_worker import InboxWorker
from .federation.push import PushWorker
from .federation.queue_names import QUEUES
from .federation.routes import federation_routes, is_federation_only_path, is_inbox_path
from .federation.runtime import Federation, start_federation
from .federation.workers import Stopping, release_previous_leases, run_worker, stop_tasks
from .media.serve import routes as media_file_routes
from .monitoring import RequestLatency, RequestTimes, metrics_routes
from .services.errors import ServiceError
from .services.maintenance import INTERVAL_SECONDS as MAINTENANCE_INTERVAL_SECONDS
from .services.maintenance import MaintenanceWorker
from .store import Database, migrate

log = logging.getLogger(__name__)


ROUTER_MESSAGES = {404: "not found", 405: "method not allowed"}


def create_app(config: Config, *, database: Database | None = None) -> Starlette:
    """Assemble the app. The database is opened, migrated and the workers started in the
    lifespan, so building the app has no side effects."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = database or Database(config.database_url, schema=config.database_schema or None)
        await migrate(db)
        # Without its workers, this process serves beside a `fedlocal worker` that stores
        # what it queues and queues what it must stream.
        federation = await start_federation(
            config, db, beside_other_processes=not config.run_workers
        )
        app.state.federation = federation
        app.state.services = federation.services
        app.state.media_files = federation.services.files
        app.state.pages = Pages(federation.services, federation.client)
        app.state.feeds = Feeds(federation.services)
        start_api(app, db, federation.signals)
        if config.run_workers:
            await release_previous_leases(db)
        stopping = Stopping()
        tasks = start_workers(federation, stopping) if config.run_workers else []
        try:
            yield
        finally:
            stop_api(app)
            await stop_tasks(tasks, stopping, WORKERS_STOP_GRACE_SECONDS)
            await federation.close()
            if database is None:
                await db.dispose()

    request_times = RequestTimes()
    routes = [
        # Prometheus, for the operator only (docs/operations.md#monitoring).
        *metrics_routes(request_times),
        # Before the federation routes: `/objects/{post_id}` would take `/objects/7.ics`.
        *feed_routes(),
        # Actor and object URLs show browsers the web app's pages.
        *federation_routes(html=FederatedPages()),
        # The Mastodon client API and OAuth2 (docs/api.md).
        *api_routes(),
        # The resident web app (landing page, sign-up, publishing, feed, admin…).
        *web_routes(),
        Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
        # Picture files (fedlocal/media/files.py), named by their content.
        *media_file_routes,
    ]
    answers = ErrorAnswers(html=render_error_page, machine_path=machine_path)

    async def http_error(request: Request, exc: Exception) -> Response:
        # The router's 404 and 405 (with its `Allow` header), in the route family's format.
        assert isinstance(exc, HTTPException)
        message = ROUTER_MESSAGES.get(exc.status_code, exc.detail)
        problem = Problem(exc.status_code, message, headers=dict(exc.headers or {}))
        return await answers.answer(request.scope, problem)

    async def service_error(request: Request, exc: Exception) -> Response:
        # A service's refusal that no route turned into its own answer.
        assert isinstance(exc, ServiceError)
        return await answers.answer(request.scope, Problem(exc.status, exc.message))

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            # Outermost: every answer is timed, error answers included.
            Middleware(RequestLatency, times=request_times),
            # So error answers carry CORS headers too.
            Middleware(Cors),
            Middleware(ErrorBoundary, body_limit=body_limit(config), answers=answers),
        ],
        exception_handlers={ServiceError: service_error, HTTPException: http_error},
    )


# How long a stopping server lets its workers finish the step in progress before
# cancelling them.
WORKERS_STOP_GRACE_SECONDS = 5.0


def machine_path(path: str) -> bool:
    """Paths no browser is shown: their errors are JSON whatever the client accepts."""
    return is_federation_only_path(path) or is_feed_path(path)


def body_limit(config: Config):
    """Each path's body limit: the inbox's from the config, the client API's and OAuth's,
    and the web forms' for everything else (GET routes read no body)."""

    def limit(path: str) -> int:
        if is_inbox_path(path):
            return config.max_body_bytes
        if (uploads := upload_body_limit(path, config.media_max_bytes)) is not None:
            return uploads
        if path.startswith(("/api/", "/oauth/")):
            return API_MAX_BODY
        return form_body_limit(path, config.media_max_bytes)

    return limit


def start_workers(
    federation: Federation,
    stopping: Stopping | None = None,
    queues: Sequence[str] = QUEUES,
) -> list[asyncio.Task]:
    """The workers of `queues` (all by default) as background tasks of this process; they
    end when `stopping` is asked (or when cancelled)."""
    config = federation.config
    poll = config.worker_poll_seconds

    def inbox() -> Coroutine[Any, Any, None]:
        worker = InboxWorker(federation)
        paced = federation.inbox_pressure.paced(worker.run_once, worker.batch_size)
        return _closing(
            run_worker(
                "inbox", paced, federation.inbox_work, poll, federation.heartbeats, stopping
            ),
            worker.close,
        )

    def deliveries() -> Coroutine[Any, Any, None]:
        pool = DeliveryPool(
            DeliveryWorker(federation),
            size=config.delivery_concurrency,
            per_host=config.delivery_per_host,
        )
        return pool.run(federation.outbox.work_available, poll, federation.heartbeats, stopping)

    def push() -> Coroutine[Any, Any, None]:
        pushes = PushWorker(federation)
        return _closing(
            run_worker("push", pushes.run_once, asyncio.Event(), poll, stopping=stopping),
            pushes.close,
        )

    def exports() -> Coroutine[Any, Any, None]:
        worker = ExportWorker(federation)
        return run_worker("exports", worker.run_once, asyncio.Event(), poll, stopping=stopping)

    def maintenance() -> Coroutine[Any, Any, None]:
        worker = MaintenanceWorker(federation.services)
        # Housekeeping reports its work done, but nothing more is waiting: one round, then
        # the next interval.
        return run_worker(
            "maintenance",
            lambda: _once(worker.run_round),
            asyncio.Event(),
            MAINTENANCE_INTERVAL_SECONDS,
            federation.heartbeats,
            stopping,
        )

    starters = {
        "inbox": inbox,
        "deliveries": deliveries,
        "push": push,
        "exports": exports,
        "maintenance": maintenance,
    }
    return [asyncio.create_task(starters[name]()) for name in QUEUES if name in queues]


async def _closing(work, close) -> None:
    """Run `work` until it ends or is cancelled, then `close` what it held (an HTTP
    client, a batch claimed ahead)."""
    try:
        await work
    finally:
        await close()


async def _once(step) -> int:
    await step()
    return 0
