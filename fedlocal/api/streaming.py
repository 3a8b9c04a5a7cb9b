"""Streaming: Server-Sent Events (`/api/v1/streaming/user`, `/public`, `/public/local`,
`/hashtag?tag=`, `/list?list=`…) and the multiplexed WebSocket `/api/v1/streaming`
(`stream=user|public|…`, `{"type": "subscribe", "stream": …, "tag": …}` messages), with
`update`, `notification`, `delete` and `conversation` (on `direct` and `user`) events
whose payloads are strings (JSON, or a status id). The streams are services/streams.py's.

A WebSocket subscription this server cannot serve is answered with Mastodon's error frame
(`{"error": …, "status": 400}`), its message naming the stream and `stream` carrying it
as in event frames; the connection and its other subscriptions go on.

Clients wake on every write committed in this process (a `commit` listener on the
store's writer), on PostgreSQL on every write another process on the database committed
(its `writes` notification, store/signals.py), and poll every few seconds besides (for
SQLite's separate worker process, and a notification lost while reconnecting). The heartbeat
keeps its own clock: wake-ups (the workers commit every second) never delay it. An SSE
client that goes away is noticed at once, not at the next write.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
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


class OtherProcesses(Protocol):
    """Wake-ups from the other processes on the database (the store's `Signals`)."""

    def on(self, channel: str, callback: Callable[[], None]) -> None: ...

    def off(self, channel: str, callback: Callable[[], None]) -> None: ...


class StreamHub:
    """Wakes every open stream when something was written, here or in another process."""

    def __init__(self, commits: Commits, others: OtherProcesses | None = None):
        self.commits = commits
        self.others = others
        self._events: set[asyncio.Event] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Set when the server shuts down: open streams end, so that the server's
        # graceful shutdown (which waits for every response to finish) can finish.
        self.closing = False
        # Mastodon's interval; tests shorten it.
        self.heartbeat_seconds = HEARTBEAT_SECONDS

    def attach(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.commits.on_commit(self._on_commit)
        if self.others is not None:
            self.others.on("writes", self.wake)

    def detach(self) -> None:
        self.commits.off_commit(self._on_commit)
        if self.others is not None:
            self.others.off("writes", self.wake)
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
    """Batches of new events; an empty batch when it is time for a heartbeat.

    The heartbeat is due `hub.heartbeat_seconds` after the last thing sent, however
    often the hub wakes the stream (every commit of the workers does)."""
    with hub.listening() as waiting:
        last_sent = time.monotonic()
        next_poll = last_sent + POLL_SECONDS
        while not hub.closing:
            now = time.monotonic()
            heartbeat_at = last_sent + hub.heartbeat_seconds
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that arrives as the event is set, and the stream never ends.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, min(next_poll, heartbeat_at) - now)):
                    await waiting.wait()
            woken = waiting.is_set()
            waiting.clear()
            if hub.closing:
                return
            now = time.monotonic()
            if woken or now >= next_poll:
                next_poll = now + POLL_SECONDS
                found = await reader.poll()
                if found:
                    last_sent = time.monotonic()
                    yield found
                    continue
            if time.monotonic() >= last_sent + hub.heartbeat_seconds:
                last_sent = time.monotonic()
                yield []


