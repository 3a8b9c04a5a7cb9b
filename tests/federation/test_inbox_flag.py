"""Flag: reports other servers send about our accounts and posts, as Mastodon sends them
(a list of uris, from its instance actor) and as Misskey does (one uri, no activity id).
Each enters our moderation queue attributed to the sender's server; Flags naming what is
not ours, of absurd size, or from a blocked domain are refused and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from fedlocal.services import posts as post_service
from fedlocal.store.tables import inbox_queue as inbox_queue_table
from fedlocal.store.tables import reports as reports_table
from tests.federation.test_inbox_verbs import deliver, process, resident
from tests.support.instance import running_instance
from tests.support.remote_stub import RemoteStub


async def _reports(inst) -> list[Any]:
    async with inst.db.read() as conn:
        return list(await conn.execute(select(reports_table).order_by(reports_table.c.id)))


async def _queued(inst) -> int:
    async with inst.db.inbox.read() as conn:
        return len(list(await conn.execute(select(inbox_queue_table))))


async def test_a_mastodon_flag_enters_the_queue_attributed_to_its_server(inst, stub):
    # Given one of our residents' posts, and Mastodon's instance actor
    ana = await resident(inst, "ana")
    post = await post_service.publish_note(inst.services, ana, "Montres pas chères")
    mastodon = stub.add_actor("mastodon.example")
    flag = mastodon.fixture(
        "mastodon/flag.json",
        report_id="0b7e2f0e-2f4c-4a8e-9b1a-5a5f4c3d2e1f",
        comment="Spam de montres",
        account=ana.uri,
        status=post.uri,
    )

    # When it delivers the Flag and the worker processes it
    await deliver(inst, stub, mastodon, flag)
    assert await process(inst) == 1

    # Then one open report about ana and her post, from Mastodon's server, no resident
    [row] = await _reports(inst)
    assert row.target_id == ana.id and row.post_ids == [post.id]
    assert row.origin_domain == stub.host
    assert row.comment == "Spam de montres" and row.category == "other"
    assert row.uri == flag["id"] and row.resolved_at is None
    assert "Montres pas chères" in row.snapshot["posts"][0]["content"]


async def test_a_misskey_flag_names_one_account_without_an_id(inst, stub):
    ana = await resident(inst, "ana")
    misskey = stub.add_actor("instance.actor")
    flag = misskey.fixture("misskey/flag.json", comment="Harcèlement", account=ana.uri)
    assert "id" not in flag and isinstance(flag["object"], str)

    await deliver(inst, stub, misskey, flag)
    assert await process(inst) == 1

    [row] = await _reports(inst)
    assert row.target_id == ana.id and row.post_ids == [] and row.uri is None
    assert row.comment == "Harcèlement" and row.origin_domain == stub.host


def _flag(stub: RemoteStub, sender, **fields: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{stub.base_url}/flags/1",
        "type": "Flag",
        "actor": sender.uri,
        "content": "",
        **fields,
    }


@pytest.mark.parametrize(
    "make, status",
    [
        # Objects on another server (or not even a uri)
        (lambda stub, ana: {"object": [ana.uri, "https://elsewhere.example/users/x"]}, 403),
        # Not a list of ids
        (lambda stub, ana: {"object": [ana.uri, 42]}, 400),
        # Absurd sizes
        (lambda stub, ana: {"object": ana.uri, "content": "x" * 100_000}, 400),
        (lambda stub, ana: {"object": [ana.uri] * 500}, 400),
        (lambda stub, ana: {"object": []}, 400),
    ],
)
async def test_a_flag_about_what_is_not_ours_or_of_absurd_size_is_refused(inst, stub, make, status):
    ana = await resident(inst, "ana")
    sender = stub.add_actor("mastodon.example")
    response = await stub.deliver(
        sender, f"{inst.base_url}/inbox", _flag(stub, sender, **make(stub, ana))
    )
    assert response.status_code == status, response.text
    assert await _queued(inst) == 0
    assert await _reports(inst) == []


async def test_a_flag_naming_our_uris_that_name_nothing_stores_nothing(inst, stub):
    sender = stub.add_actor("mastodon.example")
    flag = _flag(stub, sender, object=[f"{inst.base_url}/users/nobody"])
    await deliver(inst, stub, sender, flag)
    await process(inst)
    assert await _reports(inst) == []


async def test_a_flag_from_a_blocked_domain_is_refused(tmp_path, stub):
    async with running_instance(
        tmp_path, run_workers=False, federation_mode="blocklist", blocked_domains=[stub.host]
    ) as blocked:
        ana = await resident(blocked, "ana")
        sender = stub.add_actor("mastodon.example")
        response = await stub.deliver(
            sender, f"{blocked.base_url}/inbox", _flag(stub, sender, object=[ana.uri])
        )
        assert response.status_code == 403
        assert await _reports(blocked) == []
