"""A light load client for the inbox benchmarks, so that the client is not what is measured.

Every request is built and signed before the clock starts: the whole HTTP/1.1 request
(request line, headers, body) is one `bytes` object. Sending it is one `write` on a
keep-alive connection opened with `asyncio.open_connection`; reading the answer is one
`readuntil` for the head, the status read from fixed offsets, and `readexactly` for a
`Content-Length` body (chunked bodies are read too; fedlocal and the bare endpoint send
none with a 202). No HTTP library, no header objects, no per-request allocation beyond
the answer's bytes: on this machine it costs well under a tenth of a millisecond of CPU per
request (the benchmarks measure and print it), against about 1 ms for httpx.

Signatures are draft-cavage `rsa-sha256` over `(request-target) host date digest
content-type`, made by `activitypub.httpsig.sign_request`, so with the `Host` the server's
configured base URL expects. The receiving side accepts a `Date` within
`activitypub.httpsig.window.WINDOW` (one hour) of its clock; requests planned to be sent
later than a safe share of that window after signing are signed in time slices (their
`Date` is the start of the slice in which they are due), and `SignedRequests.check`
refuses a run that would send a request outside its window.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from activitypub.httpsig import sign_request
from activitypub.httpsig.window import WINDOW

AP_TYPE = "application/activity+json"
# A request is never sent more than this long after the Date it carries (nor before it).
SLICE_SECONDS = WINDOW // 4
MAX_HEAD = 64 * 1024


class Signer(Protocol):
    """What signs: an actor's key id and private key (see remote_actor.RemoteActor)."""

    key_id: str
    private_key: Any


@dataclass
class SignedRequests:
    """Pre-built requests for one URL, with the Unix time each one's `Date` carries."""

    url: str
    payloads: list[bytes]
    dates: list[float]

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    def check(self, offsets: Sequence[float] | None = None, *, margin: float = 60.0) -> None:
        """Raise if request i, sent `offsets[i]` s from now (all now by default), would carry
        a Date outside the receiver's window (less `margin` for clocks and slow runs)."""
        now = time.time()
        for i, date in enumerate(self.dates):
            when = now + (offsets[i] if offsets is not None else 0.0)
            if abs(when - date) > WINDOW - margin:
                raise RuntimeError(
                    f"request {i} would be sent {when - date:.0f}s from its Date: re-sign"
                )


def build_request(url: str, headers: dict[str, str], body: bytes) -> bytes:
    """The bytes of one POST on a keep-alive HTTP/1.1 connection."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"POST {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def presign(
    url: str,
    bodies: Sequence[bytes],
    signers: Sequence[Signer],
    *,
    send_offsets: Sequence[float] | None = None,
    now: float | None = None,
) -> SignedRequests:
    """Sign body i with signers[i] for `url`; `send_offsets[i]` is when (s after now) it is
    planned to go out, for time-sliced Dates on runs longer than a slice."""
    start = time.time() if now is None else now
    payloads, dates = [], []
    for i, body in enumerate(bodies):
        offset = send_offsets[i] if send_offsets is not None else 0.0
        date = start + (offset // SLICE_SECONDS) * SLICE_SECONDS
        headers = {"Content-Type": AP_TYPE}
        headers |= sign_request(
            "POST",
            url,
            headers,
            body,
            key_id=signers[i].key_id,
            private_key=signers[i].private_key,
            now=date,
        )
        payloads.append(build_request(url, headers, body))
        dates.append(date)
    return SignedRequests(url, payloads, dates)


# --- connections ----------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection with one request in flight at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.open = True

    @classmethod
    async def connect(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=MAX_HEAD)
        return cls(reader, writer)

    async def send(self, payload: bytes) -> int:
        """Write one request and read its answer; returns the status code."""
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lower.index(b"\r\n", at + 2)
            length = int(lower[at + 17 : end])
            if length:
                await self.reader.readexactly(length)
        elif b"\r\ntransfer-encoding: chunked" in lower:
            await self._skip_chunks()
        if b"\r\nconnection: close" in lower:
            self.close()
        return status

    async def _skip_chunks(self) -> None:
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers from our servers
                return
            await self.reader.readexactly(size + 2)

    def close(self) -> None:
        if self.open:
            self.open = False
            self.writer.close()


@dataclass
class Outcome:
    """Status (-1: no answer) and latency (s) of each request, and the client's CPU."""

    statuses: list[int]
    latencies: list[float]
    wall: float = 0.0
    client_cpu: float = 0.0  # CPU of the thread running the event loop, in seconds
    late_starts: int = 0  # open loop: requests that could not start within 50 ms of their time
    resent: int = 0  # sent again after a kept-alive connection closed under them
    started: list[float] = field(default_factory=list)  # offsets of each start from the first

    @property
    def client_cpu_ms_per_request(self) -> float:
        return self.client_cpu * 1000 / max(1, len(self.statuses))


