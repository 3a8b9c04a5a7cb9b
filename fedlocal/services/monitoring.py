"""The queue figures `/metrics` shows (fedlocal/monitoring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..store import monitoring as monitoring_store
from ..store.clock import utcnow
from .context import ServiceContext

# Hosts named in the delivery-failure metric; the rest are summed as "other", so a
# thousand failing hosts do not make a thousand time series.
FAILING_HOSTS_SHOWN = 10


@dataclass(frozen=True)
class QueueFigures:
    depths: monitoring_store.QueueDepths
    failing_hosts: dict[str, int]
    failing_elsewhere: int
    oldest_inbox_seconds: float
    oldest_delivery_seconds: float


async def queue_figures(ctx: ServiceContext) -> QueueFigures:
    now = utcnow()
    async with ctx.db.inbox.read() as conn:
        inbox = await monitoring_store.inbox_depth(conn)
    async with ctx.db.read() as conn:
        depths = await monitoring_store.queue_depths(conn, inbox, now)
        worst, others = await monitoring_store.failing_delivery_hosts(conn, FAILING_HOSTS_SHOWN)

    def age(since: datetime | None) -> float:
        return max(0.0, (now - since).total_seconds()) if since is not None else 0.0

    return QueueFigures(
        depths=depths,
        failing_hosts=worst,
        failing_elsewhere=others,
        oldest_inbox_seconds=age(depths.oldest_inbox_pending),
        oldest_delivery_seconds=age(depths.oldest_delivery_due),
    )
