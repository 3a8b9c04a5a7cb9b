"""`GET /metrics`: off unless `metrics_enabled`; then only for a client address inside
`metrics_allow` or a request carrying `Authorization: Bearer <metrics_token>`. Anyone else
gets a 404, as when it is off: the endpoint's existence is not advertised."""

from __future__ import annotations

import gc
import hmac
import ipaddress
import time

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .. import __version__
from ..config import Config
from ..services.monitoring import queue_figures
from .exposition import CONTENT_TYPE, Exposition
from .latency import RequestTimes

PATH = "/metrics"


def allowed(config: Config, request: Request) -> bool:
    if not config.metrics_enabled:
        return False
    if config.metrics_token:
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), config.metrics_token.encode()
        ):
            return True
    client = request.client.host if request.client else None
    try:
        address = ipaddress.ip_address(client) if client else None
    except ValueError:  # a unix socket's peer, a test client's name
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and any(address in net for net in config.metrics_allow)


def metrics_routes(times: RequestTimes) -> list[Route]:
    async def metrics(request: Request) -> Response:
        federation = request.app.state.federation
        if not allowed(federation.config, request):
            return PlainTextResponse("not found", status_code=404)
        return Response(await render(federation, times), media_type=CONTENT_TYPE)

    return [Route(PATH, metrics, methods=["GET"])]


async def render(federation, times: RequestTimes) -> str:
    figures = await queue_figures(federation.services)
    depths = figures.depths
    out = Exposition()
    out.family("fedlocal_info", "gauge", "This server's version.", [({"version": __version__}, 1)])
    out.family(
        "fedlocal_inbox_queue",
        "gauge",
        "Received activities waiting to be processed (pending) or given up on (failed).",
        [({"state": s}, depths.inbox.get(s, 0)) for s in ("pending", "failed")],
    )
    out.family(
        "fedlocal_deliveries",
        "gauge",
        "Deliveries to other servers, waiting or retrying (pending) and given up on (dead).",
        [({"state": s}, depths.deliveries.get(s, 0)) for s in ("pending", "dead")],
    )
    out.family(
        "fedlocal_outgoing_fanout_pending",
        "gauge",
        "Activities whose audience is still being expanded into deliveries.",
        [({}, depths.fanout_pending)],
    )
    out.family(
        "fedlocal_media_processing",
        "gauge",
        "Uploaded pictures being processed, or whose processing failed.",
        [({"state": s}, depths.media.get(s, 0)) for s in ("processing", "failed")],
    )
    out.family(
        "fedlocal_queue_oldest_age_seconds",
        "gauge",
        "Age of the oldest pending inbox activity and of the oldest delivery due: grows "
        "when no worker takes the work.",
        [
            ({"queue": "inbox"}, figures.oldest_inbox_seconds),
            ({"queue": "delivery"}, figures.oldest_delivery_seconds),
        ],
    )
    failing = [({"host": host}, n) for host, n in figures.failing_hosts.items()]
    if figures.failing_elsewhere:
        failing.append(({"host": "other"}, figures.failing_elsewhere))
    out.family(
        "fedlocal_delivery_failures",
        "gauge",
        "Deliveries that failed at least once (retrying or dead), by host: the worst ten, "
        'the rest as host="other".',
        failing,
    )
    out.family(
        "fedlocal_remote_hosts_paused",
        "gauge",
        "Hosts whose circuit breaker is open (deliveries paused after repeated failures).",
        [({}, depths.open_circuits)],
    )
    admission = federation.inbox_admission
    out.family(
        "fedlocal_inbox_held_requests",
        "gauge",
        "Inbox requests held back while the backlog is past 3/4 of inbox_backlog_limit.",
        [({}, admission.held)],
    )
    out.family(
        "fedlocal_inbox_holds_total",
        "counter",
        "Inbox requests held back, by how they went in: released when the worker made room, "
        "timed_out after inbox_hold_seconds, over_max_held (let in at once, too many held).",
        [({"outcome": name}, n) for name, n in admission.outcomes.items()],
    )
    beats = federation.heartbeats.last
    out.family(
        "fedlocal_worker_last_step_timestamp_seconds",
        "gauge",
        "When each worker of the serving process last finished a step (Unix time).",
        [({"worker": name}, beats[name]) for name in sorted(beats)],
    )
    # The serving process's garbage collector: its full passes stop the event loop
    # (fedlocal/gc_freeze.py).
    out.family(
        "fedlocal_gc_collections_total",
        "counter",
        "Garbage collections of the serving process, by generation (2: full passes).",
        [({"generation": str(n)}, g["collections"]) for n, g in enumerate(gc.get_stats())],
    )
    out.family(
        "fedlocal_gc_frozen_objects",
        "gauge",
        "Objects the serving process built at start, which full collections skip.",
        [({}, gc.get_freeze_count())],
    )
    out.family(
        "fedlocal_metrics_generated_timestamp_seconds",
        "gauge",
        "When this page was generated (Unix time), to compare with the workers'.",
        [({}, round(time.time(), 3))],
    )
    out.raw(times.lines())
    return out.text()
