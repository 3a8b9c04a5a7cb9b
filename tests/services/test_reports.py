"""Reports: a resident reports a post, a message or an account; the report keeps what it
was about as it was then; one about another server's account may go there as a Flag from
our instance actor; moderators resolve and reopen them. Bad input leaves nothing behind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from fedlocal.services import messages, reports, staff
from fedlocal.services import posts as post_service
from fedlocal.services.accounts import create_account
from fedlocal.services.errors import Forbidden, InvalidInput, NotFound
from fedlocal.services.reports import ReportInput
from fedlocal.store import moderation as moderation_store
from fedlocal.store import posts as post_store
from fedlocal.store.tables import reports as reports_table
from tests.services.sharing_support import last_queued_id, queued, remote_person


async def _count(world) -> int:
    async with world.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(reports_table))).scalar())


async def _admin(world):
    account, _actor = await create_account(world.services, "modo", "un mot de passe", admin=True)
    return account


async def _remote_post(world, author, content="<p>Achetez mes montres</p>"):
    async with world.db.write() as conn:
        post, _created = await post_store.upsert_remote_post(
            conn,
            uri=f"{author.uri}/statuses/1",
            actor_id=author.id,
            type="Note",
            visibility="public",
            content=content,
            published=datetime(2026, 12, 1, tzinfo=UTC),
        )
    return post


async def test_a_report_keeps_the_post_as_it_was_when_reported(world, ana, bea):
    # Given bea's post
    post = await post_service.publish_note(world.services, bea, "Des vélos volés à vendre")

    # When ana reports it, then bea edits and deletes it
    report = await reports.file_report(
        world.services,
        ana,
        ReportInput(account_id=bea.id, post_ids=(post.id,), category="legal", comment="Volés ?"),
    )
    await post_service.delete_post(world.services, bea, post.id)

    # Then the report still shows the post's text and author, and names no forwarding
    admin = await _admin(world)
    view = await reports.get_report(world.services, admin, report.id)
    assert view.reporter is not None and view.reporter.id == ana.id
    assert view.target.id == bea.id
    assert view.report.category == "legal" and view.report.comment == "Volés ?"
    [kept] = view.report.snapshot["posts"]
    assert "Des vélos volés" in kept["content"] and kept["author"] == bea.handle
    assert view.report.snapshot["account"]["handle"] == bea.handle
    assert not view.report.forwarded and not view.report.is_resolved


async def test_a_message_can_be_reported_by_the_person_it_was_sent_to(world, ana, bea):
    _thread, message = await messages.write_to(world.services, bea, ana, "Réponds-moi vite !")
    report = await reports.file_report(
        world.services, ana, ReportInput(account_id=bea.id, post_ids=(message.id,))
    )
    assert report.post_ids == (message.id,)
    assert report.snapshot["posts"][0]["visibility"] == "direct"


async def test_a_report_of_a_remote_account_is_forwarded_as_a_flag_from_the_instance(world, ana):
    # Given a remote account's public post
    zoe = await remote_person(world.federation, "zoe")
    post = await _remote_post(world, zoe)
    before = await last_queued_id(world.db)

    # When ana reports it and asks to forward
    report = await reports.file_report(
        world.services,
        ana,
        ReportInput(account_id=zoe.id, post_ids=(post.id,), category="spam", forward=True),
    )

    # Then a Flag from our instance actor goes to zoe's inbox, not naming ana
    [flag] = await queued(world.db, after=before)
    assert flag.type == "Flag"
    assert flag.body["actor"] == world.federation.actors.instance.uri
    assert flag.body["object"] == [zoe.uri, post.uri]
    assert flag.body["id"] == report.uri
    assert flag.inboxes == [zoe.inbox_url]
    assert ana.uri not in str(flag.body)
    assert report.forwarded


async def test_without_forward_nothing_leaves(world, ana):
    zoe = await remote_person(world.federation, "zoe")
    before = await last_queued_id(world.db)
    report = await reports.file_report(world.services, ana, ReportInput(account_id=zoe.id))
    assert await queued(world.db, after=before) == []
    assert not report.forwarded


@pytest.mark.parametrize(
    "given, error",
    [
        (dict(category="rude"), InvalidInput),
        (dict(comment="x" * 100_000), InvalidInput),
        (dict(comment="x" * (reports.COMMENT_MAX + 1)), InvalidInput),
        (dict(account_id=999_999), NotFound),
        (dict(post_ids=(999_999,)), NotFound),
    ],
)
async def test_bad_reports_are_refused_and_nothing_is_stored(world, ana, bea, given, error):
    values = {"account_id": bea.id, **given}
    with pytest.raises(error):
        await reports.file_report(world.services, ana, ReportInput(**values))
    assert await _count(world) == 0


async def test_one_cannot_report_oneself_nor_ones_own_post(world, ana):
    post = await post_service.publish_note(world.services, ana, "Mon propre message")
    with pytest.raises(InvalidInput):
        await reports.file_report(world.services, ana, ReportInput(account_id=ana.id))
    with pytest.raises(InvalidInput):
        await reports.file_report(
            world.services, ana, ReportInput(account_id=ana.id, post_ids=(post.id,))
        )
    assert await _count(world) == 0


async def test_a_post_one_cannot_see_cannot_be_reported(world, ana, bea, carl):
    # A message between bea and carl: ana cannot see it, so it is "not found" for her
    _thread, message = await messages.write_to(world.services, bea, carl, "Entre nous")
    with pytest.raises(NotFound):
        await reports.file_report(
            world.services, ana, ReportInput(account_id=bea.id, post_ids=(message.id,))
        )
    assert await _count(world) == 0


async def test_the_posts_must_be_the_reported_accounts(world, ana, bea, carl):
    post = await post_service.publish_note(world.services, carl, "De carl")
    with pytest.raises(InvalidInput):
        await reports.file_report(
            world.services, ana, ReportInput(account_id=bea.id, post_ids=(post.id,))
        )
    assert await _count(world) == 0


async def test_moderators_resolve_reopen_assign_and_note(world, ana, bea):
    admin = await _admin(world)
    report = await reports.file_report(world.services, ana, ReportInput(account_id=bea.id))
    assert [v.report.id for v in await reports.list_reports(world.services, admin)] == [report.id]

    resolved = await reports.resolve(world.services, admin, report.id)
    assert resolved.report.is_resolved and resolved.report.action == "dismiss"
    assert resolved.resolved_by is not None and resolved.resolved_by.id == admin.id
    assert await reports.list_reports(world.services, admin) == []
    assert len(await reports.list_reports(world.services, admin, resolved=True)) == 1

    reopened = await reports.reopen(world.services, admin, report.id)
    assert not reopened.report.is_resolved and reopened.report.action is None
    assigned = await reports.assign(world.services, admin, report.id, to_self=True)
    assert assigned.assigned is not None and assigned.assigned.id == admin.id
    noted = await reports.set_note(world.services, admin, report.id, "  Vu avec bea  ")
    assert noted.report.note == "Vu avec bea"


async def test_the_queue_is_for_staff_only(world, ana, bea):
    account, _ = await create_account(world.services, "dan", "un mot de passe")
    report = await reports.file_report(world.services, ana, ReportInput(account_id=bea.id))
    with pytest.raises(Forbidden):
        await reports.list_reports(world.services, account)
    with pytest.raises(Forbidden):
        await reports.resolve(world.services, account, report.id)
    with pytest.raises(Forbidden):
        await reports.get_report(world.services, None, report.id)


async def test_a_moderator_suspends_the_account_reported_and_the_log_says_so(world, ana, bea):
    # Given a moderator (not an administrator) and ana's report about bea
    admin = await _admin(world)
    modo, _ = await create_account(world.services, "dora", "un mot de passe")
    modo = await staff.set_role(world.services, admin, modo.id, "moderator")
    report = await reports.file_report(world.services, ana, ReportInput(account_id=bea.id))

    # When the moderator suspends bea in answer to the report
    view = await reports.act(world.services, modo, report.id, "suspend", note="Harcèlement")

    # Then bea is suspended, the report resolved with that action, and both are in the log
    assert view.report.is_resolved and view.report.action == "suspend"
    async with world.db.read() as conn:
        assert (await moderation_store.state(conn, bea.id)).suspended_at is not None
        entries = await moderation_store.audit_page(conn)
    done = {(e.action, e.target, e.by_username) for e in entries}
    assert ("suspend", f"account:@{bea.handle}", "dora") in done
    assert ("resolve_report", f"report:{report.id}", "dora") in done
    assert any(e.note.startswith(f"report:{report.id}") for e in entries if e.action == "suspend")


async def test_a_remote_accounts_domain_can_be_blocked_from_its_report(world, ana):
    admin = await _admin(world)
    zoe = await remote_person(world.federation, "zoe", host="spam.example")
    report = await reports.file_report(world.services, ana, ReportInput(account_id=zoe.id))
    view = await reports.act(world.services, admin, report.id, "block_domain")
    assert view.report.action == "block_domain"
    assert not await world.services.domains.allows("spam.example")


async def test_a_post_the_report_does_not_name_cannot_be_removed_through_it(world, ana, bea):
    admin = await _admin(world)
    named = await post_service.publish_note(world.services, bea, "Signalé")
    other = await post_service.publish_note(world.services, bea, "Pas signalé")
    report = await reports.file_report(
        world.services, ana, ReportInput(account_id=bea.id, post_ids=(named.id,))
    )
    with pytest.raises(InvalidInput):
        await reports.act(world.services, admin, report.id, "remove_post", status_id=other.id)
    with pytest.raises(InvalidInput):
        await reports.act(world.services, admin, report.id, "shout")
    assert not (await reports.get_report(world.services, admin, report.id)).report.is_resolved
