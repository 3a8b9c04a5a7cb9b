"""The error boundary on a running instance: every answer has a request id, every error
is answered in its route's format, and no body is read past its route's limit."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.routing import Route

from fedlocal.app import body_limit
from tests.support.asgi_calls import post_chunks
from tests.support.instance import running_instance

MIB = 2**20
AP = "application/activity+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, run_workers=False) as instance:
        yield instance


@pytest.fixture
async def http(inst):
    async with httpx.AsyncClient(base_url=inst.base_url, trust_env=False, timeout=10) as client:
        yield client


def add_route(inst, path: str, exception: BaseException) -> None:
    """A route that fails the way a bug would (routes are matched at request time)."""

    async def failing(request):
        raise exception

    inst.app.router.routes.insert(0, Route(path, failing, methods=["GET"]))


async def test_every_answer_carries_a_request_id(http) -> None:
    ids = set()
    for path in ("/", "/api/v1/instance", "/.well-known/nodeinfo", "/nope"):
        response = await http.get(path)
        ids.add(response.headers["x-request-id"])
    assert len(ids) == 4 and all(len(value) == 16 for value in ids)


async def test_a_browser_gets_a_page_and_a_peer_gets_json_for_an_unknown_path(http) -> None:
    page = await http.get("/nope", headers={"Accept": BROWSER, "Accept-Language": "fr"})
    script = await http.get("/nope", headers={"Accept": "*/*"})
    peer = await http.get("/nope", headers={"Accept": AP})
    api = await http.get("/api/v1/nope", headers={"Accept": BROWSER})

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text and "Page introuvable" in page.text
    assert script.status_code == 404 and script.headers["content-type"].startswith("text/html")
    assert peer.status_code == 404 and peer.json() == {"error": "not found"}
    assert api.status_code == 404 and api.json() == {"error": "not found"}


async def test_a_wrong_method_keeps_the_allow_header(http) -> None:
    response = await http.delete("/inbox")

    assert response.status_code == 405
    assert response.json() == {"error": "method not allowed"}
    assert "POST" in response.headers["allow"]


async def test_a_route_that_fails_is_answered_in_its_format_and_logged(inst, http, caplog):
    # Given routes that fail as bugs would, on a web path and on an API path
    add_route(inst, "/boom", RuntimeError("secret detail 42"))
    add_route(inst, "/api/v1/boom", RuntimeError("secret detail 42"))

    # When a browser and an app ask for them
    with caplog.at_level(logging.ERROR, logger="fedlocal.boundary.middleware"):
        page = await http.get("/boom", headers={"Accept": BROWSER, "Accept-Language": "en"})
        api = await http.get("/api/v1/boom")

    # Then each gets its own format, with the reference that leads to the log
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert page.headers["x-request-id"] in page.text
    assert "Something went wrong" in page.text and "secret detail" not in page.text
    assert api.status_code == 500
    assert api.json() == {
        "error": "something went wrong on our side",
        "request_id": api.headers["x-request-id"],
    }
    logged = [r for r in caplog.records if r.name == "fedlocal.boundary.middleware"]
    assert len(logged) == 2 and all(r.exc_info for r in logged)


async def test_malformed_data_is_a_bad_request_and_a_busy_database_a_503(inst, http) -> None:
    add_route(inst, "/api/v1/shape", KeyError("id"))
    add_route(inst, "/api/v1/deep", RecursionError())
    add_route(inst, "/api/v1/locked", OperationalError("UPDATE", {}, Exception("locked")))

    shape = await http.get("/api/v1/shape")
    deep = await http.get("/api/v1/deep")
    locked = await http.get("/api/v1/locked")

    assert (shape.status_code, deep.status_code) == (400, 400)
    assert locked.status_code == 503 and locked.headers["retry-after"] == "30"


async def test_oauth_errors_keep_oauths_shape(inst, http) -> None:
    response = await http.post(
        "/oauth/token", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# Bodies


async def asgi_post(inst, path: str, chunks, *, declared: int | None, content_type: str):
    """(status, body bytes pulled) of a POST handed to the app itself."""
    headers = {"Content-Type": content_type}
    if declared is not None:
        headers["Content-Length"] = str(declared)
    posted = await post_chunks(inst.app, path, chunks, headers)
    return posted.status, posted.pulled


ROUTES = [
    ("/api/v1/apps", "application/json"),
    ("/oauth/token", "application/x-www-form-urlencoded"),
    ("/inbox", "application/activity+json"),
    ("/actor/inbox", "application/activity+json"),
    ("/signup", "application/x-www-form-urlencoded"),
    ("/login", "application/x-www-form-urlencoded"),
]


async def test_a_declared_200_mb_body_is_refused_before_a_byte_is_read(inst) -> None:
    for path, content_type in ROUTES:
        chunks = (b"x" * 65536 for _ in range(3200))  # 200 MiB, if anyone pulled it
        status, pulled = await asgi_post(
            inst, path, chunks, declared=200 * MIB, content_type=content_type
        )

        assert (status, pulled) == (413, 0), path


async def test_a_streamed_body_stops_at_the_chunk_that_crosses_its_limit(inst) -> None:
    limit_of = body_limit(inst.config)
    for path, content_type in ROUTES:
        chunks = (b"x" * 65536 for _ in range(3200))
        status, pulled = await asgi_post(
            inst, path, chunks, declared=None, content_type=content_type
        )

        assert status == 413, path
        assert pulled <= limit_of(path) + 65536, (path, pulled)


async def test_a_lying_content_length_over_a_real_socket_is_refused_at_once(inst) -> None:
    url = urlsplit(inst.base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        b"POST /api/v1/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 209715200\r\n\r\n{"
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()

    assert status_line.startswith(b"HTTP/1.1 413")


def test_body_limits_follow_the_routes(tmp_path) -> None:
    from tests.support.instance import instance_config

    config = instance_config(tmp_path, 8000, max_body_bytes=2 * MIB, media_max_bytes=3 * MIB)
    limit = body_limit(config)
    assert limit("/inbox") == limit("/users/anne/inbox") == 2 * MIB
    assert limit("/api/v1/statuses") == limit("/oauth/token") == 256 * 1024
    assert limit("/users/anne/inbox/x") == limit("/login") == 256 * 1024
    # Forms taking pictures: their pictures and room for the other fields
    assert limit("/new/offer") == limit("/new/request") == 4 * 3 * MIB + 256 * 1024
    assert limit("/new/event") == 3 * MIB + 256 * 1024
    assert (
        limit("/settings/profile") == limit("/groups/jardins/pictures") == 2 * 3 * MIB + 256 * 1024
    )
    assert limit("/api/v1/media") == 3 * MIB + 256 * 1024
