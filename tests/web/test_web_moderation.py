"""Staff pages: roles on the admin page, the audit log, and who may open them."""

from __future__ import annotations

from fedlocal.services import audit
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
