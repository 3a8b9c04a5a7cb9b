"""Runs of Creates: the inbox worker stores the plain ones of a batch together (one
statement per table, `federation/inbox/create.py`), and what it stores must be exactly
what the same activities give one at a time, in the same order.

Two real instances (workers off) receive the same deliveries from the same remote stub;
one processes them in one batch, the other one activity per batch, and every effect is
compared row for row (ids aside, order kept).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from fedlocal.federation import inbox_worker
from fedlocal.federation.inbox import create
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.models import Actor
from fedlocal.services import blocks, groups, inbound
from fedlocal.store import follows as follow_store
from fedlocal.store import inbox_queue, tables
from tests.support.federation_steps import create_mentioning, deliver, resident
from tests.support.instance import TestInstance as Instance
from tests.support.instance import count_write_transactions, running_instance
from tests.support.remote_stub import RemoteStub, StubActor


@contextlib.asynccontextmanager
async def neighbourhood(directory, stub: RemoteStub, alice: StubActor, carol: StubActor):
    """An instance where bruno follows alice, chloe blocks her, and alice and carol are
    members of our group."""
    async with running_instance(directory, run_workers=False) as inst:
        ana = await resident(inst, "ana")
        bruno = await resident(inst, "bruno")
        chloe = await resident(inst, "chloe")
        group = await groups.create_group(inst.services, ana, "jardin", display_name="Jardin")
        remote = await inst.federation.remote.actor(alice.uri)
        await blocks.block(inst.services, chloe, remote.id)
        member = await inst.federation.remote.actor(carol.uri)
        async with inst.db.write() as conn:
            await follow_store.upsert_follow(
                conn,
                follower_id=bruno.id,
                followed_id=remote.id,
                uri=f"{bruno.uri}#follows/alice",
                state="accepted",
            )
            await follow_store.upsert_follow(
                conn,
                follower_id=remote.id,
                followed_id=group.id,
                uri=f"{alice.uri}#follows/jardin",
                state="accepted",
            )
            await follow_store.upsert_follow(
                conn,
                follower_id=member.id,
                followed_id=group.id,
                uri=f"{carol.uri}#follows/jardin",
                state="accepted",
            )
        yield inst, ana, group


def direct_to_ana(inst: Instance, alice: StubActor, ana: Actor, status_id: str) -> dict:
    """A direct message from alice to ana, as Mastodon sends it."""
    return alice.fixture(
        "mastodon/create-direct-note.json",
        status_id=status_id,
        mentioned=ana.uri,
        mentioned_acct=f"ana@{inst.config.domain}",
        in_reply_to=None,
        text="Bonjour Ana",
    )


def mixed_flow(inst: Instance, ana: Actor, group: Actor, alice, carol, dave) -> list[tuple]:
    """(sender, activity) pairs: Creates a run takes (from alice, followed, a direct
    message among them; to our group from alice or carol, members) around everything it
    must leave to one-by-one: posts from carol (followed by nobody) that concern us or
    not, a post to the group from dave (no member), a direct message to chloe who blocks
    alice, a second Create of a post."""
    remote_friend = ("https://elsewhere.example/users/zoe", "zoe@elsewhere.example")
    to_ana = (ana.uri, f"ana@{inst.config.domain}")
    to_group = (group.uri, f"jardin@{inst.config.domain}")
    direct = direct_to_ana(inst, alice, ana, "204")
    to_chloe = alice.fixture(
        "mastodon/create-direct-note.json",
        status_id="209",
        mentioned=f"{inst.base_url}/users/chloe",
        mentioned_acct=f"chloe@{inst.config.domain}",
        in_reply_to=None,
        text="Bonjour Chloé",
    )
    second_create = create_mentioning(alice, "202", remote_friend)
    second_create["id"] += "/again"
    return [
        (alice, create_mentioning(alice, "201", to_ana)),
        (alice, create_mentioning(alice, "202", remote_friend)),
        (alice, create_mentioning(alice, "203", to_group)),
        (alice, direct),
        (alice, create_mentioning(alice, "205", remote_friend)),
        (carol, create_mentioning(carol, "301", remote_friend)),
        (carol, create_mentioning(carol, "302", to_ana)),
        (carol, create_mentioning(carol, "303", to_group)),
        (dave, create_mentioning(dave, "501", to_group)),
        (alice, create_mentioning(alice, "206", to_ana, remote_friend)),
        (alice, to_chloe),
        (alice, create_mentioning(alice, "207", remote_friend)),
        (alice, second_create),
        (alice, create_mentioning(alice, "208", remote_friend)),
    ]


async def stored(inst: Instance) -> dict[str, list[Any]]:
    """Every effect of the flow, in id order, without ids, clock times or our address."""
    t = tables
    post, actor, other = t.objects.alias("p"), t.actors.alias("a"), t.actors.alias("o")
    queries = {
        "posts": select(
            t.objects.c.uri, t.objects.c.visibility, t.objects.c.content, t.objects.c.data,
            t.objects.c.summary, t.objects.c.sensitive, actor.c.uri,
        )
        .select_from(t.objects)
        .join(actor, actor.c.id == t.objects.c.actor_id)
        .where(t.objects.c.is_local.is_(False))
        .order_by(t.objects.c.id),
        "notifications": select(actor.c.uri, t.notifications.c.type, other.c.uri, post.c.uri)
        .select_from(t.notifications)
        .join(actor, actor.c.id == t.notifications.c.recipient_id)
        .join(other, other.c.id == t.notifications.c.actor_id)
        .join(post, post.c.id == t.notifications.c.post_id)
        .order_by(t.notifications.c.id),
        "announces": select(actor.c.uri, t.announces.c.object_uri)
        .select_from(t.announces)
        .join(actor, actor.c.id == t.announces.c.actor_id)
        .order_by(t.announces.c.id),
        "hashtags": select(t.post_hashtags.c.hashtag, post.c.uri)
        .select_from(t.post_hashtags)
        .join(post, post.c.id == t.post_hashtags.c.post_id)
        .order_by(post.c.uri, t.post_hashtags.c.hashtag),
        "thread_messages": select(post.c.uri)
        .select_from(t.thread_messages)
        .join(post, post.c.id == t.thread_messages.c.post_id)
        .order_by(t.thread_messages.c.id),
        "outgoing": select(actor.c.uri)
        .select_from(t.outgoing_activities)
        .join(actor, actor.c.id == t.outgoing_activities.c.actor_id)
        .order_by(t.outgoing_activities.c.id),
        "received": select(t.received_activities.c.uri).order_by(t.received_activities.c.uri),
    }  # fmt: skip
    # The queue is in a database of its own (`Database.inbox`: a file of its own on SQLite)
    queue = select(t.inbox_queue.c.state, t.inbox_queue.c.last_error)
    ours, domain = inst.base_url, inst.config.domain

    def shown(rows) -> list[tuple[str, ...]]:
        return [
            tuple(str(v).replace(ours, "{ours}").replace(domain, "{domain}") for v in row)
            for row in rows
        ]

    async with inst.db.read() as conn:
        effects = {name: shown(await conn.execute(query)) for name, query in queries.items()}
    async with inst.db.inbox.read() as conn:
        effects["queue"] = shown(await conn.execute(queue))
    return effects


@pytest.fixture
async def alice(stub) -> StubActor:
    return stub.add_actor("alice")


@pytest.fixture
async def carol(stub) -> StubActor:
    return stub.add_actor("carol")


@pytest.fixture
async def dave(stub) -> StubActor:
    return stub.add_actor("dave")


async def test_a_batch_of_creates_has_the_effects_of_the_same_creates_one_by_one(
    tmp_path, stub, alice, carol, dave, monkeypatch
):
    # Given two instances alike, and the plain Creates each run stores together
    monkeypatch.setattr(inbox_worker, "COMMIT_CHUNK", 50)
    runs: list[list[str]] = []
    apply_planned = create.apply_planned

    async def spied(conn, items):
        runs.append([authored.data.uri for _, authored, _ in items])
        await apply_planned(conn, items)

    monkeypatch.setattr(create, "apply_planned", spied)
    async with (
        neighbourhood(tmp_path / "batch", stub, alice, carol) as (batched, ana, group),
        neighbourhood(tmp_path / "one", stub, alice, carol) as (one_by_one, ana_too, group_too),
    ):
        # When the same flow reaches both, one processes it in one batch
        for sender, activity in mixed_flow(batched, ana, group, alice, carol, dave):
            await deliver(batched, stub, sender, activity)
        assert await InboxWorker(batched.federation, batch_size=50).run_once() == 14
        # and the other one activity at a time
        for sender, activity in mixed_flow(one_by_one, ana_too, group_too, alice, carol, dave):
            await deliver(one_by_one, stub, sender, activity)
        worker = InboxWorker(one_by_one.federation, batch_size=1)
        while await worker.run_once():
            pass

        # Then every effect is the same, in the same order
        in_batch, alone = await stored(batched), await stored(one_by_one)
        assert in_batch == alone
        # and they are what the flow asks for: posts from alice, carol's to ana and to
        # the group (not the one concerning nobody here, nor dave's), one copy of 202
        assert [row[0].rsplit("/", 1)[1] for row in in_batch["posts"]] == [
            "201", "202", "203", "204", "205", "302", "303", "206", "207", "208",
        ]  # fmt: skip
        # 201, 204, 302, 206 to ana; 203 and 303 to the group
        assert len(in_batch["notifications"]) == 6
        assert [row[1].rsplit("/", 1)[1] for row in in_batch["announces"]] == ["203", "303"]
        assert in_batch["thread_messages"] == [(alice.uri + "/statuses/204",)]
        assert len(in_batch["received"]) == 14 and in_batch["queue"] == []
    # And the plain ones went together, around those that may not; 202 was created
    # twice, so neither Create of it was plain; the message to chloe was dropped
    assert [[uri.rsplit("/", 1)[1] for uri in run] for run in runs] == [
        ["201"], ["203", "204", "205"], ["303"], ["206"], ["207"], ["208"],
    ]  # fmt: skip


async def test_a_run_that_fails_is_stored_one_by_one_and_nothing_twice(
    tmp_path, stub, alice, carol, monkeypatch
):
    # Given a run of Creates whose batched store breaks half-way (after writing)
    apply_planned = create.apply_planned

    async def breaks(conn, items):
        await apply_planned(conn, items)
        raise RuntimeError("a bug in the batched path")

    monkeypatch.setattr(create, "apply_planned", breaks)
    async with neighbourhood(tmp_path, stub, alice, carol) as (inst, ana, group):
        flow = [
            (alice, create_mentioning(alice, str(n), (ana.uri, "ana@here")))
            for n in range(401, 405)
        ]
        for sender, activity in flow:
            await deliver(inst, stub, sender, activity)

        # When the worker processes them
        assert await InboxWorker(inst.federation).run_once() == 4

        # Then each is stored once, ana is told once of each, and the queue is empty
        effects = await stored(inst)
    assert [row[0].rsplit("/", 1)[1] for row in effects["posts"]] == [
        "401", "402", "403", "404",
    ]  # fmt: skip
    assert len(effects["notifications"]) == 4
    assert len(effects["received"]) == 4 and effects["queue"] == []


async def test_a_batch_is_written_in_chunks_each_with_its_rows(
    tmp_path, stub, alice, carol, monkeypatch
):
    # Given chunks of two (a whole batch by default)
    monkeypatch.setattr(inbox_worker, "COMMIT_CHUNK", 2)
    async with neighbourhood(tmp_path, stub, alice, carol) as (inst, ana, group):
        zoe = ("https://elsewhere.example/users/zoe", "zoe")
        for n in range(701, 706):
            await deliver(inst, stub, alice, create_mentioning(alice, str(n), zoe))
        # (a chunk's rows leave the queue once its transaction on the store has written
        # their effects: for each removal, how many rows, after how many of those)
        turns = count_write_transactions(inst.db, monkeypatch)
        chunks: list[tuple[int, int]] = []
        complete_many = inbox_queue.complete_many

        async def counted(conn, item_ids):
            chunks.append((len(item_ids), len(turns)))
            await complete_many(conn, item_ids)

        monkeypatch.setattr(inbox_queue, "complete_many", counted)

        # When the worker takes a batch of five
        assert await InboxWorker(inst.federation, batch_size=5).run_once() == 5

        # Then it went in three transactions, each followed by the removal of the rows
        # whose effects it wrote
        assert chunks == [(2, 1), (2, 2), (1, 3)]
        effects = await stored(inst)
    assert len(effects["posts"]) == 5 and effects["queue"] == []


async def posts_to_ana(inst: Instance, stub, alice: StubActor, ana: Actor, numbers) -> None:
    """Alice's posts mentioning ana, one per status number, delivered to the inbox."""
    for n in numbers:
        await deliver(inst, stub, alice, create_mentioning(alice, str(n), (ana.uri, "ana")))


