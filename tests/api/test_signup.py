"""In-app sign-up (`POST /api/v1/accounts`): by the instance's sign-up mode, with an app
token, the web sign-up's checks and a limit per address. Mastodon.py's `create_account`
signs up as an app does."""

from __future__ import annotations

import asyncio

import httpx
from mastodon import Mastodon

from fedlocal.services import accounts, signup
from fedlocal.store import residents as resident_store
from tests.api.conftest import PASSWORD, register_app
from tests.support.instance import running_instance


async def app_token(http: httpx.AsyncClient, *, scope: str = "read write") -> str:
    app = await register_app(http)
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def sign_up_form(username: str, **extra: str) -> dict[str, str]:
    return {
        "username": username,
        "email": f"{username}@example.org",
        "password": PASSWORD,
        "agreement": "true",
        "locale": "fr",
        **extra,
    }


async def test_open_sign_up_answers_a_working_token(tmp_path) -> None:
    async with (
        running_instance(tmp_path, signup_mode="open") as inst,
        httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http,
    ):
        token = await app_token(http)
        made = await http.post(
            "/api/v1/accounts",
            headers={"Authorization": f"Bearer {token}"},
            data=sign_up_form("zoe"),
        )
        assert made.status_code == 200, made.text
        assert made.json()["token_type"] == "Bearer" and made.json()["scope"] == "read write"
        me = await http.get(
            "/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {made.json()['access_token']}"},
        )
        assert me.status_code == 200 and me.json()["username"] == "zoe"

        # The same checks as the web: a taken name, a short password, no agreement
        headers = {"Authorization": f"Bearer {token}"}
        taken = await http.post("/api/v1/accounts", headers=headers, data=sign_up_form("zoe"))
        assert taken.status_code == 422 and "username" in taken.json()["details"]
        short = await http.post(
            "/api/v1/accounts", headers=headers, data=sign_up_form("yves", password="court")
        )
        assert short.status_code == 422 and "password" in short.json()["details"]
        disagreed = await http.post(
            "/api/v1/accounts", headers=headers, data=sign_up_form("yann", agreement="false")
        )
        assert disagreed.status_code == 422 and "agreement" in disagreed.json()["details"]
        # Without a token, or one lacking write:accounts, no sign-up
        bare = await http.post("/api/v1/accounts", data=sign_up_form("xavier"))
        assert bare.status_code == 401
        read_only = await app_token(http, scope="read")
        refused = await http.post(
            "/api/v1/accounts",
            headers={"Authorization": f"Bearer {read_only}"},
            data=sign_up_form("xavier"),
        )
        assert refused.status_code == 403


async def test_approval_sign_up_waits_for_an_admin(tmp_path) -> None:
    async with (
        running_instance(tmp_path, signup_mode="approval") as inst,
        httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http,
    ):
        # Given an instance where an admin approves sign-ups: apps see sign-up open
        v2 = (await http.get("/api/v2/instance")).json()["registrations"]
        assert v2["enabled"] is True and v2["approval_required"] is True
        v1 = (await http.get("/api/v1/instance")).json()
        assert v1["registrations"] is True and v1["approval_required"] is True
        # When an app signs wendy up
        token = await app_token(http)
        made = await http.post(
            "/api/v1/accounts",
            headers={"Authorization": f"Bearer {token}"},
            data=sign_up_form("wendy", reason="J'habite rue Jacques Cartier"),
        )
        assert made.status_code == 200, made.text
        hers = {"Authorization": f"Bearer {made.json()['access_token']}"}
        # Then her token is refused until approval
        pending = await http.get("/api/v1/accounts/verify_credentials", headers=hers)
        assert pending.status_code == 401 and "pending approval" in pending.json()["error"]
        # When an admin approves her, the same token works
        admin, _ = await accounts.create_account(inst.services, "anne", PASSWORD, admin=True)
        async with inst.db.read() as conn:
            [(waiting, _actor)] = await resident_store.list_accounts(conn, approved=False)
        await signup.approve_signup(inst.services, admin, waiting.id)
        approved = await http.get("/api/v1/accounts/verify_credentials", headers=hers)
        assert approved.status_code == 200 and approved.json()["username"] == "wendy"


async def test_invite_sign_up_needs_a_valid_code(tmp_path) -> None:
    async with (
        running_instance(tmp_path, signup_mode="invite") as inst,
        httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http,
    ):
        admin, _ = await accounts.create_account(inst.services, "anne", PASSWORD, admin=True)
        invite = await signup.create_invite(inst.services, admin)
        # Closed to all but the invited, as Mastodon shows it
        v2 = (await http.get("/api/v2/instance")).json()["registrations"]
        assert v2["enabled"] is False and v2["approval_required"] is False
        headers = {"Authorization": f"Bearer {await app_token(http)}"}
        without = await http.post("/api/v1/accounts", headers=headers, data=sign_up_form("val"))
        assert without.status_code == 422 and "invite_code" in without.json()["details"]
        wrong = await http.post(
            "/api/v1/accounts", headers=headers, data=sign_up_form("val", invite_code="nope")
        )
        assert wrong.status_code == 422
        made = await http.post(
            "/api/v1/accounts", headers=headers, data=sign_up_form("val", invite_code=invite.code)
        )
        assert made.status_code == 200, made.text


async def test_sign_ups_are_limited_per_address(tmp_path) -> None:
    async with (
        running_instance(tmp_path, signup_mode="open") as inst,
        httpx.AsyncClient(base_url=inst.base_url, trust_env=False) as http,
    ):
        headers = {"Authorization": f"Bearer {await app_token(http)}"}
        answers = [
            (await http.post("/api/v1/accounts", headers=headers, data=sign_up_form(f"u{n}")))
            for n in range(6)
        ]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert int(answers[-1].headers["Retry-After"]) > 0


async def test_mastodon_py_creates_an_account(tmp_path) -> None:
    async with running_instance(tmp_path, signup_mode="open") as inst:

        def run():
            client_id, client_secret = Mastodon.create_app(
                "fedlocal tests", api_base_url=inst.base_url
            )
            client = Mastodon(
                client_id=client_id, client_secret=client_secret, api_base_url=inst.base_url
            )
            client.create_account("ulysse", PASSWORD, "ulysse@example.org", agreement=True)
            return client.account_verify_credentials()

        me = await asyncio.to_thread(run)
    assert me.username == "ulysse"
