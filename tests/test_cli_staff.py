"""`fedlocal user role`: the operator gives or takes the admin and moderator roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.processes import Instance
from tests.test_cli import account, one_line_error


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    return Instance(tmp_path, "nord")


async def test_user_role_gives_and_takes_the_moderator_role(instance: Instance) -> None:
    await instance.create_user("ana")

    result = await instance.cli("user", "role", "ana", "moderator")

    assert "@ana is now moderator" in result.stdout
    found = await account(instance, "ana")
    assert found is not None and found.is_moderator and not found.is_admin

    await instance.cli("user", "role", "ana", "admin")
    found = await account(instance, "ana")
    assert found is not None and found.is_admin and not found.is_moderator


async def test_user_role_refuses_an_unknown_account_or_role(instance: Instance) -> None:
    result = await instance.cli("user", "role", "nobody", "moderator", expect=1)
    assert "no local account named 'nobody'" in one_line_error(result)

    await instance.create_user("ana")
    await instance.cli("user", "role", "ana", "king", expect=2)
    found = await account(instance, "ana")
    assert found is not None and not found.is_moderator


async def test_user_delete_asks_then_deletes_the_account(instance: Instance) -> None:
    await instance.create_user("ana")

    # Without --yes and no confirmation typed: nothing is deleted
    result = await instance.cli("user", "delete", "ana", expect=1)
    assert "Nothing deleted" in result.stdout
    assert await account(instance, "ana") is not None

    result = await instance.cli("user", "delete", "ana", "--yes")
    assert "@ana is deleted" in result.stdout
    assert await account(instance, "ana") is None

    # A second time: a clear error
    result = await instance.cli("user", "delete", "ana", "--yes", expect=1)
    assert "no local account named 'ana'" in one_line_error(result)
