"""Outbound delivery: fan-out into one delivery per inbox, signed POSTs, retries with
backoff, permanent errors, the per-host circuit breaker, and bounded fan-out batches.

The instance runs without its workers; each test drives `DeliveryWorker.run_once(now)`
itself and passes the clock, so retries and open circuits come due without waiting.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from activitypub.errors import SignatureError
from fedlocal.federation import delivery
from fedlocal.federation.backoff import backoff_seconds
from fedlocal.federation.delivery import FANOUT_BATCH, DeliveryWorker
from fedlocal.models import Actor
from fedlocal.services import accounts, posts
from fedlocal.store import actors as actor_store
from fedlocal.store import domains as domain_store
from fedlocal.store import follows as follow_store
from fedlocal.store import outbox as outbox_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import actors, deliveries, follows
from tests.support.instance import TestInstance as Instance
from tests.support.instance import count_write_transactions, instance_config, running_instance
from tests.support.live_server import free_socket
from tests.support.recording_inbox import (
    RecordingInbox,
    public_key_from_actor,
    public_key_from_store,
    recording_inbox,
    verify_signature,
)

RETRY_BASE = 10.0
RETRY_CAP = 80.0
THRESHOLD = 4
OPEN_SECONDS = 60.0
MAX_ATTEMPTS = 6
SETTINGS = {
    "run_workers": False,
    "retry_base_seconds": RETRY_BASE,
    "retry_cap_seconds": RETRY_CAP,
    "circuit_failure_threshold": THRESHOLD,
    "circuit_open_seconds": OPEN_SECONDS,
    "delivery_max_attempts": MAX_ATTEMPTS,
}
PASSWORD = "correct horse battery"


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, **SETTINGS) as instance:
        yield instance


@pytest.fixture
async def alice(inst) -> Actor:
    _account, actor = await accounts.create_account(inst.services, "alice", PASSWORD)
    return actor


@pytest.fixture
def worker(inst) -> DeliveryWorker:
    return DeliveryWorker(inst.federation)


async def add_follower(
    inst: Instance,
    followed: Actor,
    uri: str,
    *,
    inbox: str,
    shared_inbox: str | None = None,
) -> Actor:
    """A remote actor, stored as if fetched, with an accepted follow of `followed`."""
    host = uri.split("/")[2]
    async with inst.db.write() as conn:
        follower = await actor_store.upsert_remote_actor(
            conn,
            uri=uri,
            type="Person",
            username=uri.rsplit("/", 1)[-1],
            domain=host,
            inbox_url=inbox,
            shared_inbox_url=shared_inbox,
        )
        await follow_store.upsert_follow(
            conn,
            follower_id=follower.id,
            followed_id=followed.id,
            uri=f"{uri}#follow/{followed.id}",
            state="accepted",
        )
    return follower


async def follower_on(inst: Instance, followed: Actor, host: RecordingInbox, name: str):
    """A follower on `host` that uses the host's shared inbox."""
    return await add_follower(
        inst,
        followed,
        host.actor_uri(name),
        inbox=host.personal_inbox(name),
        shared_inbox=host.shared_inbox,
    )


async def follower_at(inst: Instance, followed: Actor, host: str, name: str) -> Actor:
    """A follower on a Mastodon-like `host` nothing listens on, with a shared inbox."""
    return await add_follower(
        inst,
        followed,
        f"https://{host}/users/{name}",
        inbox=f"https://{host}/users/{name}/inbox",
        shared_inbox=f"https://{host}/inbox",
    )


async def delivery_rows(inst: Instance) -> list:
    async with inst.db.read() as conn:
        return list(await conn.execute(select(deliveries).order_by(deliveries.c.id)))


async def only_row(inst: Instance):
    rows = await delivery_rows(inst)
    assert len(rows) == 1, rows
    return rows[0]


async def drain(worker: DeliveryWorker, now: datetime | None = None) -> None:
    """Run the worker until a step finds nothing to do."""
    for _ in range(50):
        if not await worker.run_once(now):
            return
    raise AssertionError("the delivery worker never ran out of work")


async def health(inst: Instance, domain: str):
    async with inst.db.read() as conn:
        return await domain_store.get_health(conn, domain)


