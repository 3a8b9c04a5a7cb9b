"""Request latencies, by the route's template (`/users/{username}`), never the raw path:
the number of time series stays that of the routes, whatever paths clients invent."""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .exposition import _number, labels

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"
NAME = "fedlocal_http_request_duration_seconds"


@dataclass
class _Series:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0


class RequestTimes:
    """A histogram of request durations by (method, route template)."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str], _Series] = {}

    def observe(self, method: str, route: str, seconds: float) -> None:
        series = self._series.setdefault((method, route), _Series())
        series.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        series.total += seconds

    def lines(self) -> Iterator[str]:
        yield f"# HELP {NAME} Time to answer HTTP requests, by route template."
        yield f"# TYPE {NAME} histogram"
        for (method, route), series in sorted(self._series.items()):
            cumulative = 0
            for bound, count in zip((*BUCKETS, float("inf")), series.counts, strict=True):
                cumulative += count
                le = {"method": method, "route": route, "le": _number(bound)}
                yield f"{NAME}_bucket{labels(le)} {cumulative}"
            base = labels({"method": method, "route": route})
            yield f"{NAME}_sum{base} {series.total!r}"
            yield f"{NAME}_count{base} {cumulative}"


def route_template(scope: Scope) -> str:
    """The template of the route the router chose (set in `scope["route"]`)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    root = scope.get("root_path", "")
    if isinstance(route, Mount):  # a mounted app without routes of its own (static files)
        return f"{root}{path}/…"
    return f"{root}{path}" if path else UNMATCHED


class RequestLatency:
    """ASGI middleware timing each HTTP request until its last body byte is sent."""

    def __init__(self, app: ASGIApp, times: RequestTimes) -> None:
        self.app = app
        self.times = times

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                method = scope["method"] if scope["method"] in METHODS else "other"
                self.times.observe(method, route_template(scope), time.perf_counter() - started)

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                record()

        try:
            await self.app(scope, receive, timed_send)
        finally:
            record()
