"""Staff pages: roles on the admin page, the audit log, and who may open them."""

from __future__ import annotations

from fedlocal.services import audit, domain_blocks, staff
from fedlocal.services.posts import publish_note
from fedlocal.store import accounts as account_store

from .conftest import make_resident
from .web_client import WebClient, notice


async def _account(inst, name):
    async with inst.services.db.read() as conn:
        return await account_store.get_account_by_username(conn, name)


async def test_staff_pages_are_for_staff(inst):
    # Given an admin, a moderator and a resident
    await make_resident(inst, "mairie", admin=True)
    modo, _ = await make_resident(inst, "modo")
    await make_resident(inst, "lea")
    async with (
        WebClient(inst.base_url) as admin,
        WebClient(inst.base_url) as moderator,
        WebClient(inst.base_url) as resident,
        WebClient(inst.base_url) as visitor,
    ):
        await admin.log_in("mairie")
        await moderator.log_in("modo")
        await resident.log_in("lea")

        # When the admin makes modo a moderator on the admin page
        done = await admin.submit(
            "/admin", f"/admin/accounts/{modo.id}/role", {"role": "moderator"}
        )
        assert done.status_code == 303 and notice(done) == "role-changed"
        assert (await _account(inst, "modo")).is_moderator

        # Then the moderator reads the audit log, which lists the change
        page = await moderator.get("/admin/audit")
        assert page.status_code == 200
        assert "@mairie" in page.text and "Role changed" in page.text
        # but not the admin page, nor may they change roles
        assert (await moderator.get("/admin")).status_code == 403
        lea = await _account(inst, "lea")
        refused = await moderator.submit(
            "/admin/audit", f"/admin/accounts/{lea.id}/role", {"role": "admin"}
        )
        assert refused.status_code == 403
        assert not (await _account(inst, "lea")).is_admin

        # A resident gets 403, a visitor the login page
        assert (await resident.get("/admin/audit")).status_code == 403
        assert (await visitor.get("/admin/audit")).status_code == 303


async def test_a_role_form_with_an_unknown_role_changes_nothing(inst):
    admin_account, _ = await make_resident(inst, "mairie", admin=True)
    lea, _ = await make_resident(inst, "lea")
    async with WebClient(inst.base_url) as admin:
        await admin.log_in("mairie")
        refused = await admin.submit("/admin", f"/admin/accounts/{lea.id}/role", {"role": "king"})
        assert refused.status_code == 422
        assert "Choose one of the options" in refused.text
    assert not (await _account(inst, "lea")).is_moderator
    assert await audit.entries(inst.services, admin_account) == []


async def test_a_suspension_from_the_admin_page_is_in_the_audit_log(inst):
    admin_account, _ = await make_resident(inst, "mairie", admin=True)
    lea, _ = await make_resident(inst, "lea")
    async with WebClient(inst.base_url) as admin:
        await admin.log_in("mairie")
        done = await admin.submit("/admin", f"/admin/accounts/{lea.id}", {"decision": "suspend"})
        assert done.status_code == 303
        page = await admin.get("/admin/audit")
    assert "Suspended" in page.text and "account:@lea@" in page.text
    assert (await _account(inst, "lea")).is_disabled
    entries = await audit.entries(inst.services, admin_account)
    assert [e.action for e in entries] == ["suspend"]


async def test_a_moderator_limits_warns_and_removes_a_post_from_the_account_page(inst):
    # Given a moderator and a resident with a post
    admin, _ = await make_resident(inst, "mairie", admin=True)
    modo, _ = await make_resident(inst, "modo")
    await staff.set_role(inst.services, admin, modo.id, "moderator")
    _, lea = await make_resident(inst, "lea")
    note = await publish_note(inst.services, lea, "Un message hors sujet")
    page = f"/admin/moderation/{lea.id}"
    async with WebClient(inst.base_url) as moderator, WebClient(inst.base_url) as resident:
        await moderator.log_in("modo")
        await resident.log_in("lea")
        # The moderator finds Léa from the moderation page and her profile
        listed = await moderator.get("/admin/moderation")
        assert page in listed.text
        assert page in (await moderator.get("/@lea")).text
        assert page not in (await resident.get("/@mairie")).text

        # When they limit her account with a note
        done = await moderator.submit(page, page, {"action": "limit", "note": "Trop de messages"})
        assert done.status_code == 303 and notice(done) == "moderated"
        shown = await moderator.get(page)
        assert "Limited since" in shown.text and "Lift the limit" in shown.text

        # and warn her: she reads it in her notifications
        await moderator.submit(page, page, {"action": "warn", "note": "Restez dans le sujet."})
        notifications = (await resident.get("/notifications")).text
        assert "sent you a warning" in notifications and "Restez dans le sujet." in notifications

        # and remove her post, after a confirmation
        asked = await moderator.submit(
            page, page, {"action": "remove_post", "post_id": str(note.id)}, confirmed=False
        )
        assert asked.status_code == 200 and "Yes, do it" in asked.text
        await moderator.submit(page, page, {"action": "remove_post", "post_id": str(note.id)})
        assert (await resident.get(f"/posts/{note.id}")).status_code in (404, 410)

        # A resident cannot open the page
        assert (await resident.get(page)).status_code == 403
    actions = [e.action for e in await audit.entries(inst.services, admin)]
    assert actions[:3] == ["remove_post", "warn", "limit"]


