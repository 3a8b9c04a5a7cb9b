"""Deleting one's account from the settings: a page says what goes, the password
confirms, and afterwards the session, the profile and the login are gone."""

from __future__ import annotations

from fedlocal.store import accounts as account_store

from .conftest import make_resident
from .web_client import PASSWORD, WebClient, notice


async def test_a_resident_deletes_their_account_with_their_password(inst, alice, alice_web):
    # Given alice's settings link to the deletion page, which explains what goes
    settings = await alice_web.get("/settings")
    assert 'href="/settings/delete"' in settings.text
    page = await alice_web.get("/settings/delete")
    assert page.status_code == 200 and "cannot be undone" in page.text

    # When she gives a wrong password, nothing happens
    wrong = await alice_web.submit(
        "/settings/delete", "/settings/delete", {"current_password": "nope"}
    )
    assert wrong.status_code == 422 and 'id="f-current_password-error"' in wrong.text

    # When she confirms with her password
    done = await alice_web.submit(
        "/settings/delete", "/settings/delete", {"current_password": PASSWORD}
    )

    # Then she is logged out and told, her profile answers 410, her login no longer works
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert notice(done) == "account-deleted"
    assert "Your account is deleted" in (await alice_web.get("/")).text
    assert (await alice_web.get("/settings")).status_code == 303
    actor = await alice_web.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert actor.status_code == 410 and actor.json()["type"] == "Tombstone"
    assert (await alice_web.get("/users/alice")).status_code == 410
    async with WebClient(inst.base_url) as again:
        login = await again.submit("/login", "/login", {"login": "alice", "password": PASSWORD})
        assert login.status_code != 303


async def test_an_admin_deletes_an_account_after_a_confirmation_page(inst):
    admin_account, _ = await make_resident(inst, "mairie", admin=True)
    lea, _ = await make_resident(inst, "lea")
    async with WebClient(inst.base_url) as admin:
        await admin.log_in("mairie")
        asked = await admin.submit(
            "/admin", f"/admin/accounts/{lea.id}/delete", {"target": "@lea"}, confirmed=False
        )
        assert asked.status_code == 200 and "Delete the account @lea for good?" in asked.text
        assert await _account(inst, "lea") is not None

        done = await admin.submit("/admin", f"/admin/accounts/{lea.id}/delete", {"target": "@lea"})
        assert done.status_code == 303
        page = await admin.get("/admin/audit")
        assert "Account deleted" in page.text

        # A second time: the account is no longer there
        again = await admin.submit("/admin", f"/admin/accounts/{lea.id}/delete", {})
        assert again.status_code == 404
    assert await _account(inst, "lea") is None


async def _account(inst, username):
    async with inst.db.read() as conn:
        return await account_store.get_account_by_username(conn, username)
