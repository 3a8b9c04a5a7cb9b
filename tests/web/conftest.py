"""Fixtures of the web app's HTTP-level tests: an instance with two quarters."""

from __future__ import annotations

import pytest

from fedlocal.services.accounts import create_account
from tests.support.instance import running_instance

from .web_client import PASSWORD, WebClient

INTRA_MUROS = {"name": "Intra-Muros", "latitude": 48.6493, "longitude": -2.0257}
PARAME = {"name": "Paramé", "latitude": 48.6606, "longitude": -1.9892}
QUARTERS = {"quarters": [INTRA_MUROS, PARAME]}


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, area=QUARTERS, signup_mode="open") as instance:
        yield instance


@pytest.fixture
async def web(inst):
    async with WebClient(inst.base_url) as client:
        yield client


async def make_resident(inst, username: str, **options):
    account, actor = await create_account(inst.services, username, PASSWORD, **options)
    return account, actor


@pytest.fixture
async def alice(inst):
    return await make_resident(inst, "alice", display_name="Alice Martin")


@pytest.fixture
async def alice_web(inst, alice):
    async with WebClient(inst.base_url) as client:
        await client.log_in("alice")
        yield client
