"""A real HTTP server on loopback for tests: a Starlette app under uvicorn in a thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

AP_CONTENT_TYPE = "application/activity+json"
START_DEADLINE_SECONDS = 10.0


@dataclass
class LiveServer:
    """A uvicorn server running in a thread; `requests` records what it received."""

    base_url: str
    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)


def free_socket() -> socket.socket:
    """A bound loopback socket on a free port (handed to uvicorn, so no port race)."""
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets that say they are
    # TCP, and without it every response written in two parts waits 40 ms for an ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve(
    make_app: Callable[[LiveServer], Starlette], *, lifespan: str = "off"
) -> Iterator[LiveServer]:
    """Run the app built by `make_app` on 127.0.0.1 and a free port until the block ends."""
    sock = free_socket()
    port = sock.getsockname()[1]
    live = LiveServer(base_url=f"http://127.0.0.1:{port}", port=port)
    config = uvicorn.Config(
        make_app(live), log_level="warning", lifespan=lifespan, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        thread.join(timeout=0.005)  # wait on the condition, a few milliseconds at a time
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def record(live: LiveServer, request: Request) -> None:
    """Remember a request as the signature verifier needs it."""
    live.requests.append(
        {
            "method": request.method,
            "url": str(request.url),
            "headers": dict(request.headers),
            "body": await request.body(),
        }
    )


def ap_json(document: Any, *, status: int = 200, media_type: str = AP_CONTENT_TYPE) -> Response:
    return Response(json.dumps(document), status_code=status, media_type=media_type)
