"""The `fedlocal` command line, run as a real subprocess (`python -m fedlocal`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from fedlocal.services.accounts import password_matches
from fedlocal.store import accounts as account_store
from tests.support.processes import Instance, free_port, open_store, run_cli, write_config

GOOD = {"name": "Nord", "base_url": "http://127.0.0.1:8001", "data_dir": "data"}

BAD_CONFIGS = {
    "missing file": (None, "not found"),
    "invalid TOML": ('name = "Nord\n', "invalid TOML"),
    "unknown key": ('{good}colour = "blue"\n', "unknown key 'colour'"),
    "malformed URL": ('name = "Nord"\nbase_url = "ftp://x"\ndata_dir = "data"\n', "base_url"),
}


def good_toml() -> str:
    return "".join(f'{key} = "{value}"\n' for key, value in GOOD.items())


def one_line_error(result) -> str:
    """The single line a failing command prints; no traceback."""
    assert result.returncode != 0, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    assert len(result.stderr_lines) == 1, result.describe()
    return result.stderr_lines[0]


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    return Instance(tmp_path, "nord")


def account(instance: Instance, username: str):
    async def read():
        async with open_store(instance.config.database_url) as store, store.read() as conn:
            return await account_store.get_account_by_username(conn, username)

    return read()


@pytest.mark.parametrize("case", BAD_CONFIGS)
@pytest.mark.parametrize("command", [["serve"], ["user", "create", "ana"]])
def test_a_bad_config_is_one_line_without_traceback(
    tmp_path: Path, case: str, command: list[str]
) -> None:
    text, problem = BAD_CONFIGS[case]
    path = tmp_path / "instance.toml"
    if text is not None:
        path.write_text(text.format(good=good_toml()), encoding="utf-8")
    extra = ["--password", "a long password"] if command[0] == "user" else []

    result = run_cli(*command, "--config", str(path), *extra, expect=None)

    line = one_line_error(result)
    assert problem in line
    assert "config" in line


def test_migrate_creates_the_database_and_can_run_again(instance: Instance) -> None:
    config = ("--config", str(instance.config_path))
    database = instance.directory / "data" / "fedlocal.sqlite3"
    assert not database.exists()

    first = run_cli("migrate", *config)
    assert database.exists()
    run_cli("user", "create", "ana", "--password", "a long password", *config)
    second = run_cli("migrate", *config)

    assert second.stdout == first.stdout
    assert "revision" in second.stdout
    assert asyncio.run(account(instance, "ana")) is not None  # what was there is kept


async def test_user_create_with_a_password(instance: Instance) -> None:
    result = await instance.cli("user", "create", "ana", "--password", "a long password")

    assert f"@ana@{instance.domain}" in result.stdout
    created = await account(instance, "ana")
    assert created is not None and not created.is_admin
    assert await password_matches(created.password_hash, "a long password")


async def test_user_create_with_a_password_file_and_admin(instance: Instance) -> None:
    secret = instance.directory / "secret.txt"
    secret.write_text("from a file, not argv\n", encoding="utf-8")

    result = await instance.cli(
        "user", "create", "mairie", "--password-file", str(secret), "--admin"
    )

    assert "admin" in result.stdout
    created = await account(instance, "mairie")
    assert created is not None and created.is_admin
    assert await password_matches(created.password_hash, "from a file, not argv")


async def test_user_create_refuses_a_taken_name(instance: Instance) -> None:
    await instance.create_user("ana")

    result = await instance.cli("user", "create", "ana", "--password", "another one", expect=1)

    assert "'ana' is taken" in one_line_error(result)


@pytest.mark.parametrize("name", ["Ana Maria", "admin"])
async def test_user_create_refuses_an_invalid_name(instance: Instance, name: str) -> None:
    result = await instance.cli("user", "create", name, "--password", "a long password", expect=1)

    assert "username" in one_line_error(result)
    assert await account(instance, name.lower()) is None


async def test_user_create_refuses_an_unreadable_password_file(instance: Instance) -> None:
    missing = str(instance.directory / "nowhere.txt")

    result = await instance.cli("user", "create", "ana", "--password-file", missing, expect=1)

    assert "password file" in one_line_error(result)


@pytest.mark.parametrize(
    "secrets",
    [[], ["--password", "a long password", "--password-file", "secret.txt"]],
    ids=["neither", "both"],
)
def test_user_create_needs_exactly_one_password_source(
    instance: Instance, secrets: list[str]
) -> None:
    result = run_cli(
        "user", "create", "ana", *secrets, "--config", str(instance.config_path), expect=2
    )

    assert "usage:" in result.stderr
    assert "--password" in result.stderr
    assert "Traceback" not in result.stderr


async def test_post_prints_its_url_and_the_post_is_served_there(instance: Instance) -> None:
    # Given
    await instance.create_user("ana")

    # When
    result = await instance.cli("post", "--as", "ana", "Perceuse à prêter ce samedi")

    # Then
    url = result.stdout.strip()
    assert url.startswith(f"{instance.base_url}/objects/")
    await instance.start()
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(url, headers={"Accept": "application/activity+json"})
        assert response.status_code == 200
        assert response.json()["id"] == url
        assert "Perceuse à prêter ce samedi" in response.json()["content"]
        assert response.json()["attributedTo"] == instance.actor_uri("ana")
    finally:
        await instance.stop()


async def test_post_as_an_unknown_user_fails_in_one_line(instance: Instance) -> None:
    result = await instance.cli("post", "--as", "nobody", "Bonjour", expect=1)

    assert "nobody" in one_line_error(result)


async def test_serve_host_and_port_override_the_base_url(tmp_path: Path) -> None:
    # Given: a config that says 127.0.0.2:P1
    instance = Instance(tmp_path, "nord")
    config_port, listen_port = instance.port, instance.port
    while listen_port == config_port:
        listen_port = free_port()
    write_config(
        instance.config_path,
        {"name": "Nord", "base_url": f"http://127.0.0.2:{config_port}", "data_dir": "data"},
    )

    # When
    overridden = f"http://127.0.0.1:{listen_port}/.well-known/nodeinfo"
    await instance.start("--host", "127.0.0.1", "--port", str(listen_port), ready_url=overridden)

    # Then: it answers where the flags say, and not where the config says
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
            assert (await client.get(overridden)).status_code == 200
            for elsewhere in (
                f"http://127.0.0.2:{listen_port}/.well-known/nodeinfo",
                f"http://127.0.0.2:{config_port}/.well-known/nodeinfo",
            ):
                with pytest.raises(httpx.ConnectError):
                    await client.get(elsewhere)
    finally:
        await instance.stop()


def test_every_command_names_a_function_that_exists() -> None:
    # Commands are named "module:function" and imported when they run (so `fedlocal user`
    # does not load the web app): a typo would only show when that command is used.
    import argparse

    from fedlocal.cli.main import build_parser, command

    def runs(parser: argparse.ArgumentParser):
        if parser.get_default("run"):
            yield parser.get_default("run")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from runs(sub)

    names = list(runs(build_parser()))
    assert len(names) == 25  # serve, worker, migrate, user create|org|role|delete|export,
    # post, delete,
    # follow, unfollow, block, unblock, neighbours add|remove|list, group create,
    # queue failures|retry|drop, demo, backup, restore, db copy
    for name in names:
        assert callable(command(name)), name


async def test_a_resident_cannot_post_in_the_town_hall_category(instance: Instance) -> None:
    await instance.create_user("ana")

    result = await instance.cli(
        "post", "--as", "ana", "--category", "town-hall", "Travaux rue de Dinan", expect=1
    )

    assert "reserved for some verified organisations" in one_line_error(result)


async def test_user_org_marks_the_town_hall_which_then_posts_there(instance: Instance) -> None:
    await instance.create_user("mairie")

    marked = await instance.cli("user", "org", "mairie", "town_hall")
    posted = await instance.cli(
        "post", "--as", "mairie", "--category", "town-hall", "Travaux rue de Dinan"
    )
    back = await instance.cli("user", "org", "mairie", "none")

    assert "town_hall" in marked.stdout
    assert posted.stdout.strip().startswith(f"{instance.base_url}/objects/")
    assert "no organisation" in back.stdout
    wrong = await instance.cli("user", "org", "mairie", "bank", expect=2)
    assert "invalid choice" in wrong.stderr
