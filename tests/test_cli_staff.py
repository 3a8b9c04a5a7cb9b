"""`fedlocal user role`: the operator gives or takes the admin and moderator roles."""

from __future__ import annotations

import json
import zipfile
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


async def test_user_export_writes_a_zip_with_json_and_an_activitypub_archive(
    instance: Instance, tmp_path: Path
) -> None:
    await instance.create_user("ana")
    await instance.post("ana", "Vide-grenier dimanche")
    target = tmp_path / "ana.zip"

    result = await instance.cli("user", "export", "ana", "--to", str(target))

    assert "1 posts written" in result.stdout
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert {"actor.json", "outbox.json", "likes.json", "bookmarks.json"} <= names
        assert "fedlocal/account.json" in names and "fedlocal/follows.json" in names
        outbox = json.loads(archive.read("outbox.json"))
        actor = json.loads(archive.read("actor.json"))
        account_part = json.loads(archive.read("fedlocal/account.json"))
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 1
    [create] = outbox["orderedItems"]
    assert create["type"] == "Create" and create["actor"] == actor["id"]
    assert "Vide-grenier dimanche" in create["object"]["content"]
    assert actor["type"] == "Person" and account_part["username"] == "ana"

    # An existing file is not overwritten; an unknown account is a clear error
    again = await instance.cli("user", "export", "ana", "--to", str(target), expect=1)
    assert "exists already" in one_line_error(again)
    other = tmp_path / "nobody.zip"
    missing = await instance.cli("user", "export", "nobody", "--to", str(other), expect=1)
    assert "no local account named 'nobody'" in one_line_error(missing)
    assert not other.exists()
