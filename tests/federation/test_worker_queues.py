"""`fedlocal worker --queues`: a process works only the queues it is given, so the inbox
can have a worker process of its own and the deliveries another (as Mastodon's Sidekiq
processes take their queues)."""

from __future__ import annotations

import argparse

import pytest

from fedlocal.app import start_workers
from fedlocal.cli.main import build_parser
from fedlocal.federation.queue_names import QUEUES, queue_names
from fedlocal.federation.workers import Stopping, stop_tasks
from fedlocal.store import follows as follow_store
from tests.support.federation_steps import deliver, follow_of, received_by, resident
from tests.support.remote_stub import RemoteStub
from tests.support.waiting import wait_for


def test_queue_names_are_read_from_the_command_line():
    args = build_parser().parse_args(["worker", "--config", "x.toml", "--queues", "inbox"])
    assert args.queues == ("inbox",)
    args = build_parser().parse_args(["worker", "--config", "x.toml"])
    assert args.queues is None  # every queue
    assert queue_names(" deliveries, push ,deliveries") == ("deliveries", "push")


@pytest.mark.parametrize("text", ["inbox,mail", "", " , "])
def test_an_unknown_queue_is_a_usage_error(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected some of inbox"):
        queue_names(text)


async def test_an_inbox_process_and_a_delivery_process_share_the_work(inst, stub: RemoteStub):
    alice = stub.add_actor("alice")
    ana = await resident(inst, "ana")
    # Given alice's Follow of ana in the inbox queue (processing it queues an Accept)
    await deliver(inst, stub, alice, follow_of(alice, ana.uri, "1"))

    # When a process works the inbox alone
    stopping = Stopping()
    tasks = start_workers(inst.federation, stopping, queues=("inbox",))
    assert len(tasks) == 1

    remote = await inst.federation.remote.actor(alice.uri)

    async def alice_follows() -> bool:
        async with inst.db.read() as conn:
            follow = await follow_store.get_follow(conn, remote.id, ana.id)
        return follow is not None and follow.state == "accepted"

    await wait_for(alice_follows, message="the Follow processed")
    await stop_tasks(tasks, stopping, grace=30)

    # Then the Accept waits for a delivery process
    assert received_by(stub, "Accept") == []

    # When a process works the other queues, Then it sends the Accept
    stopping = Stopping()
    rest = [name for name in QUEUES if name != "inbox"]
    tasks = start_workers(inst.federation, stopping, queues=rest)
    assert len(tasks) == len(QUEUES) - 1
    try:
        await wait_for(lambda: received_by(stub, "Accept"), message="the Accept delivered")
    finally:
        await stop_tasks(tasks, stopping, grace=30)