async def leases(inst: Instance) -> list[bool]:
    """For each queued row, in order: whether a worker holds it."""
    async with inst.db.inbox.read() as conn:
        rows = await conn.execute(
            select(tables.inbox_queue.c.locked_until).order_by(tables.inbox_queue.c.id)
        )
        return [locked is not None for (locked,) in rows]


async def test_every_batch_claims_the_next_in_its_last_transaction(
    tmp_path, stub, alice, carol, monkeypatch
):
    # Given six activities queued, batches of four (each written in one chunk), and the
    # queue in a file of its own (SQLite): a chunk is one write transaction on the store,
    # then one on the queue that removes its rows
    async with neighbourhood(tmp_path, stub, alice, carol) as (inst, ana, group):
        assert inst.db.inbox_apart
        await posts_to_ana(inst, stub, alice, ana, range(801, 807))
        turns = count_write_transactions(inst.db, monkeypatch)
        queue_turns = count_write_transactions(inst.db.inbox, monkeypatch)
        worker = InboxWorker(inst.federation, batch_size=4)

        # When the worker takes the first four (a claim, then their chunk)
        assert await worker.run_once() == 4
        # Then the last two are leased already, claimed in the transaction that removed
        # the chunk's rows
        assert (len(queue_turns), len(turns)) == (2, 1)
        assert await leases(inst) == [True] * 2

        # Given two more that arrive before it takes those two
        await posts_to_ana(inst, stub, alice, ana, range(807, 809))
        # When it takes the two (a batch that is not full), Then with no claim of their
        # own, and the two that came meanwhile are claimed in their one queue transaction
        turns.clear()
        queue_turns.clear()
        assert await worker.run_once() == 2
        assert (len(queue_turns), len(turns)) == (1, 1)
        assert await leases(inst) == [True] * 2

        # and they go with no claim of their own either: activities that come about as
        # fast as they are processed, short batch after short batch, take one write
        # transaction a batch on each database
        turns.clear()
        queue_turns.clear()
        assert await worker.run_once() == 2
        assert (len(queue_turns), len(turns)) == (1, 1)
        effects = await stored(inst)
    assert len(effects["posts"]) == 8 and effects["queue"] == []


