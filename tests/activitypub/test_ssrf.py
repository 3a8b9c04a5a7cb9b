"""The SSRF guard: private targets refused, at connection time, on every redirect hop."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpcore
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from activitypub.client import fetch_json, make_client, post_activity
from activitypub.fetch_errors import FetchTransportError, ForbiddenAddress
from activitypub.ssrf import GuardedNetworkBackend, is_forbidden_ip
from tests.support.live_server import LiveServer, ap_json, record, serve

PUBLIC_IP = "93.184.216.34"  # a public address; tests route it to the loopback server
PUBLIC_HOST = "public.example"


def ssrf_app(live: LiveServer) -> Starlette:
    async def note(request: Request) -> Response:
        await record(live, request)
        return ap_json({"id": str(request.url), "type": "Note"})

    async def bounce(request: Request) -> Response:
        await record(live, request)
        return RedirectResponse(request.query_params["to"], status_code=302)

    return Starlette(routes=[Route("/note", note), Route("/bounce", bounce)])


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with serve(ssrf_app) as live:
        yield live


class RoutingBackend(httpcore.AsyncNetworkBackend):
    """Below the guard: sends PUBLIC_IP to the loopback server, fails on anything else.

    Records every address it is asked for, so a test can prove what was connected to and
    that nothing reached the real network.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.connected: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append((host, port))
        if host != PUBLIC_IP:
            raise AssertionError(f"the guard let a connection to {host} through")
        return await self._real.connect_tcp("127.0.0.1", self.port, timeout=timeout)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ASYNC109
        raise AssertionError("no unix sockets in these tests")

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


def fake_resolver(answers: dict[str, list[str]]):
    """Answer from `answers`; defer to real getaddrinfo only for IP literals and localhost."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in answers:
            return answers[host]
        if host == "localhost":
            return ["127.0.0.1", "::1"]
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            raise socket.gaierror(f"unknown test host {host}") from None
        return [host]

    return resolve


@pytest.fixture
def routing(server: LiveServer) -> RoutingBackend:
    return RoutingBackend(server.port)


@pytest.fixture
async def guarded(routing: RoutingBackend) -> Any:
    async with make_client(
        key_id=None,
        user_agent="t",
        resolver=fake_resolver({PUBLIC_HOST: [PUBLIC_IP]}),
        network_backend=routing,
    ) as client:
        yield client


# --- the address policy --------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
    ],
)
def test_forbidden_addresses(address: str) -> None:
    assert is_forbidden_ip(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d822::"]
)
def test_public_addresses(address: str) -> None:
    assert not is_forbidden_ip(address)


# --- direct targets ------------------------------------------------------------------------


async def test_loopback_server_refused_without_allow_private(
    server: LiveServer, guarded, routing: RoutingBackend
) -> None:
    server.requests.clear()
    targets = [
        f"http://127.0.0.1:{server.port}/note",
        f"http://[::1]:{server.port}/note",
        f"http://localhost:{server.port}/note",
        "http://10.0.0.1/note",
        "http://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/note",
    ]
    for url in targets:
        with pytest.raises(ForbiddenAddress):
            await fetch_json(guarded, url)
    with pytest.raises(ForbiddenAddress):
        await post_activity(guarded, f"http://127.0.0.1:{server.port}/note", b"{}")
    with pytest.raises(ForbiddenAddress):
        await guarded.get(f"http://localhost:{server.port}/note")
    assert routing.connected == []
    assert server.requests == []


async def test_loopback_refused_with_real_resolver(server: LiveServer) -> None:
    async with make_client(key_id=None, user_agent="t") as client:
        with pytest.raises(ForbiddenAddress):
            await fetch_json(client, f"http://localhost:{server.port}/note")
        with pytest.raises(ForbiddenAddress):
            await fetch_json(client, f"http://127.0.0.1:{server.port}/note")


async def test_allow_private_reaches_loopback(server: LiveServer) -> None:
    async with make_client(key_id=None, allow_private=True, user_agent="t") as client:
        document = await fetch_json(client, f"{server.base_url}/note")
    assert document["type"] == "Note"


async def test_public_host_connects_to_the_checked_address(
    server: LiveServer, guarded, routing: RoutingBackend
) -> None:
    url = f"http://{PUBLIC_HOST}:{server.port}/note"
    document = await fetch_json(guarded, url)
    assert document["id"] == url
    # The backend below the guard got the checked literal, never the name to look up again.
    assert routing.connected == [(PUBLIC_IP, server.port)]


async def test_name_with_any_private_address_refused(routing: RoutingBackend) -> None:
    # What a rebinding answer looks like: one public address, one internal.
    resolver = fake_resolver({"mixed.example": [PUBLIC_IP, "10.0.0.7"]})
    async with make_client(
        key_id=None, user_agent="t", resolver=resolver, network_backend=routing
    ) as client:
        with pytest.raises(ForbiddenAddress):
            await fetch_json(client, "http://mixed.example/note")
    assert routing.connected == []


async def test_each_connection_resolves_and_checks_again(
    server: LiveServer, routing: RoutingBackend
) -> None:
    answers = {PUBLIC_HOST: [PUBLIC_IP]}
    async with make_client(
        key_id=None, user_agent="t", resolver=fake_resolver(answers), network_backend=routing
    ) as client:
        assert await fetch_json(client, f"http://{PUBLIC_HOST}:{server.port}/note")
        answers[PUBLIC_HOST] = ["127.0.0.1"]
        with pytest.raises(ForbiddenAddress):
            # Another port is another origin, hence a new connection and a new lookup.
            await fetch_json(client, f"http://{PUBLIC_HOST}:{server.port + 1}/note")
    assert routing.connected == [(PUBLIC_IP, server.port)]


async def test_unresolvable_host_is_transport_error(guarded) -> None:
    with pytest.raises(FetchTransportError):
        await fetch_json(guarded, "http://nowhere.example/note")


# --- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/note",
        "http://localhost:{port}/note",
        "http://[::1]:{port}/note",
        "http://10.0.0.1/note",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
async def test_redirect_from_public_to_private_refused(
    server: LiveServer, guarded, routing: RoutingBackend, target: str
) -> None:
    server.requests.clear()
    url = f"http://{PUBLIC_HOST}:{server.port}/bounce?to={target.format(port=server.port)}"
    with pytest.raises(ForbiddenAddress):
        await fetch_json(guarded, url)
    assert [r["url"].split("?")[0] for r in server.requests] == [
        f"http://{PUBLIC_HOST}:{server.port}/bounce"
    ]
    assert routing.connected == [(PUBLIC_IP, server.port)]


async def test_redirect_between_public_hosts_followed(server: LiveServer, guarded) -> None:
    final = f"http://{PUBLIC_HOST}:{server.port}/note"
    document = await fetch_json(guarded, f"http://{PUBLIC_HOST}:{server.port}/bounce?to={final}")
    assert document["id"] == final


# --- the backend itself --------------------------------------------------------------------


async def test_unix_sockets_refused_without_allow_private() -> None:
    backend = GuardedNetworkBackend(inner=RoutingBackend(port=1))
    with pytest.raises(ForbiddenAddress):
        await backend.connect_unix_socket("/run/docker.sock")


async def test_environment_proxy_is_ignored(server: LiveServer, monkeypatch) -> None:
    # A proxy would carry the request around the guarded transport.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    async with make_client(key_id=None, allow_private=True, user_agent="t") as client:
        assert await fetch_json(client, f"{server.base_url}/note")
