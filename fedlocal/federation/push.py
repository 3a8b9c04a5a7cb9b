"""The push worker: sends the queued Web Push messages (services/push.py decides what
and for whom, fedlocal/webpush.py encrypts) to the apps' push services, through the
same SSRF-guarded client as federation, unsigned.

2xx ends a push. 404 and 410 mean the subscription is gone at the push service: it is
dropped here too, with its queued pushes. Other 4xx but 408 and 429 are given up (the
push service will not take it); 408, 429, 5xx and transport failures are retried with
the deliveries' backoff, up to MAX_ATTEMPTS."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx

from activitypub.addressing import host_of
from activitypub.client import post_bytes
from activitypub.fetch_errors import FetchError

from ..models import PushDelivery
from ..services import push
from ..store import push as push_store
from ..store.clock import utcnow
from .backoff import backoff_seconds
from .runtime import Federation, make_http_client

log = logging.getLogger(__name__)

BATCH = 20
MAX_ATTEMPTS = 8
GONE = frozenset({404, 410})
RETRYABLE_4XX = frozenset({408, 429})


class PushWorker:
    def __init__(self, federation: Federation, client: httpx.AsyncClient | None = None):
        self.federation = federation
        self.lease = timedelta(minutes=2)
        # Unsigned: push services read VAPID, not HTTP signatures.
        self.client = client or make_http_client(federation.config, key_id=None, private_key=None)

    async def close(self) -> None:
        await self.client.aclose()

    async def run_once(self, now: datetime | None = None) -> int:
        """Send one batch of due pushes; how many were handled."""
        moment = now or utcnow()
        async with self.federation.db.write() as conn:
            claimed = await push_store.claim(conn, limit=BATCH, now=moment, lease=self.lease)
        for delivery in claimed:
            await self._send(delivery, moment)
        return len(claimed)

    async def _send(self, delivery: PushDelivery, now: datetime) -> None:
        ctx = self.federation.services
        prepared = await push.prepare(ctx, delivery)
        if prepared is None:
            async with self.federation.db.write() as conn:
                await push_store.done(conn, delivery.id)
            return
        body, headers = await push.encrypted(ctx, prepared)
        status: int | None = None
        error = ""
        try:
            response = await post_bytes(
                self.client,
                prepared.subscription.endpoint,
                body,
                headers=headers,
                deadline=self.federation.config.http_timeout_seconds,
            )
            status = response.status_code
        except FetchError as exc:
            error = str(exc)
        if status is not None and 200 <= status < 300:
            async with self.federation.db.write() as conn:
                await push_store.done(conn, delivery.id)
            return
        if status in GONE:
            log.info("push subscription %s gone (%s)", prepared.subscription.id, status)
            await push.drop(ctx, [prepared.subscription.id])
            return
        error = error or f"HTTP {status}"
        permanent = status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX
        async with self.federation.db.write() as conn:
            if permanent or delivery.attempts + 1 >= MAX_ATTEMPTS:
                log.warning(
                    "push %s to %s given up after %s attempts: %s",
                    delivery.id,
                    # The host only: an endpoint's path is the subscription's secret.
                    host_of(prepared.subscription.endpoint),
                    delivery.attempts + 1,
                    error,
                )
                await push_store.give_up(conn, delivery.id, error=error[:500])
            else:
                delay = backoff_seconds(delivery.attempts, self.federation.config)
                await push_store.retry_later(
                    conn, delivery.id, at=now + timedelta(seconds=delay), error=error[:500]
                )
