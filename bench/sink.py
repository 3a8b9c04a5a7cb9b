"""Remote inboxes for the fan-out benchmark: one process answering for many hosts.

Every host is a loopback address of its own (127.0.x.y) on one port, so the server under
test sees distinct domains — its circuit breaker, per-host limits and shared-inbox
grouping all count them apart. Every POST's HTTP signature is verified with the sender's
key. Some hosts can be made to answer 503 or to hang (never answer: the sender's timeout
ends the request). `GET /stats` (on 127.0.0.1) reports what arrived.

    python bench/sink.py PORT KEY_PEM_FILE --hang-every 10 --fail-every 0
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub import keys as key_codec
from activitypub.errors import SignatureError
from activitypub.httpsig import parse_request_signature, verify_parsed_signature


def host_index(host: str) -> int:
    """127.0.A.B:port -> the host's number (hosts start at 127.0.1.1)."""
    address = host.rsplit(":", 1)[0]
    _, _, a, b = (int(part) for part in address.split("."))
    return (a - 1) * 250 + (b - 1)


def host_name(index: int, port: int) -> str:
    return f"127.0.{1 + index // 250}.{1 + index % 250}:{port}"


def create_app(public_pem: str, *, hang_every: int, fail_every: int) -> Starlette:
    key = key_codec.load_public_key_pem(public_pem)
    posts: Counter[str] = Counter()
    answered: dict[str, float] = {}  # host -> monotonic time of its first 2xx
    bad_signatures = 0
    hanging = 0

    async def inbox(request: Request) -> Response:
        nonlocal bad_signatures, hanging
        host = request.headers["host"]
        body = await request.body()
        posts[host] += 1
        try:
            parsed = parse_request_signature(
                request.method, str(request.url), dict(request.headers), body
            )
            verify_parsed_signature(parsed, key)
        except SignatureError:
            bad_signatures += 1
            return Response(status_code=401)
        index = host_index(host)
        if hang_every and index % hang_every == 0:
            hanging += 1
            try:
                await asyncio.sleep(3600)
            finally:
                hanging -= 1
        if fail_every and index % fail_every == fail_every // 2:
            return Response(status_code=503)
        answered.setdefault(host, time.monotonic())
        return Response(status_code=202)

    async def stats(request: Request) -> Response:
        return JSONResponse(
            {
                "posts": sum(posts.values()),
                "hosts_posted": len(posts),
                "most_posts_to_one_host": max(posts.values(), default=0),
                "answered": sorted(answered.values()),
                "answered_hosts": len(answered),
                "bad_signatures": bad_signatures,
                "hanging_now": hanging,
            }
        )

    async def reset(request: Request) -> Response:
        nonlocal bad_signatures
        posts.clear()
        answered.clear()
        bad_signatures = 0
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/stats", stats),
            Route("/reset", reset, methods=["POST"]),
            Route("/{path:path}", inbox, methods=["POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("key_file")
    parser.add_argument("--hang-every", type=int, default=0)
    parser.add_argument("--fail-every", type=int, default=0)
    args = parser.parse_args()
    with open(args.key_file) as file:
        pem = file.read()
    app = create_app(pem, hang_every=args.hang_every, fail_every=args.fail_every)
    # 0.0.0.0: every 127.x.y.z reaches it. Loopback only on a test machine's sandbox.
    uvicorn.run(app, host="0.0.0.0", port=args.port, log_level="warning", backlog=4096)  # noqa: S104


if __name__ == "__main__":
    main()
