"""Serving an ASGI app on loopback inside the test's own event loop.

Unlike `live_server.serve` (a thread), the app shares the test's loop, so a test can call
services and read `app.state` objects directly while peers reach it over real HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn

from .live_server import free_socket
from .waiting import wait_for

START_DEADLINE_SECONDS = 20.0


class _Server(uvicorn.Server):
    """uvicorn's server, stopping as soon as it is told to: its own loop looks at
    `should_exit` ten times a second, which costs every test a tenth of a second."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.stopping = asyncio.Event()

    async def main_loop(self) -> None:
        ticks = 0
        while not await self.on_tick(ticks):
            # Once a second, as uvicorn does, to keep the Date header current.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=1.0)
            ticks += 10

    def stop(self) -> None:
        self.should_exit = True
        self.stopping.set()


@contextlib.asynccontextmanager
async def run_asgi(
    app, sock: socket.socket | None = None, *, lifespan: str = "on"
) -> AsyncIterator[str]:
    """Serve `app` until the block ends; yields its base URL (`http://127.0.0.1:PORT`)."""
    sock = sock or free_socket()
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False))
    # uvicorn's signal handlers belong to a real process, not to a test.
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))

    def started() -> bool:
        if task.done():
            task.result()  # raises the startup error
            raise RuntimeError("server stopped during startup")
        return server.started

    try:
        await wait_for(started, timeout=START_DEADLINE_SECONDS, message="the server to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
        sock.close()
