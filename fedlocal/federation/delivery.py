"""The delivery worker: fans activities out to inboxes and delivers them, with retries.

Two stages (interop.md §2.4, style.md "Retry like Fedify and Mastodon"):
1. fan-out: an outgoing activity's audience (the followers of an actor, explicit inboxes)
   is expanded into one delivery row per distinct inbox — shared inboxes preferred — in
   batches of FANOUT_BATCH, so memory does not grow with the follower count;
2. delivery: due rows are POSTed, signed by the activity's actor, a bounded number at a time.
   2xx ends a delivery; 401, 408, 429 and 5xx other than 501 are retried with exponential
   backoff and jitter; 501 and any other 4xx are permanent (Mastodon's rule). A host that
   keeps failing opens its circuit: its deliveries wait without spending attempts.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from activitypub import keys as key_codec
from activitypub.addressing import host_of
from activitypub.client import HttpSignatureAuth, post_activity
from activitypub.fetch_errors import FetchError

from ..store import actors as actor_store
from ..store import domains as domain_store
from ..store import follows as follow_store
from ..store import outbox as outbox_store
from ..store.clock import utcnow
from ..store.outbox import Delivery, OutgoingActivity
from .backoff import backoff_seconds
from .runtime import Federation

log = logging.getLogger(__name__)

FANOUT_BATCH = 500
# Pending activities one fan-out step looks at.
FANOUT_ACTIVITIES = 10
SIGNER_CACHE_SIZE = 1000
RETRYABLE_4XX = frozenset({401, 408, 429})


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    status: int | None
    error: str | None
    # Never sent: the host's domain was blocked after the delivery was queued.
    blocked: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def permanent(self) -> bool:
        """Mastodon's rule: 501 and every 4xx but 401, 408 and 429 are not worth retrying."""
        status = self.status
        return status is not None and (
            status == 501 or (400 <= status < 500 and status not in RETRYABLE_4XX)
        )


@dataclass(frozen=True)
class Expansion:
    """What one fan-out step did: `activities` expanded (in full or by one batch),
    `deliveries` added, and the activities whose expansion together `failed`."""

    activities: int = 0
    deliveries: int = 0
    failed: list[OutgoingActivity] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    """Leased deliveries: those to send, and those held back behind a host's half-open
    probe (released once the probe's outcome is recorded); `probes` names the hosts being
    probed."""

    send: list[Delivery]
    held_back: list[Delivery]
    probes: frozenset[str]


