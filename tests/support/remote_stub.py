"""A stub of a remote fediverse server, as Mastodon or GoToSocial look from our side.

It runs on loopback in the test's event loop and:
- hosts actors with real RSA keys; their documents come from the project's fixtures
  (`tests/fixtures/<software>/actor.json`) with ids on the stub's base URL. A GoToSocial
  actor also publishes its key at its own URL (`…/main-key`), as a stub actor document;
- serves objects (notes) at their ids, 404 for unknown paths, 410 for removed ones;
- answers WebFinger for its actors;
- records every request (`stub.requests`) and every POST to an inbox (`stub.received`);
- delivers signed activities to our inboxes (`await stub.deliver(...)`), signed the way
  Mastodon signs: `(request-target) host date digest content-type`, rsa-sha256.

Use it as `async with remote_stub() as stub:`; add actors with `stub.add_actor("alice")`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from activitypub import keys as key_codec
from activitypub.httpsig import parse_request_signature, sign_request, verify_parsed_signature

from .asgi_server import run_asgi
from .fixtures import load_fixture
from .live_server import ap_json, free_socket

AP_CONTENT_TYPE = "application/activity+json"
AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
USER_AGENTS = {
    "mastodon": "http.rb/5.1.1 (Mastodon/4.3.2; +{base}/)",
    "gotosocial": "gotosocial (+{base}) gotosocial/0.17.3",
}
SOFTWARES = tuple(USER_AGENTS)

# RSA keys shared by every stub of the session: generating one costs tens of milliseconds.
# Within one stub each actor (and each rotation) takes a key no other of its actors holds,
# and no key of ours: the generator is taken before the suite hands out keys in turn.
_KEY_POOL: list[Any] = []
_generate_rsa_key = key_codec.generate_rsa_key


def _pooled_key(index: int) -> Any:
    while len(_KEY_POOL) <= index:
        _KEY_POOL.append(_generate_rsa_key())
    return _KEY_POOL[index]


@dataclass
class Seen:
    """A request the stub answered."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class Received:
    """A POST to one of the stub's inboxes: `body` is the parsed JSON (None if unparsable)."""

    path: str
    query: str
    headers: dict[str, str]
    raw: bytes
    body: Any

    @property
    def type(self) -> str | None:
        return self.body.get("type") if isinstance(self.body, dict) else None


@dataclass
class StubActor:
    """An actor hosted by the stub, with its private key."""

    stub: RemoteStub
    username: str
    software: str
    private_key: Any
    published: bool = True
    gone: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    previous_key: Any = None

    @property
    def uri(self) -> str:
        return f"{self.stub.base_url}/users/{self.username}"

    @property
    def key_id(self) -> str:
        if self.software == "gotosocial":
            return f"{self.uri}/main-key"
        return f"{self.uri}#main-key"

    @property
    def inbox_url(self) -> str:
        return f"{self.uri}/inbox"

    @property
    def followers_url(self) -> str:
        return f"{self.uri}/followers"

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.stub.host}"

    @property
    def public_key_pem(self) -> str:
        return key_codec.public_key_to_pem(self.private_key.public_key())

    def document(self) -> dict[str, Any]:
        """The actor document as served now (with the current key and any overrides)."""
        document = self.fixture(f"{self.software}/actor.json", public_key_pem=self.public_key_pem)
        document.update(self.overrides)
        return document

    def key_document(self) -> dict[str, Any]:
        """GoToSocial's document at the key URL: a stub of the actor holding the key."""
        return self.fixture("gotosocial/main-key.json", public_key_pem=self.public_key_pem)

    def fixture(self, name: str, /, **values: Any) -> Any:
        """A fixture filled in for this actor (`{base}` and `{username}` are set)."""
        return load_fixture(name, base=self.stub.base_url, username=self.username, **values)

    def note(self, status_id: str, **fields: Any) -> dict[str, Any]:
        """A note by this actor (its software's `note.json`), not yet served."""
        document = self.fixture(f"{self.software}/note.json", status_id=status_id)
        document.update(fields)
        return document


