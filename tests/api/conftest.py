"""A running instance with residents, and an HTTP client speaking to its client API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from fedlocal.models import Account, Actor
from fedlocal.services import accounts
from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance

PASSWORD = "a long password"
SCOPES = "read write follow push"


@dataclass
class Resident:
    account: Account
    actor: Actor
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
async def inst(tmp_path) -> AsyncIterator[Instance]:
    async with running_instance(tmp_path, default_language="fr") as instance:
        yield instance


@pytest.fixture
async def http(inst) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=inst.base_url, timeout=10.0, trust_env=False) as client:
        yield client


async def register_app(
    http: httpx.AsyncClient,
    *,
    redirect_uris: str = "urn:ietf:wg:oauth:2.0:oob",
    scopes: str = SCOPES,
) -> dict:
    response = await http.post(
        "/api/v1/apps",
        data={"client_name": "Test app", "redirect_uris": redirect_uris, "scopes": scopes},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def password_token(
    http: httpx.AsyncClient, app: dict, login: str, *, scope: str = SCOPES
) -> str:
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": login,
            "password": PASSWORD,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def make_resident(
    inst: Instance, http: httpx.AsyncClient, username: str, *, scope: str = SCOPES
) -> Resident:
    account, actor = await accounts.create_account(
        inst.services, username, PASSWORD, email=f"{username}@example.org"
    )
    app = await register_app(http)
    token = await password_token(http, app, username, scope=scope)
    return Resident(account, actor, token)


@pytest.fixture
async def ana(inst, http) -> Resident:
    return await make_resident(inst, http, "ana")


@pytest.fixture
async def bob(inst, http) -> Resident:
    return await make_resident(inst, http, "bob")