# --- fan-out and signing --------------------------------------------------------------------


async def test_one_signed_post_per_distinct_inbox(inst, alice, worker):
    async with recording_inbox() as north, recording_inbox() as south:
        # Given three followers on one host sharing its shared inbox, and on another host
        # one follower with a shared inbox and one without
        for name in ("ana", "bob", "cy"):
            await follower_on(inst, alice, north, name)
        await follower_on(inst, alice, south, "dee")
        await add_follower(inst, alice, south.actor_uri("eve"), inbox=south.personal_inbox("eve"))

        # When alice posts and the worker fans out
        post = await posts.publish_note(inst.services, alice, "Des pommes à donner")
        await worker.fan_out()

        # Then there is one delivery row per distinct inbox, shared inboxes preferred
        rows = await delivery_rows(inst)
        assert sorted(row.inbox_url for row in rows) == sorted(
            [north.shared_inbox, south.shared_inbox, south.personal_inbox("eve")]
        )
        assert {row.domain for row in rows} == {north.host, south.host}

        # When the deliveries run
        await drain(worker)

    # Then each inbox got exactly one POST and every row is done
    assert [p.url for p in north.received] == [north.shared_inbox]
    assert sorted(p.url for p in south.received) == sorted(
        [south.shared_inbox, south.personal_inbox("eve")]
    )
    assert await delivery_rows(inst) == []
    key_id = f"{alice.uri}#main-key"
    published_key = await public_key_from_actor(key_id)
    assert published_key == await public_key_from_store(inst.db, key_id)
    for received in north.received + south.received:
        assert received.headers["content-type"] == "application/activity+json"
        signature = verify_signature(received, published_key)
        assert signature.scheme == "cavage"
        assert signature.key_id == key_id
        assert signature.algorithm == "rsa-sha256"
        assert signature.covered == (
            "(request-target)",
            "host",
            "date",
            "digest",
            "content-type",
        )
        activity = received.json()
        assert activity["type"] == "Create"
        assert activity["actor"] == alice.uri
        assert activity["object"]["id"] == post.uri
        assert "https://www.w3.org/ns/activitystreams" in activity["@context"]


async def test_a_delivery_signed_by_someone_else_does_not_verify(inst, alice, worker):
    # Guards the signature check above: another actor's key must not verify alice's POST.
    _account, bruno = await accounts.create_account(inst.services, "bruno", PASSWORD)
    async with recording_inbox() as host:
        await follower_on(inst, alice, host, "ana")
        await posts.publish_note(inst.services, alice, "Une échelle à prêter")
        await drain(worker)
    (received,) = host.received
    bruno_key = await public_key_from_store(inst.db, f"{bruno.uri}#main-key")
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(received, bruno_key)


# --- retries ---------------------------------------------------------------------------


def assert_backoff(delay: float, attempts_before: int) -> None:
    expected = min(RETRY_BASE * 2**attempts_before, RETRY_CAP)
    assert 0.5 * expected <= delay < expected, (delay, attempts_before)


async def test_503_then_202_is_delivered_on_the_second_attempt(inst, alice, worker):
    async with recording_inbox([503]) as host:
        # Given a follower whose inbox fails once
        await follower_on(inst, alice, host, "ana")
        await posts.publish_note(inst.services, alice, "Qui a une perceuse ?")
        await worker.fan_out()

        # When the first attempt gets a 503
        first = utcnow()
        await worker.run_once(first)

        # Then the row waits with one attempt spent and a jittered backoff
        row = await only_row(inst)
        assert (row.state, row.attempts, row.last_status) == ("pending", 1, 503)
        assert_backoff((row.next_attempt_at - first).total_seconds(), 0)
        assert len(host.received) == 1

        # When the worker runs again before the retry is due, nothing is sent
        await worker.run_once(first + timedelta(seconds=1))
        assert len(host.received) == 1

        # When the retry is due
        await worker.run_once(row.next_attempt_at)

    # Then it is delivered, the row is gone, and the same body was sent twice
    assert [p.answered for p in host.received] == [503, 202]
    assert host.received[0].body == host.received[1].body
    assert await delivery_rows(inst) == []
    assert (await health(inst, host.host)).consecutive_failures == 0