async def test_a_runs_lookups_are_made_before_its_write_transaction(
    tmp_path, stub, alice, carol, monkeypatch
):
    # Given three posts from alice, whom bruno follows: a run of Creates
    async with neighbourhood(tmp_path, stub, alice, carol) as (inst, ana, group):
        await posts_to_ana(inst, stub, alice, ana, range(821, 824))
        # (the claim is the queue's write transaction, the store the store's: SQLite)
        assert inst.db.inbox_apart
        turns = count_write_transactions(inst.db, monkeypatch)
        queue_turns = count_write_transactions(inst.db.inbox, monkeypatch)
        planned_after: list[tuple[int, int]] = []
        applied_after: list[tuple[int, int]] = []
        plan_many, apply_planned = create.plan_many, create.apply_planned

        async def plan_spied(conn, items):
            planned_after.append((len(queue_turns), len(turns)))
            return await plan_many(conn, items)

        async def apply_spied(conn, items):
            applied_after.append((len(queue_turns), len(turns)))
            await apply_planned(conn, items)

        monkeypatch.setattr(create, "plan_many", plan_spied)
        monkeypatch.setattr(create, "apply_planned", apply_spied)

        # When the worker processes them
        assert await InboxWorker(inst.federation).run_once() == 3

        # Then the run was planned after the claim's write transaction and before the
        # one that stored it: the lookups held no write lock
        assert planned_after == [(1, 0)] and applied_after == [(1, 1)]
        effects = await stored(inst)
    assert len(effects["posts"]) == 3 and len(effects["notifications"]) == 3


