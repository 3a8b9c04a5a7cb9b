"""A resident's data download: queued once, built by the export worker into a zip of
valid JSON and an ActivityPub archive, the resident notified, removed days later."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

from sqlalchemy import update

from fedlocal.federation.export_worker import ExportWorker
from fedlocal.services import (
    account_deletion,
    accounts,
    bookmarks,
    data_exports,
    group_purchases,
    messages,
    rides,
)
from fedlocal.services import posts as post_service
from fedlocal.store import notifications as notification_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import data_exports as data_export_table
from tests.services.test_group_purchases import firewood
from tests.services.test_rides import market

PASSWORD = "correct horse battery"


async def test_a_download_is_built_once_with_json_and_an_activitypub_archive(world, bea):
    # Given lea with a public post, a message to bea and a bookmark
    lea, actor = await accounts.create_account(world.services, "lea", PASSWORD)
    note = await post_service.publish_note(world.services, actor, "Vide-grenier dimanche")
    await messages.write_to(world.services, actor, bea, "Bonjour Bea")
    await bookmarks.bookmark(world.services, actor, note.id)

    # When she asks twice for her data
    first = await data_exports.request_export(world.services, lea)
    second = await data_exports.request_export(world.services, lea)

    # Then it is one job, waiting
    assert first.id == second.id and second.state == "pending"

    # When the worker runs
    worker = ExportWorker(world.federation)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0

    # Then it is ready, and she is told
    ready = await data_exports.current(world.services, lea)
    assert ready is not None and ready.state == "ready" and ready.progress == 100
    async with world.db.read() as conn:
        told = await notification_store.list_for(conn, actor.id, limit=10)
    assert "export_ready" in [n.type for n in told]

    # And the zip holds valid JSON and Mastodon's archive shapes
    path = await data_exports.download(world.services, lea, ready.id)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, data in parts.items():
        if name.endswith(".json"):
            json.loads(data)
    outbox = json.loads(parts["outbox.json"])
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 2
    assert {item["type"] for item in outbox["orderedItems"]} == {"Create"}
    assert json.loads(parts["actor.json"])["id"] == actor.uri
    assert json.loads(parts["bookmarks.json"])["orderedItems"] == [note.uri]
    assert json.loads(parts["likes.json"])["orderedItems"] == []
    assert [m["content"] for m in json.loads(parts["fedlocal/messages.json"])] != []
    assert json.loads(parts["fedlocal/account.json"])["username"] == "lea"

    # And days later it is removed, file and all
    assert await data_exports.remove_expired(world.services, utcnow() + timedelta(days=8)) == 1
    assert not path.exists()
    assert await data_exports.current(world.services, lea) is None


async def test_deleting_the_account_removes_its_download(world):
    lea, _ = await accounts.create_account(world.services, "lea", PASSWORD)
    await data_exports.request_export(world.services, lea)
    await ExportWorker(world.federation).run_once()
    ready = await data_exports.current(world.services, lea)
    path = await data_exports.download(world.services, lea, ready.id)

    await account_deletion.delete_own_account(
        world.services, lea, password=PASSWORD, address="192.0.2.1"
    )

    assert not path.exists()


async def test_a_build_cut_short_is_taken_again_later(world):
    lea, _ = await accounts.create_account(world.services, "lea", PASSWORD)
    await data_exports.request_export(world.services, lea)
    taken = await data_exports.claim(world.services)
    assert taken is not None
    assert await data_exports.claim(world.services) is None  # being built

    # When its process stopped over an hour ago, another worker takes it again
    async with world.db.write() as conn:
        await conn.execute(
            update(data_export_table).values(started_at=utcnow() - timedelta(hours=2))
        )
    again = await data_exports.claim(world.services)
    assert again is not None and again.id == taken.id


async def test_the_download_holds_commitments_and_ride_bookings(world, ana, bea):
    # Given lea, who takes 2.5 stères of ana's firewood and a seat in bea's car
    lea, actor = await accounts.create_account(world.services, "lea", PASSWORD)
    purchase = await group_purchases.propose(world.services, ana, firewood())
    await group_purchases.commit(world.services, actor, purchase.id, "2,5")
    ride = await rides.publish_ride(world.services, bea, market())
    await rides.book_seats(world.services, actor, ride.id, seats=1)

    # When her data is built
    await data_exports.request_export(world.services, lea)
    await ExportWorker(world.federation).run_once()
    ready = await data_exports.current(world.services, lea)
    path = await data_exports.download(world.services, lea, ready.id)

    # Then both are in it, naming the posts
    with zipfile.ZipFile(path) as archive:
        commitments = json.loads(archive.read("fedlocal/commitments.json"))
        bookings = json.loads(archive.read("fedlocal/ride_bookings.json"))
    assert [(c["uri"], c["quantity_milli"]) for c in commitments] == [(purchase.uri, 2500)]
    assert [(b["uri"], b["seats"], b["state"]) for b in bookings] == [(ride.uri, 1, "pending")]
