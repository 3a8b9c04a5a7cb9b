"""Fixtures shared by the tests that federate with a stub: a remote stub server and an
instance whose workers the test drives itself (test modules may override `inst`)."""

import pytest

from tests.support.instance import running_instance
from tests.support.remote_stub import remote_stub


@pytest.fixture
async def stub():
    """A Mastodon/GoToSocial-shaped remote server on loopback."""
    async with remote_stub() as server:
        yield server


@pytest.fixture
async def inst(tmp_path, stub):
    """An instance with workers off: tests call `run_once()` to take each step."""
    async with running_instance(tmp_path, run_workers=False) as instance:
        yield instance
