"""Serving an ASGI app on loopback inside the test's own event loop.

Unlike `live_server.serve` (a thread), the app shares the test's loop, so a test can call
services and read `app.state` objects directly while peers reach it over real HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator

import uvicorn

from .live_server import free_socket

logger = logging.getLogger(__name__)

START_DEADLINE_SECONDS = 20.0
# How long a stopping server waits for its open connections and their tasks before it
# cancels them (`fedlocal serve` allows 10 s; a test has nobody waiting on a slow reader).
SHUTDOWN_GRACE_SECONDS = 5.0
SHUTDOWN_POLL_SECONDS = 0.005


class _Server(uvicorn.Server):
    """uvicorn's server, stopping as soon as it is told to. uvicorn's own loop looks at
    `should_exit` ten times a second, and its shutdown sleeps a tenth of a second and then
    polls the open connections ten times a second: each would cost every test that long."""

    def __init__(self, config: uvicorn.Config, app):
        super().__init__(config)
        self.app = app
        self.stopping = asyncio.Event()
        self.listening = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.listening.set()

    async def main_loop(self) -> None:
        ticks = 0
        while not await self.on_tick(ticks):
            # Once a second, as uvicorn does, to keep the Date header current.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=1.0)
            ticks += 10

    def stop(self) -> None:
        # As `fedlocal serve` does: the client API's open streams end first, since a
        # graceful shutdown waits for every response to finish and a stream never would.
        hub = getattr(getattr(self.app, "state", None), "api_streams", None)
        if hub is not None:
            hub.close()
        self.should_exit = True
        self.stopping.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        state = self.server_state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHUTDOWN_GRACE_SECONDS

        def busy() -> bool:
            return bool(state.connections or state.tasks) and loop.time() < deadline

        # uvicorn tells of no connection closing: its sets are all there is to look at.
        while busy():  # noqa: ASYNC110
            await asyncio.sleep(SHUTDOWN_POLL_SECONDS)
        if state.tasks:
            logger.warning("cancelling %d request(s) still running at shutdown", len(state.tasks))
            for task in state.tasks:
                task.cancel()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@contextlib.asynccontextmanager
async def run_asgi(
    app, sock: socket.socket | None = None, *, lifespan: str = "on"
) -> AsyncIterator[str]:
    """Serve `app` until the block ends; yields its base URL (`http://127.0.0.1:PORT`)."""
    sock = sock or free_socket()
    port = sock.getsockname()[1]
    server = _Server(
        uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False), app
    )
    # uvicorn's signal handlers belong to a real process, not to a test.
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))

    try:
        # Whichever comes first: the server listens, or it stops (a startup error).
        listening = asyncio.create_task(server.listening.wait())
        await asyncio.wait(
            {listening, task}, timeout=START_DEADLINE_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        listening.cancel()
        if task.done():
            task.result()  # raises the startup error
            raise RuntimeError("server stopped during startup")
        if not server.started:
            raise AssertionError(f"the server did not start within {START_DEADLINE_SECONDS}s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
        sock.close()