def write_turns(inst: Instance, monkeypatch) -> Callable[[], tuple[int, int]]:
    """How many write transactions the queue's database and the store's have begun from
    now on, as (queue, store)."""
    store = count_write_transactions(inst.db, monkeypatch)
    queue = count_write_transactions(inst.db.inbox, monkeypatch)
    return lambda: (len(queue), len(store))


async def test_a_block_made_after_the_plan_still_stops_a_direct_message(
    tmp_path, stub, alice, carol, monkeypatch
):
    async with neighbourhood(tmp_path, stub, alice, carol) as (inst, ana, group):
        # Given a direct message from alice to ana in a run of Creates
        await posts_to_ana(inst, stub, alice, ana, [830])
        await deliver(inst, stub, alice, direct_to_ana(inst, alice, ana, "831"))
        # and ana blocking alice once the run is planned, before it is written
        remote = await inst.federation.remote.actor(alice.uri)
        plan_many = create.plan_many
        turns = write_turns(inst, monkeypatch)

        async def then_blocked(conn, items):
            # (planned inside the worker's write transaction, the block would wait for it)
            assert turns() == (1, 0), "planned in the write transaction"
            plans = await plan_many(conn, items)
            assert all(plan is not None for plan in plans)  # the message was plain then
            await blocks.block(inst.services, ana, remote.id)
            return plans

        monkeypatch.setattr(create, "plan_many", then_blocked)

        # When the worker processes the run
        assert await InboxWorker(inst.federation).run_once() == 2

        # Then the direct message is not kept, as if the block had come first; the
        # public post is
        effects = await stored(inst)
    assert [row[0].rsplit("/", 1)[1] for row in effects["posts"]] == ["830"]
    assert effects["thread_messages"] == []
    assert len(effects["received"]) == 2 and effects["queue"] == []


