"""The signed HTTP client: every request signed, every connection guarded, every body capped.

`make_client` assembles an `httpx.AsyncClient` whose transport refuses non-public
addresses (see `ssrf.py`) and whose auth signs each request. `fetch_json` follows
redirects itself, one signed request per hop, so authorized-fetch servers accept every hop
and each hop passes the SSRF guard; `post_activity` delivers to an inbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Generator, Iterable, Mapping
from typing import Any, Literal

import httpcore
import httpx

from .fetch_errors import (
    BadContentType,
    FetchError,
    FetchGone,
    FetchStatusError,
    FetchTransportError,
    IdMismatch,
    MalformedDocument,
    ResponseTooLarge,
    TooManyRedirects,
)
from .httpsig import sign_request
from .jsonutil import MalformedJSON, loads_bounded
from .keys import load_private_key_pem
from .ssrf import AllowPrivate, GuardedNetworkBackend, GuardedTransport, Resolver

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
AP_CONTENT_TYPE = "application/activity+json"
AP_LD_CONTENT_TYPE = f'application/ld+json; profile="{AS_PROFILE}"'
AP_CONTENT_TYPES: tuple[str, ...] = (AP_CONTENT_TYPE, AP_LD_CONTENT_TYPE)
AP_ACCEPT = f"{AP_CONTENT_TYPE}, {AP_LD_CONTENT_TYPE}"
JSON_CONTENT_TYPES: tuple[str, ...] = ("application/json", "application/jrd+json")

DEFAULT_MAX_BYTES = 1 << 20

# Headers a previous signing added; removed before re-signing so nothing stale survives.
_SIGNATURE_HEADERS = ("signature", "signature-input", "digest", "content-digest", "date")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Describe the wire framing of a body we re-wrap; they would mislead on the detached copy.
_FRAMING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


# --- media types -------------------------------------------------------------------------


def _parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split `type/subtype; k=v; k2="v 2"` into a lower-cased type and its parameters."""
    media, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for item in rest.split(";"):
        key, sep, val = item.partition("=")
        if not sep:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1].replace('\\"', '"')
        params[key.strip().lower()] = val
    return media.strip().lower(), params


def _matches(content_type: str, allowed: str) -> bool:
    # A parameter named in the allowed type must be present; `profile` is a space-separated
    # list of IRIs and matches when it contains the allowed one.
    media, params = _parse_media_type(content_type)
    want_media, want_params = _parse_media_type(allowed)
    if media != want_media:
        return False
    for key, want in want_params.items():
        have = params.get(key)
        if have is None:
            return False
        if key == "profile":
            if want not in have.split():
                return False
        elif have.lower() != want.lower():
            return False
    return True


def media_type_allowed(content_type: str | None, allowed: Iterable[str]) -> bool:
    """True if `content_type` matches one of `allowed` (parameters there are required)."""
    if not content_type:
        return False
    return any(_matches(content_type, entry) for entry in allowed)


def is_activitypub_media_type(content_type: str | None) -> bool:
    """True for `application/activity+json` and `application/ld+json` with the AS profile."""
    return media_type_allowed(content_type, AP_CONTENT_TYPES)


def _quality(params: Mapping[str, str]) -> float:
    try:
        return float(params.get("q", "1"))
    except ValueError:
        return 0.0


def accepts_activitypub(accept_header: str | None) -> bool:
    """True if an Accept header finds any ActivityPub type acceptable (q > 0).

    `application/ld+json` counts with no profile or with the AS profile. Wildcards do not
    count, so browsers (`text/html, */*`) get HTML.
    """
    if not accept_header:
        return False
    for entry in accept_header.split(","):
        media, params = _parse_media_type(entry)
        if _quality(params) <= 0:
            continue
        if media == AP_CONTENT_TYPE:
            return True
        if media == "application/ld+json":
            profile = params.get("profile")
            if profile is None or AS_PROFILE in profile.split():
                return True
    return False


# --- signing -----------------------------------------------------------------------------


class HttpSignatureAuth(httpx.Auth):
    """Signs every request (GET and POST) with the given key, draft-cavage or RFC 9421.

    `private_key` is the key, or its PEM: parsed at the first request signed, so that a
    process that has signed nothing yet has not loaded cryptography (activitypub/keys.py).
    """

    requires_request_body = True

    def __init__(
        self,
        key_id: str,
        private_key: Any,
        *,
        scheme: Literal["cavage", "rfc9421"] = "cavage",
    ) -> None:
        self.key_id = key_id
        self.private_key = private_key
        self.scheme = scheme

    def sign(self, request: httpx.Request) -> None:
        """Add (or replace) the signature headers on `request`."""
        if isinstance(self.private_key, str | bytes):
            self.private_key = load_private_key_pem(self.private_key)
        for name in _SIGNATURE_HEADERS:
            request.headers.pop(name, None)
        body = request.content
        added = sign_request(
            request.method,
            str(request.url),
            request.headers,
            body if body or request.method in _BODY_METHODS else None,
            key_id=self.key_id,
            private_key=self.private_key,
            scheme=self.scheme,
        )
        for name, value in added.items():
            request.headers[name] = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request