class _EventStream(StreamingResponse):
    """A streaming response that ends as soon as the client goes away.

    Under ASGI 2.4 servers (uvicorn) Starlette only notices a gone client when it next
    writes to it: a quiet stream would hold its reader and its task until the next
    event or heartbeat. Here a second task waits for `http.disconnect`."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:

            async def stream() -> None:
                with contextlib.suppress(OSError):
                    await self.stream_response(send)
                group.cancel_scope.cancel()

            group.start_soon(stream)
            await self.listen_for_disconnect(receive)
            group.cancel_scope.cancel()


def _sse_subscription(path_stream: str, params) -> streams.Subscription:
    """The stream an SSE path names (`/public?local=true`, `/hashtag?tag=velo`…)."""
    name = path_stream
    if path_stream == "public" and params.get("local") in ("1", "true"):
        name = "public:local"
    elif path_stream == "public" and params.get("remote") in ("1", "true"):
        name = "public:remote"
    if name.startswith("public") and params.get("only_media") in ("1", "true"):
        name += ":media"
    return streams.subscription(name, params)


async def _sse(request: Request, path_stream: str | None = None) -> Response:
    ctx = services_of(request)
    try:
        auth = await authorize(ctx, bearer_token(request), STREAM_SCOPE, "user")
        name = path_stream or request.query_params.get("stream", "")
        subscription = _sse_subscription(name, request.query_params)
        assert auth is not None and auth.actor is not None
        subscription = await streams.allowed(ctx, auth.actor, subscription)
    except ApiError as exc:
        return error_response(exc.status, exc.message)
    except ServiceError as exc:
        return error_response(exc.status, exc.message)
    assert auth is not None and auth.actor is not None
    reader = streams.StreamReader(ctx, auth.actor)
    await reader.start([subscription])
    renderer = _Renderer(ctx)
    hub = _hub(request.app)

    async def body() -> AsyncIterator[str]:
        yield ":)\n\n"
        async for batch in _events(ctx, hub, reader):
            if not batch:
                yield ":thump\n\n"
            for found in batch:
                yield f"event: {found.event}\ndata: {renderer.payload(found)}\n\n"

    return _EventStream(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _sse_route(path_stream: str | None):
    async def route(request: Request) -> Response:
        return await _sse(request, path_stream)

    return route


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
    viewer = auth.actor
    await socket.accept(subprotocol=token if offered and token == offered[0] else None)
    reader = streams.StreamReader(ctx, auth.actor)
    renderer = _Renderer(ctx)
    hub = _hub(socket.app)
    sending = asyncio.Lock()

    async def send_frame(frame: dict[str, Any]) -> None:
        async with sending:
            await socket.send_text(json.dumps(frame))

    async def subscribe(request: dict[str, Any]) -> None:
        try:
            subscription = streams.subscription(request.get("stream"), request)
            subscription = await streams.allowed(ctx, viewer, subscription)
        except ServiceError as exc:
            await send_frame(_refusal(request, exc))
            return
        if request.get("type", "subscribe") == "unsubscribe":
            reader.remove(subscription)
        else:
            await reader.add(subscription)
        hub.wake()

    if "stream" in socket.query_params:
        await subscribe(dict(socket.query_params))

    async def receive() -> None:
        while True:
            message = await socket.receive_text()
            try:
                request = loads_bounded(message.encode())
            except MalformedJSON:
                continue
            if isinstance(request, dict) and request.get("type") in ("subscribe", "unsubscribe"):
                await subscribe(request)

    async def send() -> None:
        async for batch in _events(ctx, hub, reader):
            for found in batch:
                await send_frame(
                    {
                        "stream": found.stream.label,
                        "event": found.event,
                        "payload": renderer.payload(found),
                    }
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


def _refusal(request: dict[str, Any], exc: ServiceError) -> dict[str, Any]:
    """Mastodon's error frame, with the refused stream as `stream` (as event frames carry
    theirs: `["hashtag", "velo"]`) so a client tells which subscription failed."""
    name = request.get("stream")
    label = [name[:100]] if isinstance(name, str) else []
    for key in ("tag", "list"):
        if label and isinstance(request.get(key), str):
            label.append(request[key][:100])
    return {"error": exc.message, "status": exc.status, "stream": label}


SSE_PATHS = {
    "/api/v1/streaming/user": "user",
    "/api/v1/streaming/user/notification": "user:notification",
    "/api/v1/streaming/direct": "direct",
    "/api/v1/streaming/public": "public",
    "/api/v1/streaming/public/local": "public:local",
    "/api/v1/streaming/public/remote": "public:remote",
    "/api/v1/streaming/hashtag": "hashtag",
    "/api/v1/streaming/hashtag/local": "hashtag:local",
    "/api/v1/streaming/list": "list",
}

routes = [
    Route("/api/v1/streaming/health", health, methods=["GET", "HEAD"]),
    *(Route(path, _sse_route(name), methods=["GET"]) for path, name in SSE_PATHS.items()),
    Route("/api/v1/streaming", _sse_route(None), methods=["GET"]),
    WebSocketRoute("/api/v1/streaming", websocket),
    WebSocketRoute("/api/v1/streaming/", websocket),
]
