"""The signed client against a real loopback server: signing, caps, checks, redirects."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from activitypub.client import (
    AP_ACCEPT,
    AP_CONTENT_TYPE,
    JSON_CONTENT_TYPES,
    HttpSignatureAuth,
    accepts_activitypub,
    fetch_json,
    is_activitypub_media_type,
    make_client,
    post_activity,
)
from activitypub.fetch_errors import (
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
from activitypub.httpsig import parse_request_signature, verify_parsed_signature
from activitypub.keys import generate_rsa_key
from tests.support.live_server import LiveServer, ap_json, record, serve

AS = "https://www.w3.org/ns/activitystreams"
AP_LD = f'application/ld+json; profile="{AS}"'
KEY_ID = "https://fedlocal.test/actor#main-key"
MiB = 1 << 20


# --- the app for this module ---------------------------------------------------------------


def client_app(live: LiveServer) -> Starlette:
    async def note(request: Request) -> Response:
        await record(live, request)
        return ap_json({"@context": AS, "id": str(request.url), "type": "Note"})

    async def typed(request: Request) -> Response:
        media_type = request.query_params["type"]
        body = json.dumps({"id": str(request.url), "type": "Note"})
        return Response(body, headers={"content-type": media_type})

    async def mismatch(request: Request) -> Response:
        return ap_json({"id": "https://elsewhere.example/note", "type": "Note"})

    async def status(request: Request) -> Response:
        code = int(request.path_params["code"])
        return ap_json({"error": "no"}, status=code)

    async def big(request: Request) -> Response:
        size = int(request.query_params["size"])

        async def chunks():
            remaining = size
            while remaining:
                part = min(remaining, 64 * 1024)
                remaining -= part
                yield b" " * part

        return StreamingResponse(chunks(), media_type=AP_CONTENT_TYPE)

    async def padded(request: Request) -> Response:
        # A valid document of exactly `size` bytes.
        size = int(request.query_params["size"])
        skeleton = json.dumps({"id": str(request.url), "pad": ""})
        body = json.dumps({"id": str(request.url), "pad": "x" * (size - len(skeleton))})
        assert len(body) == size
        return Response(body, media_type=AP_CONTENT_TYPE)

    async def redirect(request: Request) -> Response:
        await record(live, request)
        hops = int(request.path_params["hops"])
        target = "/note" if hops == 0 else f"/redirect/{hops - 1}"
        return RedirectResponse(target, status_code=302)

    async def gzipped(request: Request) -> Response:
        body = gzip.compress(json.dumps({"id": str(request.url)}).encode())
        return Response(body, media_type=AP_CONTENT_TYPE, headers={"content-encoding": "gzip"})

    async def deep(request: Request) -> Response:
        return Response(b"[" * 100_000 + b"]" * 100_000, media_type=AP_CONTENT_TYPE)

    async def array(request: Request) -> Response:
        return ap_json([1, 2, 3])

    async def slow(request: Request) -> Response:
        await asyncio.sleep(1.5)
        return ap_json({"id": str(request.url)})

    async def inbox(request: Request) -> Response:
        await record(live, request)
        code = int(request.query_params.get("status", "202"))
        return Response(b"", status_code=code)

    return Starlette(
        routes=[
            Route("/note", note),
            Route("/typed", typed),
            Route("/mismatch", mismatch),
            Route("/status/{code}", status),
            Route("/big", big),
            Route("/padded", padded),
            Route("/redirect/{hops}", redirect),
            Route("/gzip", gzipped),
            Route("/deep", deep),
            Route("/array", array),
            Route("/slow", slow),
            Route("/inbox", inbox, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with serve(client_app) as live:
        yield live


@pytest.fixture(scope="module")
def rsa_key():
    return generate_rsa_key()


@pytest.fixture
async def client(rsa_key) -> Any:
    async with make_client(
        key_id=KEY_ID, private_key=rsa_key, allow_private=True, user_agent="fedlocal-test/1"
    ) as signed:
        yield signed


def verify_recorded(recorded: dict[str, Any], public_key: Any) -> None:
    parsed = parse_request_signature(
        recorded["method"], recorded["url"], recorded["headers"], recorded["body"] or None
    )
    assert parsed.key_id == KEY_ID
    verify_parsed_signature(parsed, public_key)


# --- signing -------------------------------------------------------------------------------


async def test_signed_get_verifies(server: LiveServer, client, rsa_key) -> None:
    server.requests.clear()
    document = await fetch_json(client, f"{server.base_url}/note")
    assert document["type"] == "Note"
    [received] = server.requests
    assert "signature" in received["headers"]
    assert received["headers"]["accept"] == AP_ACCEPT
    assert received["headers"]["user-agent"] == "fedlocal-test/1"
    verify_recorded(received, rsa_key.public_key())


async def test_signed_post_verifies_with_digest(server: LiveServer, client, rsa_key) -> None:
    server.requests.clear()
    body = json.dumps({"@context": AS, "type": "Follow", "id": "https://a.example/1"}).encode()
    response = await post_activity(client, f"{server.base_url}/inbox", body)
    assert response.status_code == 202
    [received] = server.requests
    assert received["body"] == body
    assert received["headers"]["content-type"] == AP_CONTENT_TYPE
    assert "digest" in received["headers"]
    verify_recorded(received, rsa_key.public_key())


async def test_rfc9421_scheme_signs_and_verifies(server: LiveServer, rsa_key) -> None:
    server.requests.clear()
    async with make_client(
        key_id=KEY_ID,
        private_key=rsa_key,
        allow_private=True,
        user_agent="t",
        scheme="rfc9421",
    ) as signed:
        await post_activity(signed, f"{server.base_url}/inbox", b'{"type":"Like"}')
    [received] = server.requests
    assert "signature-input" in received["headers"]
    assert "content-digest" in received["headers"]
    verify_recorded(received, rsa_key.public_key())


async def test_every_redirect_hop_is_signed_anew(server: LiveServer, client, rsa_key) -> None:
    server.requests.clear()
    document = await fetch_json(client, f"{server.base_url}/redirect/1")
    assert document["id"] == f"{server.base_url}/note"
    assert [r["url"].removeprefix(server.base_url) for r in server.requests] == [
        "/redirect/1",
        "/redirect/0",
        "/note",
    ]
    for received in server.requests:
        verify_recorded(received, rsa_key.public_key())


async def test_auth_replaces_stale_signature_headers(rsa_key) -> None:
    request = httpx.Request("GET", "https://remote.example/x", headers={"Digest": "stale"})
    HttpSignatureAuth(KEY_ID, rsa_key).sign(request)
    assert "digest" not in request.headers
    assert "signature" in request.headers


async def test_unsigned_client_sends_no_signature(server: LiveServer) -> None:
    server.requests.clear()
    async with make_client(key_id=None, allow_private=True, user_agent="t") as unsigned:
        await fetch_json(unsigned, f"{server.base_url}/note")
    assert "signature" not in server.requests[0]["headers"]


def test_key_id_without_key_is_refused() -> None:
    with pytest.raises(ValueError):
        make_client(key_id=KEY_ID, user_agent="t")


# --- body cap, status, content type, id ----------------------------------------------------


async def test_default_cap_is_one_mebibyte(server: LiveServer, client) -> None:
    with pytest.raises(ResponseTooLarge):
        await fetch_json(client, f"{server.base_url}/big?size={MiB + 1}")
    document = await fetch_json(client, f"{server.base_url}/padded?size={MiB}", check_id=False)
    assert len(document["pad"]) > MiB - 100


async def test_cap_is_exact(server: LiveServer, client) -> None:
    url = f"{server.base_url}/padded?size=500"
    assert await fetch_json(client, url, max_bytes=500, check_id=False)
    with pytest.raises(ResponseTooLarge):
        await fetch_json(client, url, max_bytes=499, check_id=False)


async def test_declared_length_over_cap_refused(server: LiveServer, client) -> None:
    with pytest.raises(ResponseTooLarge):
        await fetch_json(client, f"{server.base_url}/padded?size=5000", max_bytes=100)


@pytest.mark.parametrize(
    "media_type",
    [
        "application/activity+json",
        "application/activity+json; charset=utf-8",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        'application/ld+json;profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json; profile=https://www.w3.org/ns/activitystreams",
        'Application/LD+JSON ; charset=utf-8 ; profile="https://example.org/p '
        'https://www.w3.org/ns/activitystreams"',
    ],
)
async def test_activitypub_content_types_accepted(server: LiveServer, client, media_type) -> None:
    url = str(httpx.URL(f"{server.base_url}/typed", params={"type": media_type}))
    document = await fetch_json(client, url)
    assert document["type"] == "Note"


@pytest.mark.parametrize(
    "media_type",
    [
        "application/json",
        "application/ld+json",
        'application/ld+json; profile="https://example.org/other"',
        "text/html; charset=utf-8",
        "application/activity+jsonx",
    ],
)
async def test_other_content_types_refused(server: LiveServer, client, media_type) -> None:
    url = str(httpx.URL(f"{server.base_url}/typed", params={"type": media_type}))
    with pytest.raises(BadContentType) as caught:
        await fetch_json(client, url)
    assert caught.value.content_type == media_type


async def test_json_types_for_discovery_callers(server: LiveServer, client) -> None:
    url = str(httpx.URL(f"{server.base_url}/typed", params={"type": "application/json"}))
    document = await fetch_json(client, url, allowed_types=JSON_CONTENT_TYPES, check_id=False)
    assert document["type"] == "Note"


async def test_id_mismatch(server: LiveServer, client) -> None:
    with pytest.raises(IdMismatch) as caught:
        await fetch_json(client, f"{server.base_url}/mismatch")
    assert caught.value.document_id == "https://elsewhere.example/note"
    assert await fetch_json(client, f"{server.base_url}/mismatch", check_id=False)


async def test_gone(server: LiveServer, client) -> None:
    with pytest.raises(FetchGone) as caught:
        await fetch_json(client, f"{server.base_url}/status/410")
    assert caught.value.status_code == 410


@pytest.mark.parametrize("code", [401, 404, 500])
async def test_error_status(server: LiveServer, client, code) -> None:
    with pytest.raises(FetchStatusError) as caught:
        await fetch_json(client, f"{server.base_url}/status/{code}")
    assert caught.value.status_code == code
    assert not isinstance(caught.value, FetchGone)


async def test_redirects_capped(server: LiveServer, client) -> None:
    # The client allows two redirects: /redirect/1 takes two, /redirect/2 three.
    assert await fetch_json(client, f"{server.base_url}/redirect/1")
    with pytest.raises(TooManyRedirects):
        await fetch_json(client, f"{server.base_url}/redirect/2")


async def test_unrequested_compression_refused(server: LiveServer, client) -> None:
    with pytest.raises(MalformedDocument):
        await fetch_json(client, f"{server.base_url}/gzip")


@pytest.mark.parametrize("path", ["/deep", "/array"])
async def test_malformed_documents(server: LiveServer, client, path) -> None:
    with pytest.raises(MalformedDocument):
        await fetch_json(client, f"{server.base_url}{path}")


async def test_read_timeout_is_transport_error(server: LiveServer, rsa_key) -> None:
    async with make_client(
        key_id=None, allow_private=True, user_agent="t", timeout=0.2
    ) as impatient:
        with pytest.raises(FetchTransportError):
            await fetch_json(impatient, f"{server.base_url}/slow")


async def test_overall_deadline(server: LiveServer, client) -> None:
    with pytest.raises(FetchTransportError):
        await fetch_json(client, f"{server.base_url}/slow", deadline=0.2)


async def test_connection_refused_is_transport_error(client) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(FetchTransportError):
        await fetch_json(client, f"http://127.0.0.1:{port}/note")
    with pytest.raises(FetchTransportError):
        await post_activity(client, f"http://127.0.0.1:{port}/inbox", b"{}")


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "/relative"])
async def test_non_http_urls_refused(client, url) -> None:
    with pytest.raises(FetchError):
        await fetch_json(client, url)


async def test_post_returns_error_statuses(server: LiveServer, client) -> None:
    response = await post_activity(client, f"{server.base_url}/inbox?status=500", b"{}")
    assert response.status_code == 500
    response = await post_activity(client, f"{server.base_url}/inbox?status=401", b"{}")
    assert response.status_code == 401
    assert response.content == b""


# --- media types and content negotiation ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/activity+json", True),
        (AP_LD, True),
        ('application/ld+json ;profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/ld+json", False),
        ("application/json", False),
        ("", False),
        (None, False),
    ],
)
def test_is_activitypub_media_type(value, expected) -> None:
    assert is_activitypub_media_type(value) is expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (AP_ACCEPT, True),
        ("application/activity+json", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/ld+json", True),
        ('application/ld+json; profile="https://example.org/x"', False),
        # What Mastodon sends for statuses: JSON wins even with HTML listed.
        ("application/activity+json, application/ld+json, text/html;q=0.1", True),
        ("text/html, application/activity+json;q=0.1", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/activity+json;q=0", False),
        ("application/activity+json; q=0.0, text/html", False),
        ("*/*", False),
        ("application/json", False),
        ("", False),
        (None, False),
    ],
)
def test_accepts_activitypub(accept, expected) -> None:
    assert accepts_activitypub(accept) is expected
