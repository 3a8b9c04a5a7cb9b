"""Signing up by each mode, sessions and their cookies, logging out, changing the password,
and what admins do about sign-ups and invitations."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from sqlalchemy import func, select
from starlette.responses import Response

from fedlocal.config import build_config
from fedlocal.services import settings as settings_service
from fedlocal.services import signup as signup_service
from fedlocal.services.login import MAX_FAILURES_PER_ACCOUNT
from fedlocal.store import accounts as account_store
from fedlocal.store.tables import web_sessions
from tests.support.instance import running_instance
from web.auth import COOKIE, Sessions, Visitor, cookie_name

from .conftest import QUARTERS, make_resident
from .web_client import PASSWORD, WebClient


def _cookie(response) -> SimpleCookie:
    cookie = SimpleCookie()
    headers = response.headers
    values = headers.get_list("set-cookie") if hasattr(headers, "get_list") else None
    for header in values if values is not None else headers.getlist("set-cookie"):
        cookie.load(header)
    return cookie


async def _account(inst, username):
    async with inst.db.read() as conn:
        return await account_store.get_account_by_username(conn, username)


async def test_open_sign_up_logs_the_resident_in_with_a_safe_cookie(inst, web):
    response = await web.sign_up("zoe", email="zoe@example.org")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = _cookie(response)[cookie_name(inst.config, COOKIE)]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]  # plain http (tests); see the https test below
    home = await web.get("/")
    assert "Log out" in home.text and 'href="/@zoe"' in home.text
    account = await _account(inst, "zoe")
    assert account is not None and account.is_approved and account.locale == "en"


def test_cookies_are_secure_when_the_instance_is_served_over_https(tmp_path):
    config = build_config(
        {"name": "S", "base_url": "https://s.example", "data_dir": str(tmp_path)}, environ={}
    )
    sessions = Sessions(config, services=None)  # type: ignore[arg-type]
    response = Response()
    sessions.apply(Visitor(new_token="t" * 43), response)
    cookie = _cookie(response)[cookie_name(config, COOKIE)]
    assert cookie["secure"] is True and cookie["httponly"] is True


async def test_the_session_is_stored_hashed_and_replaced_at_login(inst, alice, web):
    await web.get("/login")
    before = web.http.cookies.get(cookie_name(inst.config, COOKIE))
    await web.log_in("alice")
    after = web.http.cookies.get(cookie_name(inst.config, COOKIE))

    assert before and after and before != after  # no session fixation
    async with inst.db.read() as conn:
        hashes = [row.token_hash for row in await conn.execute(select(web_sessions))]
    assert after not in hashes and before not in hashes
    assert len(hashes) == 1  # the anonymous session was replaced


async def test_logging_out_ends_the_session_for_good(inst, alice, web):
    await web.log_in("alice")
    stolen = web.http.cookies.get(cookie_name(inst.config, COOKIE))

    response = await web.submit("/", "/logout", {})

    assert response.status_code == 303
    async with WebClient(inst.base_url) as thief:
        thief.http.cookies.set(cookie_name(inst.config, COOKIE), stolen)
        settings = await thief.get("/settings")
    assert settings.status_code == 303
    assert settings.headers["location"].startswith("/login")


async def test_login_by_email_and_back_to_where_the_resident_was(inst, web):
    await make_resident(inst, "yann", email="yann@example.org")

    response = await web.submit(
        "/login?next=/settings",
        "/login",
        {"login": "YANN@example.org", "password": PASSWORD, "next": "/settings"},
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith("/settings")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
async def test_login_never_sends_elsewhere(inst, alice, web, target):
    response = await web.submit(
        "/login", "/login", {"login": "alice", "password": PASSWORD, "next": target}
    )
    assert response.headers["location"] == "/"


async def test_sign_up_errors_are_shown_beside_their_fields(inst, web, alice):
    response = await web.sign_up("Not A Name!", password="short")

    assert response.status_code == 422
    assert 'id="f-username-error"' in response.text
    assert 'id="f-password-error"' in response.text
    assert 'value="Not A Name!"' in response.text

    taken = await web.sign_up("alice")
    assert taken.status_code == 409
    assert "taken" in taken.text


async def test_approval_mode_waits_for_an_admin(tmp_path):
    async with running_instance(tmp_path, area=QUARTERS, signup_mode="approval") as inst:
        admin, _ = await make_resident(inst, "boss", admin=True)
        async with WebClient(inst.base_url) as visitor, WebClient(inst.base_url) as boss:
            # Given a sign-up, which cannot log in yet
            response = await visitor.sign_up("newbie")
            assert response.headers["location"] == "/"
            assert "An administrator will look" in (await visitor.get("/")).text
            refused = await visitor.submit(
                "/login", "/login", {"login": "newbie", "password": PASSWORD}
            )
            assert refused.status_code == 403
            assert "waiting for an administrator" in refused.text

            # When the admin approves it on the admin page
            await boss.log_in("boss")
            page = await boss.get("/admin")
            assert "newbie" in page.text
            newbie = await _account(inst, "newbie")
            approved = await boss.submit(
                "/admin", f"/admin/signups/{newbie.id}", {"decision": "approve"}
            )
            assert approved.status_code == 303

            # Then the resident logs in
            await visitor.log_in("newbie")
            assert (await visitor.get("/settings")).status_code == 200

            # And a rejected sign-up is removed
            await visitor.submit("/", "/logout", {})
            await visitor.sign_up("spammer")
            spammer = await _account(inst, "spammer")
            await boss.submit("/admin", f"/admin/signups/{spammer.id}", {"decision": "reject"})
            assert await _account(inst, "spammer") is None
            # A resident who is not an admin cannot see the admin page
            assert (await visitor.get("/admin")).status_code == 303
            await visitor.log_in("newbie")
            assert (await visitor.get("/admin")).status_code == 403
            forbidden = await visitor.submit(
                "/", f"/admin/signups/{newbie.id}", {"decision": "reject"}
            )
            assert forbidden.status_code == 403
        assert admin.is_admin


async def test_invite_mode_needs_a_valid_code_and_counts_its_uses(tmp_path):
    async with running_instance(tmp_path, area=QUARTERS, signup_mode="invite") as inst:
        admin, _ = await make_resident(inst, "boss", admin=True)
        async with WebClient(inst.base_url) as boss:
            await boss.log_in("boss")
            created = await boss.submit("/admin", "/admin/invites", {"max_uses": "1", "days": "7"})
            assert created.headers["location"] == "/admin#invites"
            listed = await boss.get("/admin")
            assert listed.status_code == 200
            # The page lands on #invites: the notice shows there, once.
            invites = listed.text.split('id="invites"')[1]
            assert "Invitation created." in invites
            assert listed.text.count("Invitation created.") == 1
        invite = (await signup_service.invites(inst.services, admin))[0]
        assert invite.code in listed.text
        async with WebClient(inst.base_url) as visitor:
            form = await visitor.get(f"/signup?invite={invite.code}")
            assert f'value="{invite.code}"' in form.text

            missing = await visitor.sign_up("first")
            assert missing.status_code == 422 and 'id="f-invite_code-error"' in missing.text
            wrong = await visitor.sign_up("first", invite_code="nope")
            assert wrong.status_code == 422 and "not valid" in wrong.text

            ok = await visitor.sign_up("first", invite_code=invite.code)
            assert ok.headers["location"] == "/"
        async with WebClient(inst.base_url) as second:
            used_up = await second.sign_up("second", invite_code=invite.code)
            assert used_up.status_code == 422
        assert await _account(inst, "second") is None


async def test_changing_the_password_logs_other_devices_out(inst, alice):
    async with WebClient(inst.base_url) as phone, WebClient(inst.base_url) as laptop:
        await phone.log_in("alice")
        await laptop.log_in("alice")

        wrong = await phone.submit(
            "/settings",
            "/settings/password",
            {"current_password": "nope", "new_password": "another long password"},
        )
        assert wrong.status_code == 422 and 'id="f-current_password-error"' in wrong.text
        short = await phone.submit(
            "/settings", "/settings/password", {"current_password": PASSWORD, "new_password": "x"}
        )
        assert short.status_code == 422 and 'id="f-new_password-error"' in short.text

        done = await phone.submit(
            "/settings",
            "/settings/password",
            {"current_password": PASSWORD, "new_password": "another long password"},
        )
        assert done.status_code == 303
        assert (await phone.get("/settings")).status_code == 200
        assert (await laptop.get("/settings")).status_code == 303
    async with WebClient(inst.base_url) as again:
        await again.log_in("alice", "another long password")


async def test_wrong_current_passwords_count_as_failed_logins(inst, alice, alice_web):
    # Given someone holding alice's session guesses her password in the settings
    statuses = []
    for number in range(MAX_FAILURES_PER_ACCOUNT + 1):
        response = await alice_web.submit(
            "/settings",
            "/settings/password",
            {"current_password": f"guess {number}", "new_password": "another long password"},
        )
        statuses.append(response.status_code)

    # Then after the account's limit even the settings stop checking, and so does the login
    assert statuses == [422] * MAX_FAILURES_PER_ACCOUNT + [429]
    assert "Too many failed attempts" in response.text
    assert int(response.headers["retry-after"]) > 0
    async with WebClient(inst.base_url) as elsewhere:
        login = await elsewhere.submit("/login", "/login", {"login": "alice", "password": PASSWORD})
    assert login.status_code == 429
    unchanged = await alice_web.submit(
        "/settings",
        "/settings/password",
        {"current_password": PASSWORD, "new_password": "another long password"},
    )
    assert unchanged.status_code == 429


async def test_profile_and_home_quarter(inst, alice, alice_web):
    response = await alice_web.submit(
        "/settings", "/settings/profile", {"display_name": "Alice M.", "quarter": "parame"}
    )
    assert response.status_code == 303
    page = await alice_web.get("/@alice")
    assert "Alice M." in page.text and "Paramé" in page.text
    offer_form = await alice_web.get("/new/offer")
    assert '<option value="Paramé" selected>' in offer_form.text

    bad = await alice_web.submit(
        "/settings", "/settings/profile", {"display_name": "x" * 101, "quarter": "Atlantis"}
    )
    assert bad.status_code == 422


async def test_the_bio_and_fields_are_written_in_the_settings(inst, alice, alice_web):
    response = await alice_web.submit(
        "/settings",
        "/settings/profile",
        {
            "display_name": "Alice",
            "quarter": "",
            "note": "Je prête ma remorque",
            "field_name_0": "Site",
            "field_value_0": "https://alice.example",
            "field_name_1": "",
            "field_value_1": "",
        },
    )
    assert response.status_code == 303
    settings = await alice_web.get("/settings")
    assert "Je prête ma remorque</textarea>" in settings.text
    assert 'value="https://alice.example"' in settings.text
    profile = await alice_web.get("/@alice")
    assert "<dt>Site</dt>" in profile.text and "Je prête ma remorque" in profile.text

    # When the form says nothing of them (an older page), the bio and fields stay
    await alice_web.submit("/settings", "/settings/profile", {"display_name": "Alice M."})
    assert "Je prête ma remorque" in (await alice_web.get("/@alice")).text

    too_long = {"field_name_0": "Site", "field_value_0": "x" * 300}
    refused = await alice_web.submit("/settings", "/settings/profile", too_long)
    assert refused.status_code == 422 and "255" in refused.text


async def test_the_profile_shows_the_bio_and_fields(inst, alice, alice_web):
    account = await _account(inst, "alice")
    await settings_service.update_about(
        inst.services, account, note="Je répare les vélos", fields=[("Site", "https://a.example")]
    )
    page = await alice_web.get("/@alice")
    assert "Je répare les vélos" in page.text
    assert "<dt>Site</dt>" in page.text
    assert 'href="https://a.example"' in page.text


async def test_suspended_residents_are_logged_out(inst, alice, alice_web):
    admin, _ = await make_resident(inst, "boss", admin=True)
    async with WebClient(inst.base_url) as boss:
        await boss.log_in("boss")
        account = await _account(inst, "alice")
        await boss.submit("/admin", f"/admin/accounts/{account.id}", {"decision": "suspend"})
        self_suspend = await boss.submit(
            "/admin", f"/admin/accounts/{admin.id}", {"decision": "suspend"}
        )
        assert self_suspend.status_code == 422
    assert (await alice_web.get("/settings")).status_code == 303
    refused = await alice_web.submit("/login", "/login", {"login": "alice", "password": PASSWORD})
    assert refused.status_code == 401
    async with inst.db.read() as conn:
        count = (await conn.execute(select(func.count()).select_from(web_sessions))).scalar_one()
    assert count >= 1


async def test_two_instances_on_one_host_keep_their_own_sessions(inst, alice, tmp_path):
    # Given a second instance on the same host, another port (the demo's three quarters)
    async with running_instance(tmp_path / "other", signup_mode="open") as other:
        await make_resident(other, "bruno")
        async with WebClient(inst.base_url) as browser:
            await browser.log_in("alice")
            # When the same browser (one cookie jar per host, whatever the port) logs in
            # on the neighbour and comes back
            browser.http.base_url = other.base_url
            await browser.log_in("bruno")
            browser.http.base_url = inst.base_url
            settings = await browser.get("/settings")
    # Then it is still logged in here: the cookies have different names
    assert settings.status_code == 200
    assert cookie_name(inst.config, COOKIE) != cookie_name(other.config, COOKIE)
    assert cookie_name(inst.config, "x").startswith("x_127_0_0_1_")
