"""The admin page's failed federation work: listed with what and why, each retried or
dropped by its own button, in the visitor's language, and for admins only."""

from __future__ import annotations

from sqlalchemy import select

from fedlocal.services import queues as queue_service
from fedlocal.store.tables import inbox_queue
from tests.support.queue_failures import PEER, dead_delivery, failed_inbox_item

from .conftest import make_resident
from .web_client import WebClient


async def failure_names(inst) -> list[str]:
    return [str(f.ref) for f in await queue_service.failures(inst.services)]


async def test_an_admin_sees_failures_and_retries_or_drops_each(inst):
    # Given an admin, a failed inbox item and a dead delivery
    _, boss = await make_resident(inst, "boss", admin=True)
    item = await failed_inbox_item(inst.db, 1, verb="Like", error="KeyError: 'id'")
    dead = await dead_delivery(inst.db, boss.id, 2, status=410, error="Gone")

    async with WebClient(inst.base_url) as admin:
        await admin.log_in("boss")

        # When the admin opens the admin page
        page = await admin.get("/admin")

        # Then both failures are listed with what they were and why they failed
        assert page.status_code == 200
        for text in (
            "Failed federation work",
            f"Received: Like from {PEER}/users/alice",
            f"{PEER}/activities/1",
            "KeyError: &#39;id&#39;",
            f"Sent: Create to {PEER}/inbox",
            "HTTP 410 Gone",
            f"Retry inbox:{item}",
            f"Drop delivery:{dead}",
        ):
            assert text in page.text, text

        # When the inbox item is retried and the delivery dropped, each by its button
        retried = await admin.submit("/admin", "/admin/queue/retry", {"failure": f"inbox:{item}"})
        dropped = await admin.submit("/admin", "/admin/queue/drop", {"failure": f"delivery:{dead}"})

        # Then each says so, and no failure is left
        assert retried.headers["location"] == "/admin"
        assert dropped.headers["location"] == "/admin"
        assert await failure_names(inst) == []
        shown = await admin.get(dropped.headers["location"])
        assert "Dropped: it will not be tried again." in shown.text
        assert "Nothing failed." in shown.text


async def test_retry_all_and_drop_all(inst):
    _, boss = await make_resident(inst, "boss", admin=True)
    for n in (1, 2):
        await failed_inbox_item(inst.db, n, error="RuntimeError: boom")
    await dead_delivery(inst.db, boss.id, 3)

    async with WebClient(inst.base_url) as admin:
        await admin.log_in("boss")
        await admin.submit("/admin", "/admin/queue/drop", {"all": "1"})
        assert await failure_names(inst) == []

        item = await failed_inbox_item(inst.db, 4)
        await admin.submit("/admin", "/admin/queue/retry", {"all": "1"})
        assert await failure_names(inst) == []
        async with inst.db.inbox.read() as conn:
            left = (
                await conn.execute(select(inbox_queue.c.state).where(inbox_queue.c.id == item))
            ).scalar_one_or_none()
        assert left in (None, "pending")  # back in the queue, or already taken by the worker


async def test_a_form_naming_no_failure_is_refused_and_changes_nothing(inst):
    await make_resident(inst, "boss", admin=True)
    item = await failed_inbox_item(inst.db, 1)

    async with WebClient(inst.base_url) as admin:
        await admin.log_in("boss")
        for value in ("", "inbox", "outbox:1", "inbox:x", f"{item}"):
            refused = await admin.submit("/admin", "/admin/queue/drop", {"failure": value})

            assert refused.status_code == 422, (value, refused.status_code)
            assert "Choose one of the options." in refused.text
    assert await failure_names(inst) == [f"inbox:{item}"]


async def test_the_section_speaks_french(inst):
    await make_resident(inst, "boss", admin=True)
    await failed_inbox_item(inst.db, 1)

    async with WebClient(inst.base_url, language="fr") as admin:
        await admin.log_in("boss")
        page = await admin.get("/admin")

    assert "Échanges en échec avec d&#39;autres serveurs" in page.text
    assert f"Reçu : Like de {PEER}/users/alice" in page.text
    assert "Tout réessayer" in page.text


async def test_residents_who_are_not_admins_cannot_retry_or_drop(inst, alice_web):
    item = await failed_inbox_item(inst.db, 1)

    for action in ("/admin/queue/retry", "/admin/queue/drop"):
        response = await alice_web.submit("/", action, {"failure": f"inbox:{item}"})

        assert response.status_code == 403
    assert await failure_names(inst) == [f"inbox:{item}"]
