"""The benchmarks' load client (bench/load_client.py): what it puts on the wire is a
request our signature check accepts, and it reads the answers servers give."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from activitypub import keys as key_codec
from activitypub.httpsig import SignatureError, parse_request_signature, verify_parsed_signature
from activitypub.httpsig.window import WINDOW

CUT_SHORT = b"HTTP/1.1 20"  # the server dies mid-answer
CLOSE_AFTER = b"\0close"  # (not sent) the server closes the connection after this answer
BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load_client() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load_client", BENCH / "load_client.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


load_client = _load_client()


class Sender:
    def __init__(self) -> None:
        self.private_key = key_codec.generate_rsa_key()
        self.public_key = self.private_key.public_key()
        self.key_id = "https://remote.example/users/alice#main-key"


@pytest.fixture(scope="module")
def sender() -> Sender:
    return Sender()


class Inbox:
    """A loopback HTTP/1.1 server that checks each request's signature the way fedlocal's
    inbox does and answers from a script of raw responses (202 by default)."""

    def __init__(self, public_key: Any, base_url_of: Any) -> None:
        self.public_key = public_key
        self.base_url_of = base_url_of
        self.answers: list[bytes] = []
        self.verified: list[bytes] = []
        self.refused: list[str] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
                method, target, _ = request_line.split(" ")
                headers = dict(line.split(": ", 1) for line in lines)
                body = await reader.readexactly(int(headers["Content-Length"]))
                try:
                    parsed = parse_request_signature(
                        method, self.base_url_of() + target, headers, body
                    )
                    verify_parsed_signature(parsed, self.public_key)
                    self.verified.append(body)
                    default = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"
                except SignatureError as exc:
                    self.refused.append(exc.reason)
                    default = b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 2\r\n\r\nno"
                answer = self.answers.pop(0) if self.answers else default
                writer.write(answer.removesuffix(CLOSE_AFTER))
                await writer.drain()
                closing = answer.endswith(CLOSE_AFTER) or answer == CUT_SHORT
                if b"connection: close" in answer.lower() or closing:
                    return  # as asked, or a server that dies mid-answer
        finally:
            writer.close()


@pytest.fixture
async def inbox(sender: Sender):
    holder: dict[str, str] = {}
    server_side = Inbox(sender.public_key, lambda: holder["base"])
    server = await asyncio.start_server(server_side.handle, "127.0.0.1", 0)
    holder["base"] = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server_side.url = holder["base"] + "/inbox"  # type: ignore[attr-defined]
    async with server:
        yield server_side
        server.close()


async def test_presigned_requests_verify_on_the_wire_over_few_connections(inbox, sender):
    bodies = [b'{"type":"Create","n":%d}' % i for i in range(40)]
    signed = load_client.presign(inbox.url, bodies, [sender] * len(bodies))

    outcome = await load_client.closed_loop(signed, 4)

    assert outcome.statuses == [202] * 40
    assert sorted(inbox.verified) == sorted(bodies)
    assert inbox.refused == []
    assert inbox.connections == 4  # keep-alive: one connection per slot, reused
    assert outcome.client_cpu >= 0 and outcome.wall > 0


async def test_a_request_signed_for_another_url_is_refused(inbox, sender):
    signed = load_client.presign(inbox.url + "x", [b"{}"], [sender])
    signed.payloads[0] = signed.payloads[0].replace(b"POST /inboxx ", b"POST /inbox ")

    outcome = await load_client.closed_loop(signed, 1)

    assert outcome.statuses == [401]
    assert inbox.refused and not inbox.verified


async def test_answers_with_bodies_chunks_and_closes_are_read_in_step(inbox, sender):
    inbox.answers = [
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\ncontent-length: 0\r\n\r\n",
    ]
    bodies = [b"{}", b"[]", b'""', b"1"]
    signed = load_client.presign(inbox.url, bodies, [sender] * 4)

    outcome = await load_client.closed_loop(signed, 1)

    # The fourth request went out on a new connection, after the server closed the first.
    assert outcome.statuses == [202, 400, 503, 202]
    assert inbox.connections == 2


async def test_a_kept_alive_connection_the_server_closed_is_replaced(inbox, sender):
    # The server closes the connection after its first answer without saying so, as
    # uvicorn does with a connection idle for 5 s.
    inbox.answers = [b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n" + CLOSE_AFTER]
    signed = load_client.presign(inbox.url, [b"{}", b"[]", b"1"], [sender] * 3)

    outcome = await load_client.closed_loop(signed, 1)

    assert outcome.statuses == [202, 202, 202]
    assert inbox.connections == 2
    assert sorted(inbox.verified) == sorted([b"{}", b"[]", b"1"])  # each exactly once


async def test_a_server_gone_mid_run_counts_as_no_answer(inbox, sender):
    inbox.answers = [b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n", CUT_SHORT]
    signed = load_client.presign(inbox.url, [b"{}", b"[]"], [sender] * 2)

    outcome = await load_client.closed_loop(signed, 1)

    # The second answer is cut short (the server went away): no status, no hang.
    assert outcome.statuses == [202, -1]


async def test_open_loop_sends_at_the_rate_whatever_the_answers(inbox, sender):
    bodies = [b'{"n":%d}' % i for i in range(20)]
    signed = load_client.presign(inbox.url, bodies, [sender] * 20)

    outcome = await load_client.open_loop(signed, 200.0)

    assert outcome.statuses == [202] * 20
    # Request i never starts before i / rate (how late it may start depends on the machine).
    assert all(start >= i / 200.0 - 0.001 for i, start in enumerate(outcome.started))


def test_long_runs_are_signed_in_time_slices_within_the_window(sender):
    now = time.time()
    offsets = [0.0, load_client.SLICE_SECONDS + 1.0, 3 * load_client.SLICE_SECONDS + 5.0]
    signed = load_client.presign(
        "http://127.0.0.1:1/inbox", [b"{}"] * 3, [sender] * 3, send_offsets=offsets, now=now
    )

    assert signed.dates == [
        now,
        now + load_client.SLICE_SECONDS,
        now + 3 * load_client.SLICE_SECONDS,
    ]
    assert b"Date: " in signed.payloads[2]
    signed.check(offsets)  # each is sent within its slice: inside the window
    with pytest.raises(RuntimeError, match="re-sign"):
        # The first one, sent almost an hour after its Date, would be refused.
        signed.check([WINDOW - 30.0, *offsets[1:]])
