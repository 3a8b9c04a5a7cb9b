"""WebFinger: resource parsing, JRD building, and lookups against a loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.client import make_client
from activitypub.fetch_errors import DiscoveryError, FetchGone, FetchStatusError
from activitypub.webfinger import (
    REL_PROFILE_PAGE,
    REL_SELF,
    REL_SUBSCRIBE,
    ResourceQuery,
    actor_id_from_jrd,
    build_jrd,
    lookup_actor_id,
    parse_handle,
    parse_resource,
    subscribe_template,
)
from tests.support.live_server import LiveServer, record, serve

# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "user", "host"),
    [
        ("acct:ana@example.org", "ana", "example.org"),
        ("acct:ana@127.0.0.1:8001", "ana", "127.0.0.1:8001"),
        ("@ana@127.0.0.1:8001", "ana", "127.0.0.1:8001"),
        ("ana@Quartier.Example", "ana", "quartier.example"),
        ("ACCT:ana.b-c_d@example.org", "ana.b-c_d", "example.org"),
        ("acct:ana@[::1]:8001", "ana", "[::1]:8001"),
        ("  @saint-malo@saint-malo.example  ", "saint-malo", "saint-malo.example"),
    ],
)
def test_parse_acct(resource: str, user: str, host: str) -> None:
    query = parse_resource(resource)
    assert query == ResourceQuery(kind="acct", user=user, host=host)
    assert query.resource == f"acct:{user}@{host}"


@pytest.mark.parametrize(
    ("resource", "host"),
    [
        ("https://example.org/users/ana", "example.org"),
        ("http://127.0.0.1:8001/users/ana", "127.0.0.1:8001"),
        ("https://example.org/", "example.org"),
    ],
)
def test_parse_url(resource: str, host: str) -> None:
    query = parse_resource(resource)
    assert query.kind == "url"
    assert query.host == host
    assert query.resource == resource


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "ana",
        "@ana",
        "acct:",
        "acct:@example.org",
        "acct:ana@",
        "ana@exa mple.org",
        "ana@example.org/path",
        "ana@example.org:99999",
        "ana@-bad-.org",
        "ana bob@example.org",
        "ftp://example.org/x",
        "https://",
        "https://user:pw@example.org/",
        "mailto:ana@example.org",
    ],
)
def test_parse_junk(junk: str) -> None:
    with pytest.raises(ValueError):
        parse_resource(junk)


def test_parse_handle() -> None:
    assert parse_handle("@ana@host:8001") == ("ana", "host:8001")
    assert parse_handle("acct:ana@example.org") == ("ana", "example.org")
    with pytest.raises(ValueError):
        parse_handle("https://example.org/users/ana")


# --- documents -----------------------------------------------------------------------------


def test_build_jrd_has_one_self_link() -> None:
    jrd = build_jrd(
        "acct:ana@quartier.example",
        actor_id="https://quartier.example/users/ana",
        aliases=[
            "https://quartier.example/@ana",
            "https://quartier.example/users/ana",
            "https://quartier.example/@ana",
        ],
        profile_url="https://quartier.example/@ana",
        subscribe_template="https://quartier.example/authorize_interaction?uri={uri}",
    )
    assert jrd["subject"] == "acct:ana@quartier.example"
    assert jrd["aliases"] == ["https://quartier.example/@ana", "https://quartier.example/users/ana"]
    selves = [link for link in jrd["links"] if link["rel"] == REL_SELF]
    assert selves == [
        {
            "rel": "self",
            "type": "application/activity+json",
            "href": "https://quartier.example/users/ana",
        }
    ]
    rels = [link["rel"] for link in jrd["links"]]
    assert rels == [REL_SELF, REL_PROFILE_PAGE, REL_SUBSCRIBE]
    assert actor_id_from_jrd(jrd) == "https://quartier.example/users/ana"


def test_build_minimal_jrd() -> None:
    jrd = build_jrd("acct:a@b.example", actor_id="https://b.example/a")
    assert jrd == {
        "subject": "acct:a@b.example",
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": "https://b.example/a"}
        ],
    }


def test_actor_id_skips_non_activitypub_self_links() -> None:
    jrd = {
        "subject": "acct:a@b.example",
        "links": [
            {"rel": "self", "type": "text/html", "href": "https://b.example/@a"},
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://b.example/users/a",
            },
        ],
    }
    assert actor_id_from_jrd(jrd) == "https://b.example/users/a"
    assert actor_id_from_jrd({"subject": "x", "links": "junk"}) is None


# --- lookups against a real server ---------------------------------------------------------


def webfinger_app(live: LiveServer) -> Starlette:
    def actor_url(user: str) -> str:
        return f"{live.base_url}/users/{user}"

    async def webfinger(request: Request) -> Response:
        await record(live, request)
        resource = request.query_params.get("resource", "")
        accounts = {
            f"acct:ana@127.0.0.1:{live.port}": "ana",
            actor_url("ana"): "ana",
            f"acct:bot@127.0.0.1:{live.port}": "bot",
        }
        if resource == f"acct:gone@127.0.0.1:{live.port}":
            return Response(status_code=410)
        user = accounts.get(resource)
        if user is None:
            return Response(status_code=404)
        if user == "bot":
            # No ActivityPub self link at all.
            jrd: dict[str, Any] = {
                "subject": resource,
                "links": [{"rel": "self", "type": "text/html", "href": actor_url("bot")}],
            }
        else:
            jrd = build_jrd(
                f"acct:{user}@127.0.0.1:{live.port}",
                actor_id=actor_url(user),
                subscribe_template=f"{live.base_url}/authorize_interaction?uri={{uri}}",
            )
        return JSONResponse(jrd, media_type="application/jrd+json")

    return Starlette(routes=[Route("/.well-known/webfinger", webfinger)])


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with serve(webfinger_app) as live:
        yield live


@pytest.fixture
async def client() -> Any:
    async with make_client(key_id=None, allow_private=True, user_agent="t") as http:
        yield http


async def test_lookup_handle_with_port(server: LiveServer, client) -> None:
    server.requests.clear()
    actor_id = await lookup_actor_id(client, f"@ana@127.0.0.1:{server.port}", scheme="http")
    assert actor_id == f"{server.base_url}/users/ana"
    [received] = server.requests
    assert received["url"].startswith(f"{server.base_url}/.well-known/webfinger?resource=acct")
    assert "application/jrd+json" in received["headers"]["accept"]


async def test_lookup_by_actor_url(server: LiveServer, client) -> None:
    actor_id = await lookup_actor_id(client, f"{server.base_url}/users/ana", scheme="http")
    assert actor_id == f"{server.base_url}/users/ana"


async def test_subscribe_template(server: LiveServer, client) -> None:
    template = await subscribe_template(client, f"ana@127.0.0.1:{server.port}", scheme="http")
    assert template == f"{server.base_url}/authorize_interaction?uri={{uri}}"
    assert await subscribe_template(client, f"bot@127.0.0.1:{server.port}", scheme="http") is None


async def test_lookup_without_activitypub_link(server: LiveServer, client) -> None:
    with pytest.raises(DiscoveryError):
        await lookup_actor_id(client, f"bot@127.0.0.1:{server.port}", scheme="http")


async def test_lookup_unknown_and_gone(server: LiveServer, client) -> None:
    with pytest.raises(FetchStatusError) as caught:
        await lookup_actor_id(client, f"nobody@127.0.0.1:{server.port}", scheme="http")
    assert caught.value.status_code == 404
    with pytest.raises(FetchGone):
        await lookup_actor_id(client, f"gone@127.0.0.1:{server.port}", scheme="http")


async def test_lookup_rejects_junk_before_any_request(client) -> None:
    with pytest.raises(ValueError):
        await lookup_actor_id(client, "not a handle")
