"""What a hostile body costs the server on each way in: a cost that grows linearly with
the body, up to the route's limit.

A body that took minutes of CPU before (quadratic JSON checks before the signature was
verified) must now cost a bounded amount, whatever its shape: each shape is sent at a
quarter of its size and at its size (1 MiB, or just under the route's own limit), and the
larger may cost at most about four times the smaller (tests/support/cost_growth.py). CPU
time (`time.process_time`), not wall time; the body is handed to the app in memory, so
only the server's work is counted. What the dearest bodies cost on this machine is
measured by bench/hostile_bodies.py (docs/performance.md), not asserted here: an absolute
budget fails on a slower machine without anything having changed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

import pytest

from activitypub.digest import digest_header
from fedlocal.app import body_limit
from tests.support.asgi_calls import post_chunks
from tests.support.cost_growth import CEILING_SECONDS, SIZE_RATIO, grows_at_most_linearly
from tests.support.instance import running_instance

MIB = 2**20
CHUNK = 65536


def _fill(unit: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> bytes:
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


# Shapes that are slow for a naive check: unterminated and escape-heavy strings, deep or
# dense nesting, huge numbers, many keys; each a body of about the size asked.
JSON_SHAPES: dict[str, Callable[[int], bytes]] = {
    "quote-backslash": lambda size: _fill(b'\\"', size, head=b'"'),
    "backslashes": lambda size: _fill(b"\\", size, head=b'"'),
    "unterminated": lambda size: _fill(b"a", size, head=b'{"a": "'),
    "open-brackets": lambda size: _fill(b"[", size),
    "open-objects": lambda size: _fill(b'{"a":', size),
    "brackets-in-strings": lambda size: _fill(b'"[{",', size, head=b"[", tail=b'""]'),
    "dense-arrays": lambda size: _fill(b"[],", size, head=b"[", tail=b"[]]"),
    "nested-64": lambda size: _fill(b"[" * 64 + b"]" * 64 + b",", size, head=b"[", tail=b"[]]"),
    "nested-31": lambda size: _fill(b"[" * 30 + b"]" * 30 + b",", size, head=b"[", tail=b"[]]"),
    "many-keys": lambda size: b"{" + b",".join(b'"k%d":1' % n for n in range(size // 12)) + b"}",
    "long-number": lambda size: _fill(b"9", size, head=b'{"a": ', tail=b"}"),
}
FORM_SHAPES: dict[str, Callable[[int], bytes]] = {
    "many-fields": lambda size: _fill(b"a=1&", size),
    "percent-escapes": lambda size: _fill(b"%FF", size, head=b"status="),
    "long-value": lambda size: _fill(b"x", size, head=b"status="),
}
_PARTS = b'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n--b\r\n'
MULTIPART_SHAPES: dict[str, Callable[[int], bytes]] = {
    "multipart": lambda size: b"--b\r\n" + _fill(_PARTS, size - 5),
}
SHAPES = {"json": JSON_SHAPES, "form": FORM_SHAPES, "multipart": MULTIPART_SHAPES}
CONTENT_TYPES = {
    "json": "application/json",
    "form": "application/x-www-form-urlencoded",
    "multipart": "multipart/form-data; boundary=b",
}


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, run_workers=False) as instance:
        yield instance


async def server_cpu(inst, path: str, body: bytes, kind: str) -> tuple[int, float]:
    """(status, CPU seconds) of one POST of a `kind` body handled by the app itself."""
    headers = inbox_headers(body) if path == "/inbox" else {"Content-Type": CONTENT_TYPES[kind]}
    chunks = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
    posted = await post_chunks(
        inst.app, path, chunks, {"Content-Length": str(len(body)), **headers}
    )
    return posted.status, posted.cpu_seconds


def inbox_headers(body: bytes) -> dict[str, str]:
    """A right digest, a current date and a made-up signature: what gets a body to the
    inbox's parser before any signature is verified."""
    return {
        "Content-Type": "application/activity+json",
        "Digest": digest_header(body),
        "Date": formatdate(usegmt=True),
        "Signature": (
            'keyId="http://127.0.0.1:9/actor#main-key",algorithm="rsa-sha256",'
            'headers="(request-target) host date digest",signature="AAAA"'
        ),
    }


@dataclass(frozen=True)
class Case:
    path: str
    shape: str
    kind: str  # json, form or multipart
    size: int  # the larger of the two sizes it is sent at

    def body(self, size: int) -> bytes:
        return SHAPES[self.kind][self.shape](size)


def hostile_cases(limit_of: Callable[[str], int]) -> list[Case]:
    """Every way a body comes in and each hostile shape for it, at 1 MiB and at the
    route's own limit (a 1 MiB body is refused by its length on most routes; one just
    under the limit is read and parsed)."""
    ways = [
        *(
            ("json", path)
            for path in ("/inbox", "/api/v1/apps", "/oauth/token", "/api/v1/statuses")
        ),
        *(("form", path) for path in ("/api/v1/apps", "/oauth/token", "/login", "/signup")),
        ("multipart", "/api/v1/apps"),
    ]
    return [
        Case(path, shape, kind, size)
        for kind, path in ways
        for size in sorted({MIB - 64, min(MIB, limit_of(path)) - 64})
        for shape in SHAPES[kind]
    ]


async def test_the_cost_of_a_hostile_body_grows_linearly_on_every_way_in(inst) -> None:
    # Given every way a body comes in, each hostile shape for it, at its largest size and
    # at a quarter of it
    cases = hostile_cases(body_limit(inst.config))

    # When each is sent
    growth = []
    # A full garbage collection of the test process's heap (grown by the files run before
    # this one on the same worker) would be counted against whichever request it fell in:
    # it is done before, and none starts during, the requests (their garbage is freed by
    # reference counting all the same).
    gc.collect()
    gc.disable()
    try:
        for case in cases:
            costs = []
            for size in (case.size // SIZE_RATIO, case.size):
                status, seconds = await server_cpu(inst, case.path, case.body(size), case.kind)
                # Then none is answered with a 5xx
                assert status < 500, (case, size, status)
                costs.append(seconds)
            growth.append((costs[1], costs[0], f"{case.path} {case.shape} {case.size}"))
    finally:
        gc.enable()

    # And none costs more than about four times its quarter, nor near a second
    def shown(rows) -> str:
        return "; ".join(
            f"{case}: {small * 1e3:.1f} → {large * 1e3:.1f} ms" for large, small, case in rows
        )

    faster_than_linear = [row for row in growth if not grows_at_most_linearly(row[1], row[0])]
    assert not faster_than_linear, shown(faster_than_linear)
    dearest = max(growth)
    assert dearest[0] < CEILING_SECONDS, shown([dearest])