class RemoteStub:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.actors: dict[str, StubActor] = {}
        self.objects: dict[str, dict[str, Any]] = {}
        self.gone_objects: set[str] = set()
        # Bodies served as they are (hostile or broken documents), by URL.
        self.raw_documents: dict[str, bytes] = {}
        # Files (pictures) by URL: their bytes and type, or a response made on request.
        self.files: dict[str, Callable[[], Response]] = {}
        self.requests: list[Seen] = []
        self.received: list[Received] = []
        # While set, every request gets 503 (a server that is down or overloaded).
        self.unavailable = False
        self.inbox_status = 202
        self.client = httpx.AsyncClient(timeout=10.0, trust_env=False)
        self._keys_taken = 0

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    # --- what the stub hosts --------------------------------------------------------------

    def add_actor(
        self,
        username: str,
        *,
        software: str = "mastodon",
        published: bool = True,
        **overrides: Any,
    ) -> StubActor:
        """Host a new actor with a fresh RSA key. `published=False` keeps its documents
        off the web (404), like a key nobody can fetch; `overrides` patch its document."""
        if software not in SOFTWARES:
            raise ValueError(f"unknown software {software!r}")
        actor = StubActor(
            stub=self,
            username=username,
            software=software,
            private_key=self._new_key(),
            published=published,
            overrides=overrides,
        )
        self.actors[username] = actor
        return actor

    def rotate_key(self, actor: StubActor) -> None:
        """Give `actor` a new key; its documents publish the new one from now on."""
        actor.previous_key = actor.private_key
        actor.private_key = self._new_key()

    def _new_key(self) -> Any:
        self._keys_taken += 1
        return _pooled_key(self._keys_taken - 1)

    def serve(self, document: dict[str, Any]) -> dict[str, Any]:
        """Serve `document` at its id (an URL on the stub)."""
        self.objects[document["id"]] = document
        self.gone_objects.discard(document["id"])
        return document

    def serve_raw(self, url: str, body: bytes) -> None:
        """Serve `body` at `url` as an ActivityStreams document, byte for byte."""
        self.raw_documents[url] = body

    def serve_file(self, path: str, body: bytes, content_type: str = "image/jpeg") -> str:
        """Serve `body` at `path` on the stub (a picture); its URL."""
        url = f"{self.base_url}{path}"
        self.files[url] = lambda: Response(body, media_type=content_type)
        return url

    def serve_endless(self, path: str, *, declared: int | None = None) -> str:
        """A "picture" that never ends (a stream of zeros, with a Content-Length of
        `declared` when given): a client must stop at its cap. Its URL."""

        async def zeros() -> AsyncIterator[bytes]:
            chunk = b"\xff\xd8\xff" + bytes(64 * 1024 - 3)
            for _ in range(100_000):  # 6 GiB at most: the test ends long before
                yield chunk

        headers = {"Content-Length": str(declared)} if declared is not None else None
        url = f"{self.base_url}{path}"
        self.files[url] = lambda: StreamingResponse(
            zeros(), media_type="image/jpeg", headers=headers
        )
        return url

    def remove(self, uri: str) -> None:
        """Stop serving `uri`: it answers 410 with a Tombstone from now on."""
        self.objects.pop(uri, None)
        self.gone_objects.add(uri)

    # --- what the stub saw ----------------------------------------------------------------

    def gets(self, url: str) -> int:
        """How many GETs reached `url` (query string ignored)."""
        path = urlsplit(url).path
        return sum(1 for seen in self.requests if seen.method == "GET" and seen.path == path)

    def received_of_type(self, kind: str) -> list[Received]:
        return [item for item in self.received if item.type == kind]

    async def signer_of(self, received: Received) -> str:
        """Verify a received POST's signature with the signer's published key (fetched
        over HTTP, as a real server would) and return the key's owner."""
        query = f"?{received.query}" if received.query else ""
        parsed = parse_request_signature(
            "POST", f"{self.base_url}{received.path}{query}", received.headers, received.raw
        )
        response = await self.client.get(
            urldefrag(parsed.key_id).url, headers={"Accept": AP_ACCEPT}
        )
        response.raise_for_status()
        document = response.json()
        for key in _as_list(document.get("publicKey")):
            if isinstance(key, dict) and key.get("id") == parsed.key_id:
                verify_parsed_signature(parsed, key_codec.load_public_key_pem(key["publicKeyPem"]))
                return key["owner"]
        raise AssertionError(f"{parsed.key_id} is not published by its document")

    # --- sending --------------------------------------------------------------------------

    async def deliver(
        self,
        actor: StubActor,
        target_inbox_url: str,
        activity: dict[str, Any] | bytes,
        *,
        tamper: Callable[[bytes], bytes] | None = None,
        date: datetime | None = None,
        sign: bool = True,
        key: Any = None,
        key_id: str | None = None,
        content_type: str = AP_CONTENT_TYPE,
        chunked: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST `activity` (a dict, or raw bytes sent as they are) to an inbox, signed by
        `actor` unless `sign` is false.

        `key` signs with another private key under the actor's key id (a forged or
        rotated-away key); `key_id` names another key; `date` backdates or postdates the
        signature; `tamper` changes the body after signing; `chunked` streams the body
        without a Content-Length; `headers` are added last and win.
        """
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        request_headers = {
            "Content-Type": content_type,
            "Accept": AP_ACCEPT,
            "User-Agent": USER_AGENTS[actor.software].format(base=self.base_url),
        }
        if sign:
            request_headers.update(
                sign_request(
                    "POST",
                    target_inbox_url,
                    request_headers,
                    body,
                    key_id=key_id or actor.key_id,
                    private_key=key or actor.private_key,
                    now=date.timestamp() if date else None,
                )
            )
        if tamper is not None:
            body = tamper(body)
        request_headers.update(headers or {})
        content: Any = _stream(body) if chunked else body
        return await self.client.post(target_inbox_url, content=content, headers=request_headers)

    # --- the web side ---------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])],
        )

    async def _handle(self, request: Request) -> Response:
        path = request.url.path
        query = request.url.query
        headers = dict(request.headers)
        self.requests.append(Seen(request.method, path, query, headers))
        if self.unavailable:
            return JSONResponse({"error": "service unavailable"}, status_code=503)
        if request.method == "POST":
            return await self._post(request, path, query, headers)
        if path == "/.well-known/webfinger":
            return self._webfinger(request.query_params.get("resource", ""))
        return self._get(path)

    async def _post(self, request: Request, path: str, query: str, headers) -> Response:
        if not path.endswith("/inbox"):
            return JSONResponse({"error": "not found"}, status_code=404)
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.received.append(Received(path, query, headers, raw, body))
        return Response(status_code=self.inbox_status)

    def _get(self, path: str) -> Response:
        url = f"{self.base_url}{path}"
        if url in self.raw_documents:
            return Response(self.raw_documents[url], media_type=AP_CONTENT_TYPE)
        if url in self.files:
            return self.files[url]()
        for actor in self.actors.values():
            if url not in (actor.uri, f"{actor.uri}/main-key"):
                continue
            if actor.gone:
                return ap_json(_tombstone(actor.uri), status=410)
            if not actor.published:
                break
            if url == actor.uri:
                return ap_json(actor.document())
            if actor.software == "gotosocial":
                return ap_json(actor.key_document())
        if url in self.objects:
            return ap_json(self.objects[url])
        if url in self.gone_objects:
            return ap_json(_tombstone(url), status=410)
        return JSONResponse({"error": "Record not found"}, status_code=404)

    def _webfinger(self, resource: str) -> Response:
        for actor in self.actors.values():
            if actor.published and resource in (f"acct:{actor.handle}", actor.uri):
                return JSONResponse(
                    {
                        "subject": f"acct:{actor.handle}",
                        "aliases": [actor.uri, f"{self.base_url}/@{actor.username}"],
                        "links": [
                            {
                                "rel": "http://webfinger.net/rel/profile-page",
                                "type": "text/html",
                                "href": f"{self.base_url}/@{actor.username}",
                            },
                            {"rel": "self", "type": AP_CONTENT_TYPE, "href": actor.uri},
                        ],
                    },
                    media_type="application/jrd+json",
                )
        return JSONResponse({"error": "not found"}, status_code=404)


def _tombstone(uri: str) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": uri, "type": "Tombstone"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


async def _stream(body: bytes, chunk_size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), chunk_size):
        yield body[start : start + chunk_size]


@contextlib.asynccontextmanager
async def remote_stub() -> AsyncIterator[RemoteStub]:
    """Serve a fresh stub on a free loopback port until the block ends."""
    sock = free_socket()
    stub = RemoteStub(f"http://127.0.0.1:{sock.getsockname()[1]}")
    try:
        async with run_asgi(stub.app(), sock, lifespan="off"):
            yield stub
    finally:
        await stub.client.aclose()
