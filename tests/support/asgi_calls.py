"""Calling an app's ASGI interface directly, body chunk by chunk: for tests that must
see exactly how much of a body the app pulls, or count only the app's own work."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Posted:
    status: int
    pulled: int  # body bytes the app read
    cpu_seconds: float  # process CPU while the app handled the request


async def post_chunks(app, path: str, chunks: Iterable[bytes], headers: dict[str, str]) -> Posted:
    """POST `chunks` to `path` of a started app, as a server would hand them over."""
    body = iter(chunks)
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    started = time.process_time()
    await app(scope, receive, send)
    return Posted(sent[0]["status"], pulled, time.process_time() - started)
