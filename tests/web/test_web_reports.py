"""Reports in the web app: the "Report" links on posts, messages and profiles lead to one
form (no JavaScript); a report reaches the moderation queue, where an administrator reads
it as it was made, notes, resolves and reopens it. Bad input is a form error, nothing
stored."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from fedlocal.services import messages, staff
from fedlocal.services import posts as post_service
from fedlocal.store import posts as post_store
from fedlocal.store import reports as report_store
from fedlocal.store.tables import outgoing_activities
from fedlocal.store.tables import reports as reports_table
from tests.support.instance import running_instance

from . import seed
from .conftest import make_resident
from .test_web_list_queries import counted
from .web_client import WebClient, notice


async def _count(inst) -> int:
    async with inst.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(reports_table))).scalar())


@pytest.fixture
async def bea(inst):
    return await make_resident(inst, "bea", display_name="Béa")


async def test_a_resident_reports_a_post_from_its_page(inst, web, alice_web, bea):
    _account, bea_actor = bea
    post = await post_service.publish_note(inst.services, bea_actor, "Achetez mes montres")

    # The post's page has a link to the report form, which names the post
    page = await alice_web.get(f"/posts/{post.id}")
    assert f'href="/report?post={post.id}&amp;next=' in page.text
    form = await alice_web.get(f"/report?post={post.id}")
    assert form.status_code == 200
    assert "Achetez mes montres" in form.text and 'name="category"' in form.text

    # Sending it goes back to the post with a thank-you
    sent = await alice_web.submit(
        f"/report?post={post.id}",
        "/report",
        {
            "post": str(post.id),
            "category": "spam",
            "comment": "Publicité",
            "next": f"/posts/{post.id}",
        },
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/posts/{post.id}"
    assert notice(sent) == "reported"
    assert await _count(inst) == 1

    # Nobody reports their own post: no link for the author
    async with WebClient(inst.base_url) as bea_web:
        await bea_web.log_in("bea")
        own = await bea_web.get(f"/posts/{post.id}")
        assert "/report?post=" not in own.text


async def test_a_message_and_a_profile_can_be_reported(inst, alice, alice_web, bea):
    _account, bea_actor = bea
    _alice_account, alice_actor = alice
    thread, message = await messages.write_to(inst.services, bea_actor, alice_actor, "Hé toi")
    page = await alice_web.get(f"/messages/{thread.id}")
    assert f"/report?post={message.id}&amp;" in page.text
    sent = await alice_web.submit(
        f"/report?post={message.id}",
        "/report",
        {"post": str(message.id), "category": "other", "comment": ""},
    )
    assert sent.status_code == 303

    profile = await alice_web.get("/@bea")
    assert f"/report?account={bea_actor.id}&amp;" in profile.text
    sent = await alice_web.submit(
        f"/report?account={bea_actor.id}",
        "/report",
        {"account": str(bea_actor.id), "category": "violation", "comment": "Insultes"},
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/@bea"
    assert await _count(inst) == 2


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"comment": "x" * 100_000}, "too long"),
        ({"category": "rude"}, "choose a reason"),
    ],
)
async def test_bad_reports_are_form_errors_and_nothing_is_stored(
    inst, alice_web, bea, fields, message
):
    _account, bea_actor = bea
    values = {"account": str(bea_actor.id), "category": "other", **fields}
    sent = await alice_web.submit(f"/report?account={bea_actor.id}", "/report", values)
    assert sent.status_code == 422
    assert 'role="alert"' in sent.text and message in sent.text.lower()
    assert await _count(inst) == 0


async def test_oneself_or_what_one_cannot_see_cannot_be_reported(inst, alice, alice_web, bea):
    _account, alice_actor = alice
    _bea_account, bea_actor = bea
    own = await alice_web.submit(
        f"/report?account={bea_actor.id}", "/report", {"account": str(alice_actor.id)}
    )
    assert own.status_code == 422
    carl = (await make_resident(inst, "carl"))[1]
    _thread, secret = await messages.write_to(inst.services, bea_actor, carl, "Entre nous")
    assert (await alice_web.get(f"/report?post={secret.id}")).status_code == 404
    assert (await alice_web.get("/report?account=999999")).status_code == 404
    assert (await alice_web.get("/report?post=abc")).status_code == 400
    assert await _count(inst) == 0


async def test_visitors_must_log_in_to_report(inst, web, bea):
    _account, bea_actor = bea
    response = await web.get(f"/report?account={bea_actor.id}")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["location"]


async def test_an_administrator_reads_notes_resolves_and_reopens_a_report(inst, alice_web, bea):
    # Given alice's report of bea's post, then the post is deleted
    _account, bea_actor = bea
    post = await post_service.publish_note(inst.services, bea_actor, "Un texte blessant")
    await alice_web.submit(
        f"/report?post={post.id}",
        "/report",
        {"post": str(post.id), "category": "violation", "comment": "Blessant"},
    )
    await post_service.delete_post(inst.services, bea_actor, post.id)
    await make_resident(inst, "modo", admin=True)

    async with WebClient(inst.base_url) as modo:
        await modo.log_in("modo")
        # The queue lists it, open
        queue = await modo.get("/admin/reports")
        assert queue.status_code == 200
        [path] = re.findall(r'href="(/admin/reports/\d+)"', queue.text)
        # Its page shows the post as it was, the reporter and the reason
        page = await modo.get(path)
        assert "Un texte blessant" in page.text and "@alice@" in page.text
        assert "It breaks this instance" in page.text and "Blessant" in page.text

        # A note, then resolved: out of the open list, in the resolved one
        noted = await modo.submit(path, f"{path}/note", {"note": "Vu, supprimé par l'auteur"})
        assert noted.status_code == 303 and notice(noted) == "report-noted"
        assert "Vu, supprimé" in (await modo.get(path)).text
        resolved = await modo.submit(path, f"{path}/decide", {"decision": "resolve"})
        assert resolved.status_code == 303
        assert path not in (await modo.get("/admin/reports")).text
        assert path in (await modo.get("/admin/reports?resolved=1")).text
        reopened = await modo.submit(path, f"{path}/decide", {"decision": "reopen"})
        assert reopened.status_code == 303
        assert path in (await modo.get("/admin/reports")).text


async def test_the_queue_is_not_for_residents(inst, alice_web):
    assert (await alice_web.get("/admin/reports")).status_code == 403
    assert (await alice_web.get("/admin/reports/1")).status_code == 403


async def test_a_moderator_answers_a_report_with_an_action_recorded_in_the_audit_log(
    inst, alice_web, bea
):
    # Given alice's report of bea's post, and a moderator (not an administrator)
    bea_account, bea_actor = bea
    post = await post_service.publish_note(inst.services, bea_actor, "Encore du spam")
    await alice_web.submit(
        f"/report?post={post.id}", "/report", {"post": str(post.id), "category": "spam"}
    )
    modo_account, _modo = await make_resident(inst, "modo")
    await staff.set_role(inst.services, None, modo_account.id, "moderator")

    async with WebClient(inst.base_url) as modo:
        await modo.log_in("modo")
        queue = await modo.get("/admin/reports")
        [path] = re.findall(r'href="(/admin/reports/\d+)"', queue.text)
        page = await modo.get(path)
        assert 'value="warn"' in page.text and 'value="block_domain"' not in page.text

        # When the moderator removes the post, answering the report (confirmed)
        removed = await modo.submit(
            path, f"{path}/act", {"action": "remove_post", "status_id": str(post.id)}
        )
        assert removed.status_code == 303 and notice(removed) == "report-resolved"

        # Then the post is gone, the report resolved, and the audit log says so
        async with inst.db.read() as conn:
            gone = await post_store.get_post(conn, post.id)
        assert gone is None or gone.is_deleted
        assert path in (await modo.get("/admin/reports?resolved=1")).text
        audit = await modo.get("/admin/audit")
        assert "Post removed" in audit.text and "Report resolved" in audit.text

        # A post the report does not name cannot be removed through it
        other = await post_service.publish_note(inst.services, bea_actor, "Autre chose")
        await modo.submit(path, f"{path}/decide", {"decision": "reopen"})
        refused = await modo.submit(
            path, f"{path}/act", {"action": "remove_post", "status_id": str(other.id)}
        )
        assert refused.status_code == 422

        # And a warning with a note
        warned = await modo.submit(path, f"{path}/act", {"action": "warn", "reason": "Stop"})
        assert warned.status_code == 303


async def test_an_action_asks_for_confirmation_first(inst, alice_web, bea):
    _account, bea_actor = bea
    await alice_web.submit(
        f"/report?account={bea_actor.id}",
        "/report",
        {"account": str(bea_actor.id), "category": "other"},
    )
    await make_resident(inst, "modo", admin=True)
    async with WebClient(inst.base_url) as modo:
        await modo.log_in("modo")
        [path] = re.findall(r'href="(/admin/reports/\d+)"', (await modo.get("/admin/reports")).text)
        asked = await modo.submit(path, f"{path}/act", {"action": "suspend"}, confirmed=False)
        assert asked.status_code == 200 and "Yes, apply it" in asked.text
        assert path in (await modo.get("/admin/reports")).text


async def test_the_queue_reads_the_same_for_one_report_or_many(tmp_path):
    # Workers off: every statement counted is the page's
    async with running_instance(tmp_path, run_workers=False) as inst:
        modo_account, _modo = await make_resident(inst, "modo", admin=True)
        bea = await seed.resident(inst, "bea")

        async def reports_by(first: int, count: int) -> None:
            # Reports by several residents, each taken in hand by the moderator
            for n in range(first, first + count):
                reporter = await seed.resident(inst, f"voisin{n}")
                async with inst.db.write() as conn:
                    made = await report_store.insert_report(
                        conn,
                        uri=None,
                        reporter_id=reporter.id,
                        origin_domain=None,
                        target_id=bea.id,
                        post_ids=[],
                        category="other",
                        comment=f"Signalement {n}",
                        forwarded=False,
                        snapshot={"account": {}, "posts": []},
                    )
                    await report_store.update_report(
                        conn, made.id, assigned_account_id=modo_account.id
                    )

        async with WebClient(inst.base_url) as modo:
            await modo.log_in("modo")
            await reports_by(0, 1)
            with counted(inst) as one:
                assert (await modo.get("/admin/reports")).status_code == 200
            await reports_by(1, 10)
            with counted(inst) as many:
                page = await modo.get("/admin/reports")
            assert "Signalement 10" in page.text
            assert len(many) == len(one)


async def test_one_accounts_reports_from_its_moderation_page(inst, alice, alice_web, bea):
    _alice_account, alice_actor = alice
    _account, bea_actor = bea
    carl = (await make_resident(inst, "carl"))[1]
    for target in (bea_actor, carl):
        await alice_web.submit(
            f"/report?account={target.id}",
            "/report",
            {
                "account": str(target.id),
                "category": "other",
                "comment": f"À propos de {target.username}",
            },
        )
    await make_resident(inst, "modo", admin=True)
    async with WebClient(inst.base_url) as modo:
        await modo.log_in("modo")
        account_page = await modo.get(f"/admin/moderation/{bea_actor.id}")
        assert f'href="/admin/reports?account={bea_actor.id}"' in account_page.text
        listed = await modo.get(f"/admin/reports?account={bea_actor.id}")
        assert "À propos de bea" in listed.text and "À propos de carl" not in listed.text
        assert (await modo.get("/admin/reports?account=abc")).status_code == 400


async def test_a_post_from_another_server_can_be_reported_and_sent_on(inst, alice_web):
    # Given a post from another server, shown here
    zoe = await seed.remote_actor(inst, "zoe", "ailleurs.example")
    post = await seed.remote_post(
        inst, zoe, "https://ailleurs.example/notes/1", content="<p>Arnaque</p>", type="Note"
    )

    # Its report form offers to send it on to that server
    form = await alice_web.get(f"/report?post={post.id}")
    assert 'name="forward"' in form.text and "ailleurs.example" in form.text
    sent = await alice_web.submit(
        f"/report?post={post.id}",
        "/report",
        {"post": str(post.id), "category": "spam", "comment": "Arnaque", "forward": "yes"},
    )
    assert sent.status_code == 303

    # Then a Flag from the instance actor is queued for zoe's inbox
    async with inst.db.read() as conn:
        rows = list(await conn.execute(select(outgoing_activities)))
    [flag] = [json.loads(r.body) for r in rows if json.loads(r.body)["type"] == "Flag"]
    assert flag["object"] == [zoe.uri, post.uri] and flag["content"] == "Arnaque"
    assert flag["actor"] == inst.federation.actors.instance.uri


async def test_a_report_from_another_server_names_the_server_not_a_person(inst, bea):
    # Given a Flag received from mastodon.example about bea (its sender: the instance actor)
    _account, bea_actor = bea
    sender = await seed.remote_actor(inst, "mastodon.example", "mastodon.example")
    async with inst.db.write() as conn:
        made = await report_store.insert_report(
            conn,
            uri="https://mastodon.example/0b7e",
            reporter_id=sender.id,
            origin_domain="mastodon.example",
            target_id=bea_actor.id,
            post_ids=[],
            category="other",
            comment="Spam signalé chez nous",
            forwarded=False,
            snapshot={"account": {"handle": bea_actor.handle, "display_name": "Béa"}, "posts": []},
        )
    await make_resident(inst, "modo", admin=True)
    async with WebClient(inst.base_url) as modo:
        await modo.log_in("modo")
        queue = await modo.get("/admin/reports")
        assert "from the server mastodon.example" in queue.text
        page = await modo.get(f"/admin/reports/{made.id}")
        assert "the server mastodon.example" in page.text
        assert "Spam signalé chez nous" in page.text
        assert "@mastodon.example@" not in page.text