async def test_backoff_grows_exponentially_until_delivered(inst, alice, worker):
    async with recording_inbox([503, 500, 502]) as host:
        await follower_on(inst, alice, host, "ana")
        await posts.publish_note(inst.services, alice, "Cours de tricot jeudi")
        await worker.fan_out()
        now = utcnow()
        delays = []
        for attempts_before in range(3):
            await worker.run_once(now)
            row = await only_row(inst)
            assert row.attempts == attempts_before + 1
            delay = (row.next_attempt_at - now).total_seconds()
            assert_backoff(delay, attempts_before)
            delays.append(delay)
            now = row.next_attempt_at
        await worker.run_once(now)

    assert delays == sorted(delays) and len(set(delays)) == 3
    assert [p.answered for p in host.received] == [503, 500, 502, 202]
    assert await delivery_rows(inst) == []


def test_backoff_is_jittered_within_bounds_and_capped(tmp_path):
    config = instance_config(tmp_path, 8000, **SETTINGS)
    for attempts, expected in ((0, RETRY_BASE), (2, 4 * RETRY_BASE), (30, RETRY_CAP)):
        samples = [backoff_seconds(attempts, config) for _ in range(400)]
        assert all(0.5 * expected <= s < expected for s in samples)
        # Jitter spreads retries: the samples cover most of the allowed range.
        assert max(samples) - min(samples) > 0.4 * expected
        assert len(set(samples)) > 300


async def test_statuses_are_retried_or_given_up_as_mastodon_does(inst, alice, worker):
    retried = (401, 408, 429, 500, 503)
    permanent = (400, 403, 404, 410, 501)
    async with contextlib.AsyncExitStack() as stack:
        # Given one follower host per status, each answering that status once
        hosts = {}
        for status in retried + permanent:
            hosts[status] = await stack.enter_async_context(recording_inbox([status]))
            await follower_on(inst, alice, hosts[status], f"user{status}")
        await posts.publish_note(inst.services, alice, "Vide-grenier dimanche")
        await worker.fan_out()

        # When every host has answered its status once
        now = utcnow()
        await worker.run_once(now)
        by_domain = {row.domain: row for row in await delivery_rows(inst)}
        outcome = {
            status: (by_domain[host.host].state, by_domain[host.host].attempts)
            for status, host in hosts.items()
        }

        # Then retryable statuses wait for another attempt and permanent ones are dead
        assert outcome == {
            **{status: ("pending", 1) for status in retried},
            **{status: ("dead", 1) for status in permanent},
        }
        for status, host in hosts.items():
            assert by_domain[host.host].last_status == status

        # When much later the worker runs again
        await drain(worker, now + timedelta(days=1))

    # Then only the retryable hosts were asked again
    sent = {status: [p.answered for p in host.received] for status, host in hosts.items()}
    assert sent == {
        **{status: [status, 202] for status in retried},
        **{status: [status] for status in permanent},
    }
    remaining = await delivery_rows(inst)
    assert sorted(row.last_status for row in remaining) == sorted(permanent)
    assert {row.state for row in remaining} == {"dead"}


async def test_a_delivery_is_abandoned_when_attempts_run_out(inst, alice, worker):
    async with recording_inbox(then=503) as host:
        await follower_on(inst, alice, host, "ana")
        await posts.publish_note(inst.services, alice, "Atelier vélo")
        await worker.fan_out()
        now = utcnow()
        for _ in range(MAX_ATTEMPTS):
            await worker.run_once(now)
            row = await only_row(inst)
            now = row.next_attempt_at
        assert (row.state, row.attempts, row.last_status) == ("dead", MAX_ATTEMPTS, 503)

        # A dead delivery is never attempted again
        await drain(worker, now + timedelta(days=30))

    assert len(host.received) == MAX_ATTEMPTS


# --- the circuit breaker -------------------------------------------------------------------


