"""`allow_private` as networks: the guard lets through the non-public addresses inside
them and nothing else of the private ranges; `True` still lets everything through."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

import httpcore
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activitypub.client import fetch_json, make_client
from activitypub.fetch_errors import ForbiddenAddress
from activitypub.ssrf import GuardedNetworkBackend, is_allowed_ip, parse_networks
from tests.support.live_server import LiveServer, ap_json, serve

LOOPBACK = ["127.0.0.0/8", "::1/128"]
HOST = "peer.example"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    def app(live: LiveServer) -> Starlette:
        async def note(request: Request) -> Response:
            return ap_json({"id": str(request.url), "type": "Note"})

        return Starlette(routes=[Route("/note", note)])

    with serve(app) as live:
        yield live


class AnyAddressToLoopback(httpcore.AsyncNetworkBackend):
    """Below the guard: whatever address it is given, connects to the loopback server.

    Records the addresses, so a test can tell what the guard let through.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.connected: list[str] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        return await self._real.connect_tcp("127.0.0.1", self.port, timeout=timeout)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ASYNC109
        raise AssertionError("the guard let a unix socket through")

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


async def fetch_via(server: LiveServer, addresses: list[str], allow_private: Any) -> list[str]:
    """Fetch a note from HOST resolving to `addresses`; return what was connected to."""
    inner = AnyAddressToLoopback(server.port)

    async def resolve(host: str, port: int) -> list[str]:
        assert host == HOST
        return addresses

    async with make_client(
        key_id=None,
        user_agent="t",
        allow_private=allow_private,
        resolver=resolve,
        network_backend=inner,
    ) as client:
        url = f"http://{HOST}:{server.port}/note"
        assert (await fetch_json(client, url))["id"] == url
    return inner.connected


# --- the policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),  # reaches 127.0.0.1
        ("93.184.216.34", True),  # public: never needed a network
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("::ffff:10.0.0.1", False),  # reaches 10.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 for 10.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 goes through a gateway, not to loopback
        ("fe80::1", False),
        ("fc00::1", False),
    ],
)
def test_loopback_networks_allow_loopback_and_nothing_else_private(
    address: str, allowed: bool
) -> None:
    assert is_allowed_ip(address, parse_networks(LOOPBACK)) is allowed


def test_no_networks_allow_public_addresses_only() -> None:
    assert is_allowed_ip("93.184.216.34", ())
    assert not is_allowed_ip("127.0.0.1", ())


@pytest.mark.parametrize("bad", ["127.0.0.1/8", "localhost", "10.0.0.0/33", ""])
def test_a_bad_network_is_a_value_error_naming_it(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        parse_networks(["::1/128", bad])
    with pytest.raises(ValueError):
        GuardedNetworkBackend(allow_private=[bad])


def test_a_bare_address_is_a_single_address_network() -> None:
    assert parse_networks(["127.0.0.1", "::1"]) == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("::1/128"),
    )


# --- the guard, connecting -----------------------------------------------------------------


async def test_loopback_networks_reach_a_loopback_peer(server: LiveServer) -> None:
    assert await fetch_via(server, ["127.0.0.1"], LOOPBACK) == ["127.0.0.1"]
    assert await fetch_via(server, ["::ffff:127.0.0.1"], LOOPBACK) == ["::ffff:127.0.0.1"]


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.1"], ["::ffff:10.0.0.1"], ["169.254.169.254"], ["127.0.0.1", "10.0.0.1"]],
    ids=["private", "mapped-private", "metadata", "loopback-and-private"],
)
async def test_loopback_networks_refuse_other_private_addresses(
    server: LiveServer, addresses: list[str]
) -> None:
    with pytest.raises(ForbiddenAddress, match="nor in allow_private_addresses"):
        await fetch_via(server, addresses, LOOPBACK)


async def test_true_still_allows_every_private_address(server: LiveServer) -> None:
    assert await fetch_via(server, ["10.0.0.1"], True) == ["10.0.0.1"]
    assert await fetch_via(server, ["169.254.169.254"], True) == ["169.254.169.254"]


async def test_false_and_empty_networks_refuse_loopback(server: LiveServer) -> None:
    for allow_private in (False, []):
        with pytest.raises(ForbiddenAddress):
            await fetch_via(server, ["127.0.0.1"], allow_private)


async def test_unix_sockets_need_true() -> None:
    backend = GuardedNetworkBackend(allow_private=LOOPBACK, inner=AnyAddressToLoopback(1))
    with pytest.raises(ForbiddenAddress):
        await backend.connect_unix_socket("/run/docker.sock")