# --- the client --------------------------------------------------------------------------

# Idle connections kept open for reuse, all hosts together (httpx's default).
KEEPALIVE_CONNECTIONS = 20


def make_client(
    *,
    key_id: str | None,
    private_key: Any = None,
    allow_private: AllowPrivate = False,
    timeout: float = 10.0,
    user_agent: str,
    max_redirects: int = 2,
    scheme: Literal["cavage", "rfc9421"] = "cavage",
    resolver: Resolver | None = None,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
    max_connections: int = 100,
) -> httpx.AsyncClient:
    """Build the signed, SSRF-guarded client.

    Without `key_id` requests go unsigned. `allow_private` lets the SSRF guard through to
    every non-public address (True) or to those inside the given networks (CIDR strings or
    `ip_network`s; see `ssrf.GuardedNetworkBackend`). `max_redirects` is what `fetch_json`
    allows; the client itself does not follow redirects unless a caller asks per request.
    `resolver` and `network_backend` replace DNS and the socket layer below the guard
    (tests only). `max_connections` bounds the connections open at once, all hosts
    together: a request beyond it waits for one to free, up to the timeout.
    """
    auth = None
    if key_id is not None:
        if private_key is None:
            raise ValueError("a key_id needs its private_key")
        auth = HttpSignatureAuth(key_id, private_key, scheme=scheme)
    backend = GuardedNetworkBackend(
        allow_private=allow_private, resolver=resolver, inner=network_backend
    )
    return httpx.AsyncClient(
        transport=GuardedTransport(
            backend,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=KEEPALIVE_CONNECTIONS
            ),
        ),
        auth=auth,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        max_redirects=max_redirects,
        # Environment proxies would route requests around the guarded transport.
        trust_env=False,
        headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
    )


def _check_target(url: httpx.URL, original: str) -> None:
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchError(f"not an http(s) URL: {url}", url=original)


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"response declares {declared} bytes (cap {max_bytes})", url=url)
    # We ask for identity; a server compressing anyway could inflate past the cap in one
    # chunk inside httpx's decoder, so such bodies are refused rather than decoded.
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise MalformedDocument(f"unrequested Content-Encoding {encoding!r}", url=url)
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_raw():
        total += len(chunk)
        if total > max_bytes:
            raise ResponseTooLarge(f"response exceeds {max_bytes} bytes", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status == 410:
        raise FetchGone(f"{url} is gone (410)", url=url, status_code=status)
    if not 200 <= status < 300:
        raise FetchStatusError(f"{url} answered {status}", url=url, status_code=status)


async def _get_capped(
    client: httpx.AsyncClient,
    url: str,
    accept: str,
    allowed_types: Collection[str],
    max_bytes: int,
) -> tuple[str, str, bytes]:
    """(final URL, content type, body) of a GET, redirects followed one hop at a time
    (each checked and signed), the type checked before the body is read under its cap."""
    target = httpx.URL(url)
    for _hop in range(client.max_redirects + 1):
        _check_target(target, url)
        request = client.build_request("GET", target, headers={"Accept": accept})
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            # httpx leaves the resolved next hop on the response when it does not follow.
            if response.next_request is not None:
                target = response.next_request.url
                continue
            final = str(response.url)
            _raise_for_status(response, final)
            content_type = response.headers.get("content-type", "")
            if not media_type_allowed(content_type, allowed_types):
                raise BadContentType(
                    f"{final} answered Content-Type {content_type!r}",
                    url=final,
                    content_type=content_type,
                )
            return final, content_type, await _read_capped(response, final, max_bytes)
        finally:
            await response.aclose()
    raise TooManyRedirects(f"more than {client.max_redirects} redirects", url=url)


async def _fetch_json(
    client: httpx.AsyncClient,
    url: str,
    accept: str,
    allowed_types: Collection[str],
    max_bytes: int,
    check_id: bool,
) -> dict[str, Any]:
    final, _type, body = await _get_capped(client, url, accept, allowed_types, max_bytes)
    try:
        document = loads_bounded(body)
    except MalformedJSON as exc:
        raise MalformedDocument(str(exc), url=final) from None
    if not isinstance(document, dict):
        raise MalformedDocument("JSON document is not an object", url=final)
    if check_id and document.get("id") != final:
        raise IdMismatch(
            f"document id {document.get('id')!r} differs from {final}",
            url=final,
            document_id=document.get("id"),
        )
    return document


async def fetch_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    accept: str = AP_ACCEPT,
    allowed_types: Collection[str] = AP_CONTENT_TYPES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    check_id: bool = True,
    deadline: float = 30.0,
) -> dict[str, Any]:
    """GET a JSON document with signed requests, redirects, caps and checks.

    Follows up to `client.max_redirects` redirects, signing each hop. Raises
    `ResponseTooLarge` past `max_bytes`, `FetchGone` on 410, `FetchStatusError` on other
    non-2xx, `BadContentType` unless the type matches `allowed_types` (parameters named
    there, such as the AS `profile`, are required), `MalformedDocument` for a body that is
    not a JSON object, `IdMismatch` when `check_id` and `id` differs from the final URL,
    `ForbiddenAddress` from the SSRF guard, and `FetchTransportError` for network failures
    or when the whole exchange outlasts `deadline` seconds.
    """
    try:
        async with asyncio.timeout(deadline):
            return await _fetch_json(client, url, accept, allowed_types, max_bytes, check_id)
    except TimeoutError:
        raise FetchTransportError(f"fetching {url} took over {deadline}s", url=url) from None
    except httpx.TransportError as exc:
        raise FetchTransportError(f"fetching {url}: {exc!r}", url=url) from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}", url=url) from exc


