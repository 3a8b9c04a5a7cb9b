"""NodeInfo documents and discovery against a loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.client import make_client
from activitypub.fetch_errors import DiscoveryError
from activitypub.nodeinfo import (
    NODEINFO_CONTENT_TYPES,
    REL_APPLICATION,
    SCHEMA_20,
    SCHEMA_21,
    fetch_nodeinfo,
    find_instance_actor,
    nodeinfo_document,
    well_known_nodeinfo,
)
from tests.support.live_server import LiveServer, serve

USAGE = {
    "software_name": "fedlocal",
    "software_version": "0.1.0",
    "total_users": 12,
    "active_month": 5,
    "active_halfyear": 9,
    "local_posts": 140,
    "open_registrations": False,
    "metadata": {"nodeName": "Saint-Malo", "nodeDescription": "Le quartier"},
}


def test_well_known_links() -> None:
    index = well_known_nodeinfo(
        "https://saint-malo.example/", instance_actor_url="https://saint-malo.example/actor"
    )
    assert index == {
        "links": [
            {"rel": SCHEMA_20, "href": "https://saint-malo.example/nodeinfo/2.0"},
            {"rel": SCHEMA_21, "href": "https://saint-malo.example/nodeinfo/2.1"},
            {
                "rel": "https://www.w3.org/ns/activitystreams#Application",
                "href": "https://saint-malo.example/actor",
            },
        ]
    }


def test_document_21() -> None:
    document = nodeinfo_document(
        "2.1",
        repository="https://git.example/fedlocal",
        homepage="https://fedlocal.example",
        **USAGE,
    )
    assert document == {
        "version": "2.1",
        "software": {
            "name": "fedlocal",
            "version": "0.1.0",
            "repository": "https://git.example/fedlocal",
            "homepage": "https://fedlocal.example",
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {
            "users": {"total": 12, "activeMonth": 5, "activeHalfyear": 9},
            "localPosts": 140,
        },
        "metadata": {"nodeName": "Saint-Malo", "nodeDescription": "Le quartier"},
    }


def test_document_20_has_no_21_fields() -> None:
    document = nodeinfo_document("2.0", repository="https://git.example/f", **USAGE)
    assert document["version"] == "2.0"
    assert document["software"] == {"name": "fedlocal", "version": "0.1.0"}


@pytest.mark.parametrize("name", ["Fedlocal", "fed local", "fedlocal_x", ""])
def test_software_name_pattern(name: str) -> None:
    with pytest.raises(ValueError):
        nodeinfo_document("2.1", **{**USAGE, "software_name": name})


def test_unknown_version() -> None:
    with pytest.raises(ValueError):
        nodeinfo_document("3.0", **USAGE)  # type: ignore[arg-type]


def test_content_types() -> None:
    assert NODEINFO_CONTENT_TYPES["2.1"] == (
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    )
    assert NODEINFO_CONTENT_TYPES["2.0"].endswith('schema/2.0#"')


# --- discovery against a real server ---------------------------------------------------------


def nodeinfo_app(live: LiveServer) -> Starlette:
    async def well_known(request: Request) -> Response:
        return JSONResponse(
            well_known_nodeinfo(live.base_url, instance_actor_url=f"{live.base_url}/actor")
        )

    async def document(request: Request) -> Response:
        version = request.path_params["version"]
        body = nodeinfo_document(version, **USAGE)
        return JSONResponse(body, media_type=NODEINFO_CONTENT_TYPES[version])

    async def only_20(request: Request) -> Response:
        # Mastodon's shape: 2.0 only, no instance actor link.
        return JSONResponse(
            {"links": [{"rel": SCHEMA_20, "href": f"{live.base_url}/nodeinfo/2.0"}]}
        )

    async def relative(request: Request) -> Response:
        return JSONResponse({"links": [{"rel": SCHEMA_21 + "#", "href": "/nodeinfo/2.1"}]})

    async def nothing(request: Request) -> Response:
        return JSONResponse({"links": []})

    return Starlette(
        routes=[
            Route("/.well-known/nodeinfo", well_known),
            Route("/nodeinfo/{version}", document),
            Route("/mastodon/.well-known/nodeinfo", only_20),
            Route("/relative/.well-known/nodeinfo", relative),
            Route("/empty/.well-known/nodeinfo", nothing),
        ]
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with serve(nodeinfo_app) as live:
        yield live


@pytest.fixture
async def client() -> Any:
    async with make_client(key_id=None, allow_private=True, user_agent="t") as http:
        yield http


async def test_fetch_prefers_21(server: LiveServer, client) -> None:
    document = await fetch_nodeinfo(client, server.base_url)
    assert document["version"] == "2.1"
    assert document["software"]["name"] == "fedlocal"


async def test_fetch_falls_back_to_20(server: LiveServer, client) -> None:
    document = await fetch_nodeinfo(client, f"{server.base_url}/mastodon")
    assert document["version"] == "2.0"


async def test_fetch_relative_href_and_rel_spelling(server: LiveServer, client) -> None:
    document = await fetch_nodeinfo(client, f"{server.base_url}/relative")
    assert document["version"] == "2.1"


async def test_fetch_without_links(server: LiveServer, client) -> None:
    with pytest.raises(DiscoveryError):
        await fetch_nodeinfo(client, f"{server.base_url}/empty")


async def test_find_instance_actor(server: LiveServer, client) -> None:
    assert await find_instance_actor(client, server.base_url) == f"{server.base_url}/actor"
    assert await find_instance_actor(client, f"{server.base_url}/mastodon/") is None


def test_application_rel_is_fep_2677() -> None:
    assert REL_APPLICATION == "https://www.w3.org/ns/activitystreams#Application"
