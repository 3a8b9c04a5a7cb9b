"""Streaming: Server-Sent Events (`/api/v1/streaming/user`, `/public`, `/public/local`…)
and the multiplexed WebSocket `/api/v1/streaming` (`stream=user|public|public:local`,
`{"type": "subscribe", "stream": …}` messages), with `update`, `notification`,
`delete` and `conversation` (on `direct` and `user`) events whose payloads are strings
(JSON, or a status id).

Clients wake on every write committed in this process (a `commit` listener on the
store's writer) and poll every few seconds for what other processes wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from activitypub.jsonutil import MalformedJSON, loads_bounded

from ..services import oauth, streams
from ..services.context import ServiceContext
from ..services.errors import ServiceError
from . import entities
from .auth import authorize, bearer_token, services_of
from .errors import ApiError, error_response

POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0
# A commit listener runs just before the database commits: look a moment later.
AFTER_COMMIT_SECONDS = 0.02
STREAM_SCOPE = "read:statuses"


class Commits(Protocol):
    """Where writes commit (the store's `Database`): the hub listens there."""

    def on_commit(self, callback: Callable[[object], None]) -> None: ...

    def off_commit(self, callback: Callable[[object], None]) -> None: ...


class StreamHub:
    """Wakes every open stream when something was written."""

    def __init__(self, commits: Commits):
        self.commits = commits
        self._events: set[asyncio.Event] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Set when the server shuts down: open streams end, so that the server's
        # graceful shutdown (which waits for every response to finish) can finish.
        self.closing = False

    def attach(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.commits.on_commit(self._on_commit)

    def detach(self) -> None:
        self.commits.off_commit(self._on_commit)
        self.wake()

    def _on_commit(self, _connection) -> None:
        # Every write of the app commits here (the inbox worker's too): with no stream
        # open there is nobody to wake, so schedule nothing.
        if not self._events:
            return
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.call_later, AFTER_COMMIT_SECONDS, self.wake)

    def wake(self) -> None:
        for waiting in self._events:
            waiting.set()

    def close(self) -> None:
        """End every open stream (the server is shutting down)."""
        self.closing = True
        self.wake()

    def close_threadsafe(self) -> None:
        """`close` from a signal handler or another thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.close)

    @contextlib.contextmanager
    def listening(self) -> Iterator[asyncio.Event]:
        waiting = asyncio.Event()
        self._events.add(waiting)
        try:
            yield waiting
        finally:
            self._events.discard(waiting)


@dataclass
class _Renderer:
    """What the entity builders need (the subset of a Call)."""

    ctx: ServiceContext

    def payload(self, found: streams.StreamEvent) -> str:
        options: dict[str, Any] = {
            "domain": self.ctx.config.domain,
            "categories": self.ctx.categories,
            "language": self.ctx.config.default_language,
            "timezone": self.ctx.config.timezone,
        }
        if found.status is not None:
            return json.dumps(entities.status(found.status, self.ctx.urls, **options))
        if found.conversation is not None:
            return json.dumps(entities.conversation(found.conversation, self.ctx.urls, **options))
        if found.notification is not None:
            return json.dumps(entities.notification(found.notification, self.ctx.urls, **options))
        return str(found.deleted_id)


def _hub(app) -> StreamHub:
    return app.state.api_streams


async def _events(
    ctx: ServiceContext, hub: StreamHub, reader: streams.StreamReader
) -> AsyncIterator[list[streams.StreamEvent]]:
    """Batches of new events; an empty batch when it is time for a heartbeat."""
    with hub.listening() as waiting:
        idle = 0.0
        while not hub.closing:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that arrives as the event is set, and the stream never ends.
            try:
                async with asyncio.timeout(POLL_SECONDS):
                    await waiting.wait()
            except TimeoutError:
                idle += POLL_SECONDS
            waiting.clear()
            if hub.closing:
                return
            found = await reader.poll()
            if found:
                idle = 0.0
                yield found
            elif idle >= HEARTBEAT_SECONDS:
                idle = 0.0
                yield []


def _streams_for(path_stream: str, params) -> list[str]:
    if path_stream == "public" and params.get("local") in ("1", "true"):
        return ["public:local"]
    if path_stream == "public" and params.get("remote") in ("1", "true"):
        return ["public:remote"]
    return [path_stream]


async def _sse(request: Request, stream_names: list[str]) -> Response:
    ctx = services_of(request)
    try:
        auth = await authorize(ctx, bearer_token(request), STREAM_SCOPE, "user")
    except ApiError as exc:
        return error_response(exc.status, exc.message)
    except ServiceError as exc:
        return error_response(exc.status, exc.message)
    assert auth is not None and auth.actor is not None
    reader = streams.StreamReader(ctx, auth.actor)
    await reader.start(stream_names)
    renderer = _Renderer(ctx)
    hub = _hub(request.app)

    async def body() -> AsyncIterator[str]:
        yield ":)\n\n"
        async for batch in _events(ctx, hub, reader):
            if not batch:
                yield ":thump\n\n"
            for found in batch:
                yield f"event: {found.event}\ndata: {renderer.payload(found)}\n\n"

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def sse_user(request: Request) -> Response:
    return await _sse(request, ["user"])


async def sse_user_notifications(request: Request) -> Response:
    return await _sse(request, ["user:notification"])


async def sse_direct(request: Request) -> Response:
    return await _sse(request, ["direct"])


async def sse_public(request: Request) -> Response:
    return await _sse(request, _streams_for("public", request.query_params))


async def sse_public_local(request: Request) -> Response:
    return await _sse(request, ["public:local"])


async def sse_public_remote(request: Request) -> Response:
    return await _sse(request, ["public:remote"])


async def sse_by_parameter(request: Request) -> Response:
    name = request.query_params.get("stream", "")
    if name not in streams.STREAMS:
        return error_response(400, "Unknown stream type")
    return await _sse(request, [name])


async def health(request: Request) -> Response:
    return PlainTextResponse("OK")


async def websocket(socket: WebSocket) -> None:
    ctx = services_of(socket)
    offered = socket.scope.get("subprotocols") or []
    header = socket.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    token = token or (offered[0] if offered else None) or socket.query_params.get("access_token")
    try:
        auth = await authorize(ctx, token, STREAM_SCOPE, "user")
    except (ApiError, oauth.TokenProblem):
        await socket.close(code=4001)
        return
    assert auth is not None and auth.actor is not None
    await socket.accept(subprotocol=token if offered and token == offered[0] else None)
    reader = streams.StreamReader(ctx, auth.actor)
    first = socket.query_params.get("stream")
    if first in streams.STREAMS:
        await reader.start([first])
    renderer = _Renderer(ctx)
    hub = _hub(socket.app)

    async def receive() -> None:
        while True:
            message = await socket.receive_text()
            try:
                request = loads_bounded(message.encode())
            except MalformedJSON:
                continue
            if not isinstance(request, dict):
                continue
            name = request.get("stream")
            if name not in streams.STREAMS:
                await socket.send_text(json.dumps({"error": "Unknown stream type", "status": 400}))
                continue
            if request.get("type") == "subscribe":
                await reader.add(name)
            elif request.get("type") == "unsubscribe":
                reader.remove(name)
            hub.wake()

    async def send() -> None:
        async for batch in _events(ctx, hub, reader):
            for found in batch:
                await socket.send_text(
                    json.dumps(
                        {
                            "stream": [found.stream],
                            "event": found.event,
                            "payload": renderer.payload(found),
                        }
                    )
                )

    tasks = [asyncio.create_task(receive()), asyncio.create_task(send())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
        # The client may be gone already: then there is nothing left to close.
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await socket.close()


routes = [
    Route("/api/v1/streaming/health", health, methods=["GET", "HEAD"]),
    Route("/api/v1/streaming/user", sse_user, methods=["GET"]),
    Route("/api/v1/streaming/user/notification", sse_user_notifications, methods=["GET"]),
    Route("/api/v1/streaming/direct", sse_direct, methods=["GET"]),
    Route("/api/v1/streaming/public", sse_public, methods=["GET"]),
    Route("/api/v1/streaming/public/local", sse_public_local, methods=["GET"]),
    Route("/api/v1/streaming/public/remote", sse_public_remote, methods=["GET"]),
    Route("/api/v1/streaming", sse_by_parameter, methods=["GET"]),
    WebSocketRoute("/api/v1/streaming", websocket),
    WebSocketRoute("/api/v1/streaming/", websocket),
]