class DeliveryWorker:
    def __init__(self, federation: Federation):
        self.federation = federation
        self.lease = timedelta(seconds=federation.config.queue_lease_seconds)
        self._signers: OrderedDict[int, asyncio.Future[HttpSignatureAuth]] = OrderedDict()

    async def run_once(self, now: datetime | None = None) -> int:
        """One fan-out step and one delivery batch; returns how much work was done.

        `now` stands in for the clock of the delivery step (which rows are due, which
        circuits are open, when retries are scheduled), so a test can make a retry come
        due without waiting for it.
        """
        expanded = await self.fan_out()
        delivered = await self.deliver_batch(now)
        return expanded + delivered

    # --- stage 1 ------------------------------------------------------------------------

    async def fan_out(self) -> int:
        """Expand a few pending activities by one batch of inboxes each, in one write
        transaction of its own; returns how many (`expand` says more)."""
        db = self.federation.db
        async with db.read() as conn:
            activities = await outbox_store.pending_fanouts(conn, limit=FANOUT_ACTIVITIES)
        if not activities:
            return 0
        async with db.write() as conn:
            expansion = await self.expand(conn, activities)
        expansion = await self.after_expansion(expansion)
        return expansion.activities

    async def expand(self, conn, activities: Sequence[OutgoingActivity] | None = None) -> Expansion:
        """In the caller's write transaction: expand `activities` (by default the first
        pending ones) by one batch of inboxes each, until it holds a batch's worth of
        deliveries (`FANOUT_BATCH`; the rest go in the next round).

        Together, in a savepoint: one transaction each took a turn of the write lock per
        activity (a group shares every post of its members), and the inbox's appends and
        the inbox worker waited behind each. If the savepoint fails, nothing of it is kept
        and the expansion lists the activities for `after_expansion`, which takes them one
        by one once the caller's transaction is over."""
        if activities is None:
            activities = await outbox_store.pending_fanouts(conn, limit=FANOUT_ACTIVITIES)
        if not activities:
            return Expansion()
        expanded = added = 0
        try:
            async with conn.begin_nested():
                for listed in activities:
                    added += await self._expand_batch(conn, listed)
                    expanded += 1
                    if added >= FANOUT_BATCH:
                        break
        except Exception:
            log.warning("fan-out of %d activities together failed: one by one",
                        len(activities), exc_info=True)  # fmt: skip
            return Expansion(failed=list(activities))
        return Expansion(expanded, added)

    async def after_expansion(self, expansion: Expansion) -> Expansion:
        """Once `expand`'s transaction is committed: the activities that failed together
        go one by one, each in a write transaction of its own (a failure stays its
        activity's own: logged, the activity left pending for the next round). Returns
        the whole expansion; the delivery workers are woken when it added deliveries."""
        if expansion.failed:
            expanded = added = 0
            for listed in expansion.failed:
                try:
                    async with self.federation.db.write() as conn:
                        added += await self._expand_batch(conn, listed)
                except Exception:
                    log.exception("fan-out of outgoing activity %s failed", listed.id)
                expanded += 1
            expansion = Expansion(expansion.activities + expanded, expansion.deliveries + added)
        if expansion.deliveries:
            self.federation.outbox.wake()
        return expansion

    async def _expand_batch(self, conn, listed: OutgoingActivity) -> int:
        """One batch of the activity's inboxes made deliveries, in the caller's write
        transaction; returns how many."""
        # Read again under a lock: the cursor listed may be stale, or another worker
        # process may be expanding this activity right now (then leave it to it).
        activity = await outbox_store.lock_pending_fanout(conn, listed.id)
        if activity is None:
            return 0
        inboxes: list[str] = []
        if activity.fanout_cursor is None:
            inboxes.extend(activity.inboxes)
        done = True
        cursor = activity.fanout_cursor
        audience = [a for a in [activity.followers_of, *activity.extra_followers_of] if a]
        if audience:
            batch = await follow_store.follower_inboxes(
                conn, audience, after=cursor or "", limit=FANOUT_BATCH
            )
            inboxes.extend(batch)
            if len(batch) == FANOUT_BATCH:
                done, cursor = False, batch[-1]
        domains = self.federation.services.domains
        allowed = [
            (inbox, host_of(inbox))
            for inbox in dict.fromkeys(inboxes)
            if not inbox.startswith(self.federation.config.base_url + "/")
            and await domains.allows(host_of(inbox))
        ]
        await outbox_store.add_deliveries(conn, activity.id, allowed)
        # An empty cursor marks "explicit inboxes already added" for the next batch.
        await outbox_store.advance_fanout(conn, activity.id, cursor=cursor or "", done=done)
        return len(allowed)

    # --- stage 2 ------------------------------------------------------------------------

    async def deliver_batch(self, now: datetime | None = None) -> int:
        """Claim a batch of due deliveries, send them and record every outcome (what
        `run_once` does; the running server uses `DeliveryPool`, which never waits for a
        whole batch)."""
        config = self.federation.config
        moment = now or utcnow()
        claimed = await self.claim(limit=config.delivery_concurrency * 2, now=now)
        jobs = claimed.send
        if not jobs:
            return 0
        semaphore = asyncio.Semaphore(config.delivery_concurrency)

        async def attempt(job: Delivery) -> Outcome:
            async with semaphore:
                return await self.send(job)

        outcomes = await asyncio.gather(*(attempt(job) for job in jobs))
        # Held-back rows are released after the probe's outcome is recorded: if the host
        # answered, they go out in the next batch; if not, the re-opened circuit keeps them
        # waiting.
        await self.record(outcomes, moment, release=claimed.held_back)
        return len(jobs)

    async def claim(
        self, *, limit: int, now: datetime | None = None, skip_domains: Collection[str] = ()
    ) -> Claimed:
        """Lease up to `limit` due deliveries, deciding which hosts get a probe."""
        async with self.federation.db.write() as conn:
            return await self.claim_in(conn, limit=limit, now=now, skip_domains=skip_domains)

    async def claim_in(
        self,
        conn,
        *,
        limit: int,
        now: datetime | None = None,
        skip_domains: Collection[str] = (),
        per_host: int | None = None,
        in_flight: Mapping[str, int] | None = None,
    ) -> Claimed:
        """`claim` in the caller's write transaction; with `per_host`, no host gets more
        than that many, counting `in_flight` (`outbox_store.claim_deliveries`)."""
        jobs = await outbox_store.claim_deliveries(
            conn,
            limit=limit,
            lease=self.lease,
            now=now,
            skip_domains=skip_domains,
            per_host=per_host,
            in_flight=in_flight,
        )
        return await self._half_open_probes(conn, jobs)

    async def record(
        self, outcomes: Sequence[Outcome], now: datetime, release: Sequence[Delivery] = ()
    ) -> None:
        """Record outcomes in one write transaction; `release` goes back to the queue."""
        async with self.federation.db.write() as conn:
            await self.record_in(conn, outcomes, now, release)

    async def record_in(
        self, conn, outcomes: Sequence[Outcome], now: datetime, release: Sequence[Delivery] = ()
    ) -> None:
        """`record` in the caller's write transaction."""
        # Successes (nearly every outcome of a fan-out) are written in three statements
        # whatever their number; a host that also failed in this batch keeps the
        # outcome-by-outcome path, so its last outcome decides its health as before.
        failed_hosts = {o.delivery.domain for o in outcomes if not o.succeeded}
        batched = [o for o in outcomes if o.succeeded and o.delivery.domain not in failed_hosts]
        one_by_one = [
            o for o in outcomes if not (o.succeeded and o.delivery.domain not in failed_hosts)
        ]
        if batched:
            await outbox_store.delivered_many(conn, [o.delivery.id for o in batched])
            await domain_store.record_successes(conn, [o.delivery.domain for o in batched])
        for outcome in one_by_one:
            await self._record(conn, outcome, now)
        for job in release:
            await outbox_store.retry_delivery(
                conn,
                job.id,
                at=now,
                status=None,
                error="waiting for a probe",
                count_attempt=False,
            )

    async def _half_open_probes(self, conn, jobs: list[Delivery]) -> Claimed:
        """For a host whose circuit has just reached the end of its open period, send one
        delivery as a probe and hold the others back, rather than all of them at once."""
        send: list[Delivery] = []
        held_back: list[Delivery] = []
        probing: set[str] = set()
        open_hosts = await domain_store.open_circuits(conn, [job.domain for job in jobs])
        for job in jobs:
            if job.domain not in open_hosts:
                send.append(job)
            elif job.domain not in probing:
                probing.add(job.domain)
                send.append(job)
            else:
                held_back.append(job)
        return Claimed(send, held_back, frozenset(probing))

    async def send(self, job: Delivery) -> Outcome:
        """POST one delivery, signed by its activity's actor; never raises. A delivery
        queued before its host's domain was blocked is dropped unsent."""
        if not await self.federation.services.domains.allows(job.domain):
            return Outcome(job, None, "the domain is blocked by this instance", blocked=True)
        try:
            auth = await self._signer(job.actor_id)
            response = await post_activity(
                self.federation.client,
                job.inbox_url,
                job.body.encode(),
                auth=auth,
                deadline=self.federation.config.http_timeout_seconds * 2,
            )
        except FetchError as exc:
            return Outcome(job, None, str(exc))
        except Exception as exc:  # never lose the row to an unexpected error
            log.exception("delivery %s to %s crashed", job.id, job.inbox_url)
            return Outcome(job, None, f"{type(exc).__name__}: {exc}")
        error = None if 200 <= response.status_code < 300 else response.text[:500]
        return Outcome(job, response.status_code, error)

    async def _record(self, conn, outcome: Outcome, now: datetime) -> None:
        config = self.federation.config
        job = outcome.delivery
        if outcome.succeeded:
            await outbox_store.delivered(conn, job.id)
            await domain_store.record_success(conn, job.domain)
            return
        error = outcome.error or f"HTTP {outcome.status}"
        if outcome.blocked:
            await outbox_store.give_up_delivery(conn, job.id, status=None, error=error)
            return
        if outcome.permanent:
            log.info("delivery to %s refused permanently: %s", job.inbox_url, error)
            await outbox_store.give_up_delivery(conn, job.id, status=outcome.status, error=error)
            # The host answered: it is up, whatever it thought of this activity.
            await domain_store.record_success(conn, job.domain)
            return
        health = await domain_store.record_failure(
            conn,
            job.domain,
            error=error,
            threshold=config.circuit_failure_threshold,
            open_for=timedelta(seconds=config.circuit_open_seconds),
            now=now,
        )
        if job.attempts + 1 >= config.delivery_max_attempts:
            log.warning(
                "delivery to %s abandoned after %d attempts", job.inbox_url, job.attempts + 1
            )
            await outbox_store.give_up_delivery(conn, job.id, status=outcome.status, error=error)
            return
        at = now + timedelta(seconds=backoff_seconds(job.attempts, config))
        if health.circuit_state == "open" and health.open_until and health.open_until > at:
            at = health.open_until
        await outbox_store.retry_delivery(conn, job.id, at=at, status=outcome.status, error=error)

    async def _signer(self, actor_id: int) -> HttpSignatureAuth:
        """The actor's signing auth, its key parsed once per process: parsing an RSA key
        checks it (about 70 ms of CPU), so the first deliveries of a fan-out, started
        together, share one load instead of each doing its own."""
        cached = self._signers.get(actor_id)
        if cached is None:
            cached = asyncio.ensure_future(self._load_signer(actor_id))
            self._signers[actor_id] = cached
            while len(self._signers) > SIGNER_CACHE_SIZE:
                self._signers.popitem(last=False)
        else:
            self._signers.move_to_end(actor_id)
        try:
            # Shielded: one waiter cancelled must not cancel the load the others await.
            return await asyncio.shield(cached)
        except Exception:
            # Not cached when it failed (no key yet, a database hiccup): the next try loads.
            if self._signers.get(actor_id) is cached and cached.done():
                del self._signers[actor_id]
            raise

    async def _load_signer(self, actor_id: int) -> HttpSignatureAuth:
        async with self.federation.db.read() as conn:
            actor = await actor_store.get_actor(conn, actor_id)
            assert actor is not None
            key = await actor_store.get_key(conn, self.federation.urls.main_key(actor.uri))
        if key is None or key.private_pem is None:
            raise FetchError(f"actor {actor_id} has no private key to sign with")
        # In a thread: the key check would hold the event loop (and every request) for
        # its whole duration.
        private_key = await asyncio.to_thread(key_codec.load_private_key_pem, key.private_pem)
        return HttpSignatureAuth(key.key_id, private_key)