async def _exchange(
    conn: Connection | None, host: str, port: int, payload: bytes
) -> tuple[int, Connection | None, bool]:
    """Send on `conn` (or a new connection); returns (status, the connection if still
    open, whether the request was sent a second time).

    A kept-alive connection the server has closed meanwhile (uvicorn closes one idle for
    5 s) is replaced before use; if the server closed it just as the request went out
    (no byte of an answer came back), the request is sent once more on a new connection,
    as HTTP clients do for this race (RFC 9112 §9.3.1: the inbox acknowledges a repeated
    activity without a second row)."""
    if conn is not None and (conn.reader.at_eof() or conn.writer.is_closing()):
        conn.close()
        conn = None
    reused = conn is not None
    try:
        if conn is None:
            conn = await Connection.connect(host, port)
        status = await conn.send(payload)
        return status, (conn if conn.open else None), False
    except asyncio.IncompleteReadError as exc:
        if conn is not None:
            conn.close()
        if not (reused and exc.partial == b""):
            return -1, None, False
    except (OSError, asyncio.LimitOverrunError, ValueError):
        if conn is not None:
            conn.close()
        return -1, None, False
    status, conn, _ = await _exchange(None, host, port, payload)
    return status, conn, True


async def closed_loop(
    requests: SignedRequests,
    concurrency: int,
    *,
    indices: Sequence[int] | None = None,
    on_start: Callable[[], None] | None = None,
) -> Outcome:
    """Post the requests over `concurrency` connections, one request in flight on each,
    the next as soon as an answer arrives. Connections are opened before the clock starts
    (and reopened if the server closes one)."""
    host, port = requests.host, requests.port
    order = list(range(len(requests.payloads))) if indices is None else list(indices)
    statuses = [0] * len(requests.payloads)
    latencies = [0.0] * len(requests.payloads)
    started = [0.0] * len(requests.payloads)
    conns: list[Connection | None] = []
    for _ in range(concurrency):
        conns.append(await Connection.connect(host, port))
    queue = iter(order)
    clock = time.perf_counter
    resent = [0]

    async def worker(slot: int) -> None:
        conn = conns[slot]
        payloads = requests.payloads
        for i in queue:
            begun = clock()
            started[i] = begun - start
            statuses[i], conn, again = await _exchange(conn, host, port, payloads[i])
            latencies[i] = clock() - begun
            resent[0] += again
        conns[slot] = conn

    if on_start is not None:
        on_start()
    cpu0, start = time.thread_time(), clock()
    await asyncio.gather(*(worker(slot) for slot in range(concurrency)))
    wall, cpu = clock() - start, time.thread_time() - cpu0
    for conn in conns:
        if conn is not None:
            conn.close()
    return Outcome(statuses, latencies, wall, cpu, resent=resent[0], started=started)


async def open_loop(requests: SignedRequests, rate: float, *, max_open: int = 256) -> Outcome:
    """Send request i at start + i / rate whatever the answers (an open loop), over a pool
    of keep-alive connections: an idle one if there is one, else a new one, at most
    `max_open` requests open at once (a request that cannot start within 50 ms of its time
    counts as late)."""
    host, port = requests.host, requests.port
    n = len(requests.payloads)
    statuses = [0] * n
    latencies = [0.0] * n
    started = [0.0] * n
    idle: list[Connection] = []
    gate = asyncio.Semaphore(max_open)
    clock = time.perf_counter
    late = 0
    resent = [0]

    async def one(i: int) -> None:
        conn = idle.pop() if idle else None
        begun = clock()
        statuses[i], conn, again = await _exchange(conn, host, port, requests.payloads[i])
        latencies[i] = clock() - begun
        resent[0] += again
        if conn is not None:
            idle.append(conn)
        gate.release()

    for _ in range(min(max_open, max(4, int(rate // 10)))):  # warm connections, unmeasured
        idle.append(await Connection.connect(host, port))
    tasks = []
    cpu0, start = time.thread_time(), clock()
    for i in range(n):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        await gate.acquire()
        now = clock()
        if now - due > 0.05:
            late += 1
        started[i] = now - start
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    wall, cpu = clock() - start, time.thread_time() - cpu0
    for conn in idle:
        conn.close()
    return Outcome(statuses, latencies, wall, cpu, late, resent[0], started)