async def test_a_post_stored_after_the_plan_is_stored_once(
    tmp_path, stub, alice, carol, monkeypatch
):
    async with neighbourhood(tmp_path, stub, alice, carol) as (inst, ana, group):
        # Given a run of three posts from alice
        await posts_to_ana(inst, stub, alice, ana, range(841, 844))
        # and the second stored by another way once the run is planned (another
        # process fetched it), before the run is written
        plan_many = create.plan_many
        turns = write_turns(inst, monkeypatch)

        async def then_stored(conn, items):
            # (planned inside the worker's write transaction, the store would wait for it)
            assert turns() == (1, 0), "planned in the write transaction"
            plans = await plan_many(conn, items)
            _, _, authored = items[1]
            async with inst.db.write() as other:
                kept = await inbound.keep_remote_post(
                    other, authored.author, authored.data, solicited=True
                )
            assert kept.new
            return plans

        monkeypatch.setattr(create, "plan_many", then_stored)

        # When the worker processes the run
        assert await InboxWorker(inst.federation).run_once() == 3

        # Then each post is there once, nothing failed, and ana is told of the two the
        # run stored (the third was there before its Create was applied)
        effects = await stored(inst)
    assert [row[0].rsplit("/", 1)[1] for row in effects["posts"]] == ["842", "841", "843"]
    assert len(effects["notifications"]) == 2
    assert len(effects["received"]) == 3 and effects["queue"] == []


async def test_a_batch_claimed_ahead_is_given_back_when_the_worker_stops(
    tmp_path, stub, alice, carol
):
    async with neighbourhood(tmp_path, stub, alice, carol) as (inst, ana, group):
        # Given a worker that processed a full batch and claimed the next
        await posts_to_ana(inst, stub, alice, ana, range(901, 909))
        worker = InboxWorker(inst.federation, batch_size=4)
        assert await worker.run_once() == 4
        assert await leases(inst) == [True] * 4

        # When it stops
        await worker.close()

        # Then the batch is due again at once: another worker takes it now, not after
        # the lease
        assert await leases(inst) == [False] * 4
        assert await InboxWorker(inst.federation, batch_size=4).run_once() == 4
        effects = await stored(inst)
    assert len(effects["posts"]) == 8 and effects["queue"] == []