# What a picture may be served as (the bytes are judged again by the caller); some
# object stores serve everything as octet-stream.
IMAGE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/gif",
    "image/avif",
    "application/octet-stream",
)


async def fetch_media(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    deadline: float = 30.0,
) -> bytes:
    """GET a picture with the same guard, signatures, redirects and cap as `fetch_json`:
    `ResponseTooLarge` past `max_bytes` (declared or streamed), `BadContentType` for a
    type that is not an image, `FetchTransportError` past `deadline` seconds."""
    try:
        async with asyncio.timeout(deadline):
            _final, _type, body = await _get_capped(
                client, url, "image/webp,image/jpeg,image/png,image/*;q=0.8", IMAGE_TYPES, max_bytes
            )
            return body
    except TimeoutError:
        raise FetchTransportError(f"fetching {url} took over {deadline}s", url=url) from None
    except httpx.TransportError as exc:
        raise FetchTransportError(f"fetching {url}: {exc!r}", url=url) from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}", url=url) from exc


async def post_activity(
    client: httpx.AsyncClient,
    inbox_url: str,
    body: bytes,
    *,
    auth: httpx.Auth | None = None,
    deadline: float = 30.0,
    max_response_bytes: int = 64 * 1024,
) -> httpx.Response:
    """POST an activity to an inbox and return the response, whatever its status.

    The body is sent as `application/activity+json` and signed by `auth` (the sending
    actor's `HttpSignatureAuth`), or by the client's own auth when `auth` is None.
    Redirects are not followed. The returned response is already read; its body is cut at
    `max_response_bytes` (an inbox has nothing large to say). Transport failures raise
    `FetchTransportError`, a refused address `ForbiddenAddress`.
    """
    headers = {"Content-Type": AP_CONTENT_TYPE, "Accept": AP_ACCEPT}
    return await post_bytes(
        client,
        inbox_url,
        body,
        headers=headers,
        auth=auth,
        deadline=deadline,
        max_response_bytes=max_response_bytes,
    )


async def post_bytes(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    auth: httpx.Auth | None = None,
    deadline: float = 30.0,
    max_response_bytes: int = 64 * 1024,
) -> httpx.Response:
    """POST `body` with `headers` (a Web Push message, an activity…) through the
    client's guard, as `post_activity` does: no redirects, the answer read under
    `max_response_bytes`, failures as `FetchTransportError` or `ForbiddenAddress`."""
    inbox_url = url
    target = httpx.URL(inbox_url)
    _check_target(target, inbox_url)
    try:
        async with asyncio.timeout(deadline):
            request = client.build_request("POST", target, content=body, headers=dict(headers))
            response = await client.send(
                request,
                stream=True,
                follow_redirects=False,
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
            )
            try:
                head = bytearray()
                async for chunk in response.aiter_raw():
                    head += chunk[: max_response_bytes - len(head)]
                    if len(head) >= max_response_bytes:
                        break
            finally:
                await response.aclose()
    except TimeoutError:
        raise FetchTransportError(
            f"posting to {inbox_url} took over {deadline}s", url=inbox_url
        ) from None
    except httpx.TransportError as exc:
        raise FetchTransportError(f"posting to {inbox_url}: {exc!r}", url=inbox_url) from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL {inbox_url!r}: {exc}", url=inbox_url) from exc
    # A detached copy: readable by the caller, no connection held open.
    headers_out = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in _FRAMING_HEADERS
    ]
    return httpx.Response(
        response.status_code,
        headers=headers_out,
        content=bytes(head),
        request=response.request,
    )
