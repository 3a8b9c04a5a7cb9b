"""One login limit for every way in: the web login form, the OAuth password grant and the
OAuth authorization page count failures together, per account and per address, and a
locked account or address gets neither a session, nor a token, nor a code."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from fedlocal.services import accounts, login
from fedlocal.store import residents as resident_store
from fedlocal.store.tables import login_attempts, oauth_access_tokens, oauth_authorization_codes
from tests.api.browser import oob_code, submit_login
from tests.api.conftest import PASSWORD, register_app
from tests.support.hashing import HeldHasher
from tests.support.waiting import wait_for
from tests.web.web_client import WebClient

WAYS = ("web", "grant", "authorize")
# What each way answers a wrong password with, and the right one.
REFUSED = {"web": 401, "grant": 400, "authorize": 401}
ACCEPTED = {"web": 303, "grant": 200, "authorize": 200}


@dataclass
class Ways:
    """Logging in to one instance the three ways a resident can."""

    inst: object
    http: httpx.AsyncClient
    app: dict

    @property
    def authorize_url(self) -> str:
        return (
            f"{self.inst.base_url}/oauth/authorize?response_type=code"
            f"&client_id={self.app['client_id']}&redirect_uri=urn:ietf:wg:oauth:2.0:oob"
            "&scope=read"
        )

    async def try_(self, way: str, login: str, password: str) -> httpx.Response:
        if way == "web":
            async with WebClient(self.inst.base_url) as web:
                return await web.submit("/login", "/login", {"login": login, "password": password})
        if way == "grant":
            return await self.http.post(
                "/oauth/token",
                data={
                    "grant_type": "password",
                    "client_id": self.app["client_id"],
                    "client_secret": self.app["client_secret"],
                    "username": login,
                    "password": password,
                    "scope": "read",
                },
            )
        return await submit_login(self.authorize_url, login, password)


@pytest.fixture
async def ways(inst, http) -> Ways:
    return Ways(inst, http, await register_app(http))


async def count(inst, table, *where) -> int:
    async with inst.db.read() as conn:
        query = select(func.count()).select_from(table).where(*where)
        return (await conn.execute(query)).scalar_one()


def assert_locked(way: str, response: httpx.Response) -> None:
    """A refusal for too many failures, in each way's own shape."""
    assert response.status_code == 429, (way, response.status_code, response.text[:300])
    assert int(response.headers["retry-after"]) > 0, way
    if way == "grant":
        body = response.json()
        assert body["error"] == "invalid_grant"
        assert "Too many failed login attempts" in body["error_description"]
        assert "access_token" not in body
    elif way == "authorize":
        # The instance speaks French by default: the page does too
        assert "Trop de tentatives échouées" in response.text
        assert 'id="oauth-code"' not in response.text
    else:
        assert "Too many failed attempts" in response.text
        assert "location" not in response.headers


@pytest.mark.parametrize("failing_way", WAYS)
async def test_failures_on_one_way_lock_the_account_on_every_way(inst, ways, failing_way):
    # Given lea, and as many wrong passwords as an account may have, all one way
    lea, _ = await accounts.create_account(inst.services, "lea", PASSWORD)
    statuses = [
        (await ways.try_(failing_way, "lea", f"guess {n}")).status_code
        for n in range(login.MAX_FAILURES_PER_ACCOUNT)
    ]
    assert statuses == [REFUSED[failing_way]] * login.MAX_FAILURES_PER_ACCOUNT

    # Then the right password is refused every way: no session, no token, no code
    for way in WAYS:
        assert_locked(way, await ways.try_(way, "lea", PASSWORD))
    assert await count(inst, oauth_access_tokens, oauth_access_tokens.c.account_id == lea.id) == 0
    codes = oauth_authorization_codes.c.account_id == lea.id
    assert await count(inst, oauth_authorization_codes, codes) == 0