async def test_a_failing_host_opens_its_circuit_and_a_success_closes_it(inst, alice, worker):
    async with recording_inbox([503] * THRESHOLD) as failing, recording_inbox() as healthy:
        # Given followers on a failing host and on a healthy one
        await follower_on(inst, alice, failing, "ana")
        await follower_on(inst, alice, healthy, "bob")

        # When THRESHOLD posts fail on the failing host
        for n in range(THRESHOLD):
            await posts.publish_note(inst.services, alice, f"Annonce {n}")
        await worker.fan_out()
        start = utcnow()
        await drain(worker, start)

        # Then its circuit is open for circuit_open_seconds
        state = await health(inst, failing.host)
        assert state.consecutive_failures == THRESHOLD
        assert state.circuit_state == "open"
        assert state.open_until == start + timedelta(seconds=OPEN_SECONDS)
        assert len(failing.received) == THRESHOLD
        assert len(healthy.received) == THRESHOLD

        # When another post is made while the circuit is open, past every backoff
        await posts.publish_note(inst.services, alice, "Pendant la panne")
        while_open = start + timedelta(seconds=OPEN_SECONDS / 2)
        await drain(worker, while_open)

        # Then the healthy host gets it, the failing host is not even tried, and waiting
        # spends no attempts
        assert len(healthy.received) == THRESHOLD + 1
        assert len(failing.received) == THRESHOLD
        waiting = [r for r in await delivery_rows(inst) if r.domain == failing.host]
        assert len(waiting) == THRESHOLD + 1
        assert sorted(r.attempts for r in waiting) == [0] + [1] * THRESHOLD
        assert {r.state for r in waiting} == {"pending"}

        # When the circuit's time is up and the host answers again
        await drain(worker, state.open_until + timedelta(seconds=1))

    # Then everything waiting is delivered and a success closes the circuit
    assert len(failing.received) == 2 * THRESHOLD + 1
    assert [p.answered for p in failing.received[THRESHOLD:]] == [202] * (THRESHOLD + 1)
    assert await delivery_rows(inst) == []
    closed = await health(inst, failing.host)
    assert (closed.circuit_state, closed.consecutive_failures) == ("closed", 0)
    assert (await health(inst, healthy.host)).circuit_state == "closed"


# --- bounded fan-out -------------------------------------------------------------------


async def followers_on_two_hosts(inst: Instance, alice: Actor) -> None:
    for host in ("north.example", "south.example"):
        await follower_at(inst, alice, host, "ana")


async def pending_fanouts(inst: Instance) -> int:
    async with inst.db.read() as conn:
        return len(await outbox_store.pending_fanouts(conn, limit=10))


async def test_several_posts_fan_out_in_one_write_turn(inst, alice, worker, monkeypatch):
    # Given three posts of alice's, whose followers are on two hosts
    await followers_on_two_hosts(inst, alice)
    for text in ("Des pommes", "Des poires", "Des prunes"):
        await posts.publish_note(inst.services, alice, text)
    pending = await pending_fanouts(inst)
    turns = count_write_transactions(inst.db, monkeypatch)

    # When the worker fans them out (with what else they sent: the instance's shares)
    assert await worker.fan_out() == pending >= 3

    # Then each post has a delivery to each host's shared inbox, written in one turn of
    # the write lock (the inbox's appends and the inbox worker wait for every turn)
    rows = await delivery_rows(inst)
    assert sorted(row.inbox_url for row in rows) == sorted(
        ["https://north.example/inbox", "https://south.example/inbox"] * 3
    )
    assert len({row.activity_id for row in rows}) == 3
    assert len(turns) == 1


async def test_one_write_turn_holds_about_a_batch_of_deliveries(inst, alice, worker, monkeypatch):
    # Given three posts of alice's, whose followers are on two hosts, and batches of three
    monkeypatch.setattr(delivery, "FANOUT_BATCH", 3)
    await followers_on_two_hosts(inst, alice)
    for text in ("Des pommes", "Des poires", "Des prunes"):
        await posts.publish_note(inst.services, alice, text)
    pending = await pending_fanouts(inst)

    # When the worker fans out once
    expanded = await worker.fan_out()

    # Then the transaction stopped once it held a batch's worth (two posts, four
    # deliveries), and the next rounds do the rest
    assert 0 < expanded < pending
    assert len(await delivery_rows(inst)) == 4
    while await worker.fan_out():
        pass
    assert len(await delivery_rows(inst)) == 6


