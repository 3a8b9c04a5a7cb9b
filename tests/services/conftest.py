"""The world most service tests start from (`sharing_support.local_world`) and its
residents ana, bea and carl."""

from __future__ import annotations

import pytest

from tests.services.sharing_support import local_world, resident


@pytest.fixture
async def world(tmp_path):
    async with local_world(tmp_path) as world:
        yield world


@pytest.fixture
async def ana(world):
    return await resident(world.federation, "ana")


@pytest.fixture
async def bea(world):
    return await resident(world.federation, "bea")


@pytest.fixture
async def carl(world):
    return await resident(world.federation, "carl")
