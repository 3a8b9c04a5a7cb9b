"""CORS for the browser apps (Elk, Phanpy…) on `/api/*`, `/oauth/token`, `/oauth/revoke`,
`/.well-known/*` and `/nodeinfo/*`: any origin, `Link` readable, preflights answered.

A pure ASGI middleware, so streamed responses and WebSockets pass through untouched.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIXES = ("/api/", "/.well-known/", "/nodeinfo/")
EXACT = frozenset({"/oauth/token", "/oauth/revoke"})
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept, Accept-Language"
EXPOSE_HEADERS = (
    "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, "
    "Idempotency-Key"
)


def wants_cors(path: str) -> bool:
    return path in EXACT or path.startswith(PREFIXES)


class Cors:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not wants_cors(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            requested = headers.get("access-control-request-headers")
            response = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": ALLOW_METHODS,
                    "Access-Control-Allow-Headers": requested or ALLOW_HEADERS,
                    "Access-Control-Max-Age": "86400",
                    "Vary": "Access-Control-Request-Headers",
                },
            )
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if "access-control-allow-origin" not in response_headers:
                    response_headers["Access-Control-Allow-Origin"] = "*"
                response_headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)