async def test_a_fan_out_that_fails_holds_up_no_other(inst, alice, worker, monkeypatch, caplog):
    # Given three posts of alice's, the first of which cannot be fanned out (a bug)
    await followers_on_two_hosts(inst, alice)
    for text in ("Des pommes", "Des poires", "Des prunes"):
        await posts.publish_note(inst.services, alice, text)
    pending = await pending_fanouts(inst)
    async with inst.db.read() as conn:
        first = (await outbox_store.pending_fanouts(conn, limit=1))[0].id
    lock = outbox_store.lock_pending_fanout

    async def breaks_on_the_first(conn, activity_id):
        if activity_id == first:
            raise RuntimeError("a bug in this activity's fan-out")
        return await lock(conn, activity_id)

    monkeypatch.setattr(outbox_store, "lock_pending_fanout", breaks_on_the_first)

    # When the worker fans out
    assert await worker.fan_out() == pending

    # Then the two others have their deliveries, the first none, and it is logged
    rows = await delivery_rows(inst)
    assert first not in {row.activity_id for row in rows}
    assert len(rows) == 4
    assert "fan-out of outgoing activity" in caplog.text
    # And once the bug is gone, the next round fans the first out too
    monkeypatch.setattr(outbox_store, "lock_pending_fanout", lock)
    assert await worker.fan_out() == 1
    assert len(await delivery_rows(inst)) == 6


