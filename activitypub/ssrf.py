"""The SSRF guard: outgoing connections go only to public addresses.

The guard is an httpcore network backend. httpcore asks it for a TCP stream to
(host, port); it resolves the host itself, checks *every* address, and connects to a
checked address literal, so there is no second lookup an attacker's DNS could answer
differently (rebinding). Every request, redirect hops included, goes through the same
backend because `GuardedTransport` builds httpcore's connection pool around it.

Non-public addresses can be let through in two ways: all of them (`allow_private=True`,
for development) or only those inside chosen networks (`allow_private=["127.0.0.0/8"]`,
what a demo on loopback needs), so that a handle typed into a web form cannot make the
server reach the rest of the private network.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

import httpcore
import httpx

from .fetch_errors import ForbiddenAddress
from .tls import outgoing_ssl_context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]
# True: every address; False: public ones only; networks: public ones and these.
AllowPrivate = bool | Iterable[str | IPNetwork]

# The NAT64 well-known prefix (RFC 6052): traffic goes to the IPv4 address in the low bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_forbidden_ip(address: str | IPAddress) -> bool:
    """True if `address` is not a public unicast address we may connect to.

    Refuses private, loopback, link-local, multicast, reserved, unspecified and other
    non-global ranges (shared address space, documentation, benchmarking…), and IPv6
    addresses that embed such an IPv4 address (mapped, NAT64, 6to4, Teredo).
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and is_forbidden_ip(embedded):
            return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def parse_networks(values: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings ("127.0.0.0/8", "::1/128"; a bare address is a /32 or /128).

    Raises ValueError naming the first value that is not a network, including one with
    host bits set ("127.0.0.1/8"), which is more likely a typo than a wish.
    """
    networks = []
    for value in values:
        if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
            networks.append(value)
            continue
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a network")
        try:
            networks.append(ipaddress.ip_network(value.strip()))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a network ({exc})") from None
    return tuple(networks)


def is_allowed_ip(address: str | IPAddress, allowed: Iterable[IPNetwork]) -> bool:
    """True if we may connect to `address`: a public address, or one inside `allowed`.

    An IPv4-mapped IPv6 address (``::ffff:10.0.0.1``) reaches its IPv4 address, so that
    address is what must be inside `allowed`; other IPv6 forms that embed an IPv4 address
    (NAT64, 6to4, Teredo) go through a gateway and count only if listed themselves.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if not is_forbidden_ip(ip):
        return True
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    # `in` is simply False across IP versions.
    return any(ip in network or (mapped is not None and mapped in network) for network in allowed)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve `host` with the event loop's getaddrinfo; return the distinct addresses."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: dict[str, None] = {}
    for _family, _type, _proto, _canonname, sockaddr in infos:
        addresses.setdefault(str(sockaddr[0]), None)
    return list(addresses)


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that refuses non-public addresses unless `allow_private` lets
    them through: True for all of them, or networks (CIDR strings or `ip_network`s) for the
    addresses inside them. Unix sockets need True.

    `resolver` and `inner` exist for tests: a resolver can pretend a name is public and an
    inner backend can route that address to a loopback server, all without network.
    Raises ValueError for an `allow_private` entry that is not a network.
    """

    def __init__(
        self,
        *,
        allow_private: AllowPrivate = False,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        if isinstance(allow_private, str):
            allow_private = [allow_private]  # one network, not its characters
        self.allow_all = allow_private is True
        self.allowed_networks: tuple[IPNetwork, ...] = (
            () if isinstance(allow_private, bool) else parse_networks(allow_private)
        )
        self._resolve = resolver or system_resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def _checked_addresses(
        self, host: str, port: int, resolve_timeout: float | None
    ) -> list[str]:
        host = host.strip("[]")
        try:
            async with asyncio.timeout(resolve_timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        if not self.allow_all:
            # One bad address refuses the name: a host answering both public and private
            # addresses is exactly what a rebinding attack looks like.
            for address in addresses:
                try:
                    allowed = is_allowed_ip(address.split("%", 1)[0], self.allowed_networks)
                except ValueError:
                    allowed = False  # not an address literal: nothing we could check
                if not allowed:
                    raise ForbiddenAddress(
                        f"refusing to connect to {host} ({address}): not a public address"
                        + (" nor in allow_private_addresses" if self.allowed_networks else "")
                    )
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check every address, then connect to the first checked one that answers."""
        addresses = await self._checked_addresses(host, port, timeout)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are local by definition: allowed only with `allow_private=True`."""
        if not self.allow_all:
            raise ForbiddenAddress(f"refusing to connect to the unix socket {path}")
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore raises its own exception types; httpx callers expect httpx's. Most specific first.
_ERROR_MAP: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)


@contextlib.contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _ERROR_MAP:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc), request=request) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: Any, request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors(self._request):
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            with _httpx_errors(self._request):
                await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections all go through a `GuardedNetworkBackend`.

    Built on httpcore's public `AsyncConnectionPool(network_backend=…)`; it does not touch
    httpx's default transport. It never uses proxies, so nothing can route around the guard.
    """

    def __init__(
        self,
        backend: GuardedNetworkBackend,
        *,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        self._backend = backend
        self._ssl_context = ssl_context
        self.limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        # Built with the first request: the TLS context loads the whole trust store (about
        # 0.5 MiB each), which a server that has sent nothing yet does not need.
        self._pool: httpcore.AsyncConnectionPool | None = None

    def _connection_pool(self) -> httpcore.AsyncConnectionPool:
        if self._pool is None:
            limits = self.limits
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl_context or outgoing_ssl_context(),
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                http1=True,
                http2=False,
                network_backend=self._backend,
            )
        return self._pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request (no redirect handling here: the client does that)."""
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("GuardedTransport needs an async request body")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors(request):
            core_response = await self._connection_pool().handle_async_request(core_request)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream, request),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