async def test_failures_from_one_address_lock_it_on_every_way(inst, ways):
    # Given lea, and failures for logins nobody has, up to the address's limit, spread
    # over the three ways
    await accounts.create_account(inst.services, "lea", PASSWORD)
    for number in range(login.MAX_FAILURES_PER_ADDRESS):
        way = WAYS[number % len(WAYS)]
        response = await ways.try_(way, f"nobody{number}", "wrong password")
        assert response.status_code == REFUSED[way], (number, way)

    # Then from that address even lea's right password is refused, every way
    for way in WAYS:
        assert_locked(way, await ways.try_(way, "lea", PASSWORD))


async def test_below_the_limit_every_way_logs_in_and_forgets_the_failures(inst, ways):
    await accounts.create_account(inst.services, "lea", PASSWORD)
    for way in WAYS:
        for _ in range(login.MAX_FAILURES_PER_ACCOUNT - 1):
            assert (await ways.try_(way, "lea", "wrong")).status_code == REFUSED[way]
        assert (await ways.try_(way, "lea", PASSWORD)).status_code == ACCEPTED[way], way


@pytest.mark.parametrize("state", ["unapproved", "suspended"])
async def test_an_account_that_may_not_log_in_gets_no_token_nor_code(inst, ways, state):
    lea, _ = await accounts.create_account(
        inst.services, "lea", PASSWORD, approved=state != "unapproved"
    )
    if state == "suspended":
        async with inst.db.write() as conn:
            await resident_store.set_disabled(conn, lea.id, True)

    grant = await ways.try_("grant", "lea", PASSWORD)
    page = await ways.try_("authorize", "lea", PASSWORD)

    assert (grant.status_code, grant.json()["error"]) == (400, "invalid_grant")
    assert page.status_code == (403 if state == "unapproved" else 401)
    assert 'id="oauth-code"' not in page.text
    if state == "unapproved":
        assert "Votre inscription attend" in page.text
    assert await count(inst, oauth_access_tokens, oauth_access_tokens.c.account_id == lea.id) == 0


async def test_the_client_address_is_not_stored(inst, ways):
    for way in WAYS:
        await ways.try_(way, "nobody", "wrong password")

    async with inst.db.read() as conn:
        rows = [tuple(row) for row in await conn.execute(select(login_attempts))]
    assert len(rows) == len(WAYS)
    assert "127.0.0.1" not in repr(rows)


async def test_a_busy_server_says_so_every_way(inst, ways, monkeypatch):
    # Given a gate that takes one password check and no queue, and a check under way
    held = HeldHasher()
    monkeypatch.setattr(accounts, "_hasher", held)
    monkeypatch.setattr(accounts, "_gate", accounts.HashingGate(1, 0))
    accounts._dummy_hash.cache_clear()
    try:
        first = asyncio.create_task(ways.try_("grant", "nobody", "wrong"))
        await wait_for(lambda: held.running == 1, message="one check under way")

        # Then a login by any way is turned away at once, with a time to come back
        grant = await ways.try_("grant", "lea", PASSWORD)
        assert grant.status_code == 503
        assert grant.json()["error"] == "temporarily_unavailable"
        assert int(grant.headers["retry-after"]) > 0
        web = await ways.try_("web", "lea", PASSWORD)
        assert web.status_code == 503 and "The server is busy" in web.text
        page = await ways.try_("authorize", "lea", PASSWORD)
        assert page.status_code == 503 and "Le serveur est très occupé" in page.text
    finally:
        held.release.set()
    assert (await first).status_code == 400
    # Turned away is not a failure: only the check that ran is counted
    assert await count(inst, login_attempts) == 1


async def test_a_code_issued_before_a_suspension_gives_no_token(inst, ways):
    # Given lea authorized the app and got a code
    lea, _ = await accounts.create_account(inst.services, "lea", PASSWORD)
    code = oob_code(await ways.try_("authorize", "lea", PASSWORD))

    # When an admin suspends her before the app exchanges it
    async with inst.db.write() as conn:
        await resident_store.set_disabled(conn, lea.id, True)
    token = await ways.http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": ways.app["client_id"],
            "client_secret": ways.app["client_secret"],
            "code": code,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        },
    )

    # Then no token
    assert (token.status_code, token.json()["error"]) == (400, "invalid_grant")
    assert await count(inst, oauth_access_tokens, oauth_access_tokens.c.account_id == lea.id) == 0