async def test_fan_out_to_thousands_of_followers_reads_bounded_batches(
    inst, alice, worker, monkeypatch
):
    # Given 2 000 followers: 1 000 on 200 hosts with a shared inbox (5 per host) and
    # 1 000 on hosts without one, so 1 200 distinct inboxes. Written in two bulk inserts
    # into the store's tables: one upsert per actor would take seconds.
    now = utcnow()
    remote_rows = []
    for n in range(2000):
        host = f"shared{n // 5}.example" if n < 1000 else f"solo{n}.example"
        uri = f"https://{host}/users/u{n}"
        remote_rows.append(
            {
                "uri": uri,
                "type": "Person",
                "role": "remote",
                "username": f"u{n}",
                "domain": host,
                "display_name": "",
                "summary": "",
                "inbox_url": f"{uri}/inbox",
                "shared_inbox_url": f"https://{host}/inbox" if n < 1000 else None,
                "manually_approves_followers": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    expected_inboxes = {row["shared_inbox_url"] or row["inbox_url"] for row in remote_rows}
    async with inst.db.write() as conn:
        await conn.execute(insert(actors), remote_rows)
        ids = (await conn.execute(select(actors.c.id).where(actors.c.role == "remote"))).scalars()
        await conn.execute(
            insert(follows),
            [
                {
                    "follower_id": follower_id,
                    "followed_id": alice.id,
                    "uri": f"https://follows.example/{follower_id}",
                    "state": "accepted",
                    "created_at": now,
                    "updated_at": now,
                }
                for follower_id in ids
            ],
        )
        assert await follow_store.count_followers(conn, alice.id) == 2000
    assert len(expected_inboxes) == 1200

    calls: list[tuple[int, int]] = []
    real_follower_inboxes = follow_store.follower_inboxes

    async def spy(conn, actor_ids, *, after, limit):
        batch = await real_follower_inboxes(conn, actor_ids, after=after, limit=limit)
        if alice.id in actor_ids:
            calls.append((limit, len(batch)))
        return batch

    monkeypatch.setattr(delivery.follow_store, "follower_inboxes", spy)
    post = await posts.publish_note(inst.services, alice, "Grande braderie samedi")
    activity_uri = f"{post.uri}/activity"

    # When the worker fans out step by step
    counts = []
    states = []
    for _ in range(10):
        if not await worker.fan_out():
            break
        async with inst.db.read() as conn:
            counts.append(await outbox_store.count_deliveries(conn))
            pending = await outbox_store.pending_fanouts(conn, limit=10)
            states.append("pending" if activity_uri in {a.uri for a in pending} else "done")

    # Then each step read at most one batch of inboxes, and the last step finished
    assert calls == [(FANOUT_BATCH, 500), (FANOUT_BATCH, 500), (FANOUT_BATCH, 200)]
    assert counts == [500, 1000, 1200]
    assert states == ["pending", "pending", "done"]
    rows = await delivery_rows(inst)
    assert len(rows) == 1200
    assert {row.inbox_url for row in rows} == expected_inboxes


# --- who never gets a delivery -----------------------------------------------------------


async def test_blocked_domains_and_our_own_inboxes_get_no_delivery(tmp_path):
    settings = {**SETTINGS, "blocked_domains": ["blocked.example"]}
    async with running_instance(tmp_path, **settings) as inst, recording_inbox() as allowed:
        _account, alice = await accounts.create_account(inst.services, "alice", PASSWORD)
        worker = DeliveryWorker(inst.federation)
        # Given followers on an allowed host, a blocked domain and its subdomain, and a
        # "remote" actor whose inbox is on our own base URL
        await follower_on(inst, alice, allowed, "ana")
        for host in ("blocked.example", "social.blocked.example"):
            await follower_at(inst, alice, host, "bob")
        await add_follower(
            inst,
            alice,
            "https://mirror.example/users/echo",
            inbox=f"{inst.base_url}/users/alice/inbox",
            shared_inbox=f"{inst.base_url}/inbox",
        )

        # When alice posts and everything is delivered
        await posts.publish_note(inst.services, alice, "Soupe partagée ce soir")
        await worker.fan_out()
        rows = await delivery_rows(inst)
        await drain(worker)

    # Then only the allowed host had a delivery row, and only it was contacted
    assert [row.inbox_url for row in rows] == [allowed.shared_inbox]
    assert [p.url for p in allowed.received] == [allowed.shared_inbox]


async def test_a_host_that_was_down_gets_the_delivery_once_it_listens(inst, alice, worker):
    # Given a follower whose server is not listening (the port is reserved, not served)
    sock = free_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    await add_follower(
        inst, alice, f"{base}/users/ana", inbox=f"{base}/users/ana/inbox", shared_inbox=None
    )
    await posts.publish_note(inst.services, alice, "Marché de Noël")
    await worker.fan_out()

    # When the first attempt cannot connect
    first = utcnow()
    await worker.run_once(first)

    # Then the delivery waits for a retry, with no HTTP status recorded
    row = await only_row(inst)
    assert (row.state, row.attempts, row.last_status) == ("pending", 1, None)
    assert row.last_error
    assert_backoff((row.next_attempt_at - first).total_seconds(), 0)

    # When a server listens on that port and the retry comes due
    async with recording_inbox(sock=sock) as host:
        await worker.run_once(row.next_attempt_at)

    # Then the activity arrives, once
    assert [p.url for p in host.received] == [f"{base}/users/ana/inbox"]
    assert host.received[0].json()["type"] == "Create"
    assert await delivery_rows(inst) == []


async def test_deliveries_started_together_parse_the_signing_key_once(
    inst, alice, worker, monkeypatch
):
    # Parsing an RSA key checks it (tens of milliseconds of CPU): a fan-out's first
    # deliveries, all started before any of them has the key, must share one parse.
    parsed = []
    real_load = delivery.key_codec.load_private_key_pem

    def counting_load(pem):
        parsed.append(pem)
        return real_load(pem)

    monkeypatch.setattr(delivery.key_codec, "load_private_key_pem", counting_load)
    async with contextlib.AsyncExitStack() as stack:
        hosts = [await stack.enter_async_context(recording_inbox()) for _ in range(5)]
        # Given followers on five hosts
        for number, host in enumerate(hosts):
            await follower_on(inst, alice, host, f"f{number}")

        # When alice posts twice and the worker sends everything
        await posts.publish_note(inst.services, alice, "Des pommes à donner")
        await posts.publish_note(inst.services, alice, "Et des poires")
        await drain(worker)

    # Then every host got both posts, signed with a key parsed once
    assert [len(host.received) for host in hosts] == [2] * 5
    assert len(parsed) == 1
    published_key = await public_key_from_store(inst.db, f"{alice.uri}#main-key")
    for host in hosts:
        for received in host.received:
            verify_signature(received, published_key)