async def test_the_account_page_refuses_bad_input_with_a_form_error(inst):
    admin, _ = await make_resident(inst, "mairie", admin=True)
    _, lea = await make_resident(inst, "lea")
    page = f"/admin/moderation/{lea.id}"
    async with WebClient(inst.base_url) as client:
        await client.log_in("mairie")
        unknown = await client.submit(page, page, {"action": "ban"})
        assert unknown.status_code == 422 and "Choose one of the options" in unknown.text
        empty_warning = await client.submit(page, page, {"action": "warn", "note": " "})
        assert empty_warning.status_code == 422
        assert "write what the resident should know" in empty_warning.text.lower()
        on_self = await client.submit(
            f"/admin/moderation/{admin.actor_id}",
            f"/admin/moderation/{admin.actor_id}",
            {"action": "limit"},
        )
        assert on_self.status_code == 422
        assert (await client.get("/admin/moderation/999999")).status_code == 404
    assert await audit.entries(inst.services, admin) == []


async def test_admins_edit_domain_blocks_listed_on_the_about_page(inst):
    admin, _ = await make_resident(inst, "mairie", admin=True)
    modo, _ = await make_resident(inst, "modo")
    await staff.set_role(inst.services, admin, modo.id, "moderator")
    async with WebClient(inst.base_url) as client, WebClient(inst.base_url) as moderator:
        await client.log_in("mairie")
        await moderator.log_in("modo")
        added = await client.submit(
            "/admin/domains",
            "/admin/domains",
            {
                "domain": "Spam.Example",
                "severity": "suspend",
                "public_comment": "Spam en masse",
                "private_comment": "trois signalements",
            },
        )
        assert added.status_code == 303 and notice(added) == "domain-blocked"
        assert not await inst.services.domains.allows("spam.example")
        about = (await client.get("/about")).text
        assert "spam.example" in about and "Spam en masse" in about
        assert "trois signalements" not in about

        # A duplicate and a malformed domain are form errors; nothing more is stored
        twice = await client.submit(
            "/admin/domains", "/admin/domains", {"domain": "spam.example", "severity": "silence"}
        )
        assert twice.status_code == 409 and "already blocked" in twice.text
        bad = await client.submit(
            "/admin/domains", "/admin/domains", {"domain": "pas un domaine", "severity": "suspend"}
        )
        assert bad.status_code == 422 and "is not a domain" in bad.text
        blocks = await domain_blocks.blocks(inst.services)
        assert [b.domain for b in blocks] == ["spam.example"]

        # Edit the block: limited now
        block_id = blocks[0].id
        saved = await client.submit(
            "/admin/domains",
            f"/admin/domains/{block_id}",
            {"severity": "silence", "public_comment": "Spam", "private_comment": ""},
        )
        assert notice(saved) == "domain-block-saved"
        assert await inst.services.domains.allows("spam.example")
        assert await inst.services.domains.is_silenced("spam.example")

        # The moderator cannot change domain blocks
        assert (await moderator.get("/admin/domains")).status_code == 403

        removed = await client.submit("/admin/domains", f"/admin/domains/{block_id}/remove", {})
        assert notice(removed) == "domain-unblocked"
        assert await domain_blocks.blocks(inst.services) == []
    actions = [e.action for e in await audit.entries(inst.services, admin)]
    assert actions[:3] == ["unblock_domain", "update_domain_block", "block_domain"]


async def test_admin_actions_are_in_the_audit_log_too(inst):
    admin, _ = await make_resident(inst, "mairie", admin=True)
    async with WebClient(inst.base_url) as client:
        await client.log_in("mairie")
        await client.submit("/admin", "/admin/invites", {"max_uses": "2", "days": "7"})
        await client.submit("/admin", "/admin/queue/retry", {"all": "1"})
    entries = await audit.entries(inst.services, admin)
    assert [(e.action, e.target.split(":")[0]) for e in entries] == [
        ("retry_failures", "queue"),
        ("create_invite", "invite"),
    ]
