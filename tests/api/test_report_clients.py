"""Reports with a real Mastodon client, across two instances on loopback.

Ana, on A, finds bob on B with Mastodon.py and reports his post with `forward`; A keeps
the report and sends a Flag from its instance actor; it arrives in B's moderation queue,
attributed to A's server; B's moderator reads it and resolves it with Mastodon.py's admin
calls.
"""

from __future__ import annotations

from mastodon import Mastodon
from sqlalchemy import select

from fedlocal.services import accounts
from fedlocal.services import posts as post_service
from fedlocal.store import actors as actor_store
from fedlocal.store.tables import reports as reports_table
from tests.api.conftest import PASSWORD
from tests.api.test_clients import (  # noqa: F401 (the pair fixture: A with ana, B with bob)
    DELIVERY_DEADLINE,
    Pair,
    in_thread,
    mastodon_login,
    pair,
)
from tests.support.waiting import wait_for

ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"]


async def _reports(instance) -> list:
    async with instance.db.read() as conn:
        return list(await conn.execute(select(reports_table).order_by(reports_table.c.id)))


async def test_a_report_made_with_mastodon_py_is_forwarded_as_a_flag(pair: Pair) -> None:  # noqa: F811
    a, b = pair.a, pair.b
    await accounts.create_account(b.services, "modo", PASSWORD, admin=True)
    async with b.db.read() as conn:
        bob_actor = await actor_store.get_local_actor(conn, "bob")
    assert bob_actor is not None
    post = await post_service.publish_note(b.services, bob_actor, "Montres à prix cassés")

    # Given ana, with Mastodon.py on A, finds bob's post on B
    ana = await mastodon_login(a.base_url, "ana")
    found = await in_thread(ana.search_v2, post.uri, resolve=True)
    [status] = found.statuses
    assert status.account.acct == pair.bob_handle

    # When she reports it and asks to forward it
    report = await in_thread(
        ana.report, status.account.id, [status.id], "Arnaque", forward=True, category="spam"
    )

    # Then A keeps the report, forwarded
    assert report.forwarded is True and report.category == "spam"
    assert [str(i) for i in report.status_ids] == [str(status.id)]
    [kept] = await _reports(a)
    assert kept.reporter_id is not None and kept.forwarded

    # And B receives it as a Flag into its queue, from A's server, without ana's name
    async def arrived():
        return await _reports(b)

    [there] = await wait_for(arrived, timeout=DELIVERY_DEADLINE, message="the Flag on B")
    assert there.target_id == bob_actor.id and there.post_ids == [post.id]
    assert there.origin_domain == a.config.domain and there.comment == "Arnaque"
    assert "ana" not in str(there.snapshot)

    # When B's moderator reads the queue with Mastodon.py and resolves it
    client_id, client_secret = await in_thread(
        Mastodon.create_app, "moderation", api_base_url=b.base_url, scopes=ADMIN_SCOPES
    )
    modo = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=b.base_url)
    await in_thread(modo.log_in, "modo", PASSWORD, scopes=ADMIN_SCOPES, allow_http=True)
    [listed] = await in_thread(modo.admin_reports)
    assert listed.target_account.username == "bob"
    assert listed.account.domain == a.config.domain
    assert [str(s.id) for s in listed.statuses] == [str(post.id)]
    resolved = await in_thread(modo.admin_report_resolve, listed.id)

    # Then it is resolved, and the open list is empty
    assert resolved.action_taken is True
    assert await in_thread(modo.admin_reports) == []
    assert len(await in_thread(modo.admin_reports, resolved=True)) == 1
