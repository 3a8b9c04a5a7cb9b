"""A loopback inbox for delivery tests: it answers a programmed sequence of statuses,
records every POST exactly as received, and checks the HTTP signature on what it got.

It runs in the test's own event loop (`run_asgi`), so a test can drive the delivery
worker and read `received` without any thread hand-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub import keys as key_codec
from activitypub.httpsig import ParsedSignature, parse_request_signature, verify_parsed_signature
from fedlocal.store import Database
from fedlocal.store import actors as actor_store

from .asgi_server import run_asgi

AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@dataclass(frozen=True)
class ReceivedPost:
    """One POST as it arrived: header names are lower-case, the body is the raw bytes."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def json(self) -> Any:
        return json.loads(self.body)


class RecordingInbox:
    """Answers POSTs on any path with the next programmed status, then with `then`."""

    def __init__(self, statuses: Iterable[int] = (), *, then: int = 202):
        self._statuses: deque[int] = deque(statuses)
        self.then = then
        self.received: list[ReceivedPost] = []
        self.base_url = ""
        # While `gate` is clear, requests are held open (a hanging or slow host);
        # `in_flight`/`most_in_flight` count the requests held at once.
        self.gate = asyncio.Event()
        self.gate.set()
        self.in_flight = 0
        self.most_in_flight = 0
        self.app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])

    def answer(self, *statuses: int) -> None:
        """Queue more statuses to answer, in order, before falling back to `then`."""
        self._statuses.extend(statuses)

    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`: the domain our store and circuit breaker know this host by."""
        return urlsplit(self.base_url).netloc

    @property
    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    def personal_inbox(self, username: str) -> str:
        return f"{self.base_url}/users/{username}/inbox"

    def actor_uri(self, username: str) -> str:
        return f"{self.base_url}/users/{username}"

    def posts_to(self, inbox_url: str) -> list[ReceivedPost]:
        return [post for post in self.received if post.url == inbox_url]

    def activities(self) -> list[dict[str, Any]]:
        return [post.json() for post in self.received]

    def hang(self) -> None:
        """Hold every request from now on until `release()`."""
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.gate.wait()
        finally:
            self.in_flight -= 1
        status = self._statuses.popleft() if self._statuses else self.then
        self.received.append(
            ReceivedPost(
                method=request.method,
                url=str(request.url),
                headers={name.lower(): value for name, value in request.headers.items()},
                body=body,
                answered=status,
            )
        )
        if 200 <= status < 300:
            return Response(status_code=status)
        return JSONResponse({"error": f"programmed {status}"}, status_code=status)


@contextlib.asynccontextmanager
async def recording_inbox(
    statuses: Iterable[int] = (), *, then: int = 202, sock: socket.socket | None = None
) -> AsyncIterator[RecordingInbox]:
    """Serve a RecordingInbox on loopback (on `sock` if given) until the block ends."""
    inbox = RecordingInbox(statuses, then=then)
    async with run_asgi(inbox.app, sock, lifespan="off") as base_url:
        inbox.base_url = base_url
        yield inbox


def verify_signature(post: ReceivedPost, public_key_pem: str) -> ParsedSignature:
    """Check the request's signature (and body digest) with the sender's public key.

    Raises `activitypub.errors.SignatureError` when it does not verify.
    """
    parsed = parse_request_signature(post.method, post.url, post.headers, post.body)
    verify_parsed_signature(parsed, key_codec.load_public_key_pem(public_key_pem))
    return parsed


async def public_key_from_actor(key_id: str) -> str:
    """The PEM of `key_id`, read from its actor document over HTTP, as a peer would."""
    actor_url = urldefrag(key_id).url
    async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
        response = await client.get(actor_url, headers={"Accept": AP_ACCEPT})
    response.raise_for_status()
    document = response.json()
    key = document["publicKey"]
    if key["id"] != key_id or key["owner"] != document["id"]:
        raise AssertionError(f"{actor_url} does not publish the key {key_id}")
    return key["publicKeyPem"]


async def public_key_from_store(db: Database, key_id: str) -> str:
    """The PEM of one of our own keys, read from the store."""
    async with db.read() as conn:
        key = await actor_store.get_key(conn, key_id)
    if key is None:
        raise AssertionError(f"no key {key_id} in the store")
    return key.public_pem
