"""Real Mastodon clients against running instances: Mastodon.py (default
`version_check_mode`) and the `toot` command line.

Two instances on loopback, A with `ana` and B with `bob`. Ana registers an app, logs in
(password, and authorization code through the authorization page), posts, reads her
timelines, finds bob on B by `resolve=true` search and follows him; bob replies to her
post from B; ana gets the notification; she unfollows.

Mastodon.py is synchronous: its calls run in a thread, so the instances (in this test's
event loop) keep serving.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mastodon import Mastodon

from fedlocal.services import accounts
from fedlocal.services import statuses as status_service
from fedlocal.services.search import search
from fedlocal.store import accounts as account_store
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from tests.api.browser import oob_code, submit_login
from tests.api.conftest import PASSWORD
from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance
from tests.support.waiting import wait_for

DELIVERY_DEADLINE = 20.0
CLI_DEADLINE = 60.0


@dataclass
class Pair:
    a: Instance
    b: Instance

    @property
    def bob_handle(self) -> str:
        return f"bob@{self.b.config.domain}"


@pytest.fixture
async def pair(tmp_path) -> AsyncIterator[Pair]:
    async with (
        running_instance(tmp_path / "a", default_language="fr") as a,
        running_instance(tmp_path / "b", default_language="en") as b,
    ):
        await accounts.create_account(a.services, "ana", PASSWORD, email="ana@example.org")
        await accounts.create_account(b.services, "bob", PASSWORD, email="bob@example.org")
        yield Pair(a, b)


def in_thread(function, *args, **kwargs):
    return asyncio.to_thread(function, *args, **kwargs)


async def mastodon_login(base_url: str, login: str) -> Mastodon:
    client_id, client_secret = await in_thread(
        Mastodon.create_app, "fedlocal tests", api_base_url=base_url
    )
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url)
    await in_thread(client.log_in, login, PASSWORD, allow_http=True)
    return client


async def follow_state(instance: Instance, follower_uri: str, followed_uri: str):
    async with instance.db.read() as conn:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        followed = await actor_store.get_actor_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return None
        found = await follow_store.get_follow(conn, follower.id, followed.id)
        return found.state if found else None


async def test_mastodon_py_logs_in_posts_follows_and_is_notified(pair: Pair) -> None:
    a, b = pair.a, pair.b

    # Given ana logged in with her password (the app registered by Mastodon.py itself)
    ana = await mastodon_login(a.base_url, "ana")
    me = await in_thread(ana.account_verify_credentials)
    assert me.acct == "ana" and me.source.privacy == "public"
    assert ana.mastodon_major == 4 and ana.mastodon_minor == 3

    # And logged in a second time with an authorization code, as a browser would
    url = await in_thread(ana.auth_request_url, state="xyz", allow_http=True)
    code = oob_code(await submit_login(url, "ana@example.org", PASSWORD))
    token = await in_thread(ana.log_in, code=code, allow_http=True)
    assert token and (await in_thread(ana.account_verify_credentials)).id == me.id

    # When she posts, her home and public timelines show it
    posted = await in_thread(ana.status_post, "Bonjour le quartier ! #entraide")
    home = await in_thread(ana.timeline_home)
    local = await in_thread(ana.timeline_public, local=True)
    assert posted.id in [s.id for s in home]
    assert posted.id in [s.id for s in local]
    assert [t.name for t in posted.tags] == ["entraide"]

    # When she searches bob on the other instance and follows him
    found = await in_thread(ana.search_v2, f"@{pair.bob_handle}", resolve=True)
    assert [acc.acct for acc in found.accounts] == [pair.bob_handle]
    bob_account = found.accounts[0]
    await in_thread(ana.account_follow, bob_account.id)
    bob_uri = b.federation.urls.actor("bob")
    ana_uri = a.federation.urls.actor("ana")
    await wait_for(
        lambda: _is(follow_state(a, ana_uri, bob_uri), "accepted"),
        timeout=DELIVERY_DEADLINE,
        message="B to accept ana's follow",
    )
    relationship = (await in_thread(ana.account_relationships, bob_account.id))[0]
    assert relationship.following is True

    # And bob, with Mastodon.py on B, finds her post by its URL and replies to it
    bob = await mastodon_login(b.base_url, "bob")
    there = await in_thread(bob.search_v2, posted.uri, resolve=True)
    assert len(there.statuses) == 1
    reply = await in_thread(bob.status_post, "Bonjour Ana !", in_reply_to_id=there.statuses[0].id)
    assert reply.in_reply_to_id == there.statuses[0].id

    # Then ana is notified of the reply, which points at her post
    async def mentioned():
        notes = await in_thread(ana.notifications, types=["mention"])
        return [n for n in notes if n.status and n.status.in_reply_to_id == posted.id]

    notified = await wait_for(mentioned, timeout=DELIVERY_DEADLINE, message="the reply")
    assert notified[0].account.acct == pair.bob_handle
    assert "Bonjour Ana" in notified[0].status.content

    # When she unfollows him, B forgets the follow too
    relationship = await in_thread(ana.account_unfollow, bob_account.id)
    assert relationship.following is False
    await wait_for(
        lambda: _is(follow_state(b, ana_uri, bob_uri), None),
        timeout=DELIVERY_DEADLINE,
        message="B to drop ana's follow",
    )


async def _is(value, expected) -> bool:
    return await value == expected


# --- toot ---------------------------------------------------------------------------------


class Toot:
    """The `toot` command line, its configuration in a directory of the test's own."""

    def __init__(self, config_home: Path):
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TOOT", "XDG"))},
            "XDG_CONFIG_HOME": str(config_home),
            "HOME": str(config_home),
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "toot",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
        )

    async def run(self, *args: str, stdin: str = "") -> str:
        process = await self.start(*args)
        out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=CLI_DEADLINE)
        assert process.returncode == 0, f"toot {' '.join(args)}: {out.decode()}{err.decode()}"
        return out.decode()

    async def json(self, *args: str):
        return json.loads(await self.run(*args, "--json"))


async def toot_login_with_code(toot: Toot, base_url: str, login: str) -> str:
    """`toot login`: read the URL it prints, approve in the "browser", type the code."""
    process = await toot.start("login", "--instance", base_url)
    assert process.stdout is not None and process.stdin is not None
    url = None
    while url is None:
        line = (await asyncio.wait_for(process.stdout.readline(), CLI_DEADLINE)).decode()
        assert line, "toot login ended before printing its URL"
        if line.startswith(base_url + "/oauth/authorize/?"):
            url = line.strip()
    code = oob_code(await submit_login(url, login, PASSWORD))
    out, err = await asyncio.wait_for(
        process.communicate(f"n\n{code}\n".encode()), timeout=CLI_DEADLINE
    )
    assert process.returncode == 0, out.decode() + err.decode()
    return out.decode()


async def test_toot_logs_in_posts_follows_and_is_notified(pair: Pair, tmp_path) -> None:
    a, b = pair.a, pair.b
    toot = Toot(tmp_path / "toot-config")

    # Given ana logged in with toot, by e-mail and password (login_cli)
    out = await toot.run(
        "login_cli", "--instance", a.base_url, "--email", "ana@example.org", "--password", PASSWORD
    )
    assert "Successfully logged in" in out
    assert (await toot.json("whoami"))["acct"] == "ana"

    # And again with the browser flow (toot opens /oauth/authorize/ with a trailing slash)
    assert "Successfully logged in" in await toot_login_with_code(toot, a.base_url, "ana")

    # When she posts, her home and local timelines show it
    posted = await toot.json("post", "Qui a une échelle ? #entraide")
    home = await toot.json("timelines", "home", "--no-pager")
    local = await toot.json("timelines", "public", "--local", "--no-pager")
    assert posted["id"] in [s["id"] for s in home]
    assert posted["id"] in [s["id"] for s in local]

    # When she searches bob with resolve and follows him
    found = await toot.json("search", f"@{pair.bob_handle}", "--resolve")
    assert [acc["acct"] for acc in found["accounts"]] == [pair.bob_handle]
    followed = await toot.json("follow", pair.bob_handle)
    assert followed["following"] or followed["requested"]
    ana_uri = a.federation.urls.actor("ana")
    bob_uri = b.federation.urls.actor("bob")
    await wait_for(
        lambda: _is(follow_state(a, ana_uri, bob_uri), "accepted"),
        timeout=DELIVERY_DEADLINE,
        message="B to accept ana's follow",
    )

    # And bob replies from B (through B's services, as its web app does)
    found_on_b = await search(b.services, None, posted["uri"])
    assert not found_on_b.statuses  # not without resolve
    bob_account, bob_actor = await _resident(b, "bob")
    resolved = await b.services.remote.resolve(posted["uri"])
    await status_service.post_status(
        b.services,
        bob_account,
        bob_actor,
        status_service.StatusInput(text="Oui, je te la prête.", in_reply_to_id=resolved.id),
    )

    # Then toot shows her the mention
    async def mention():
        notes = await toot.json("notifications")
        return [n for n in notes if n["type"] == "mention" and n["status"]["in_reply_to_id"]]

    notes = await wait_for(mention, timeout=DELIVERY_DEADLINE, message="the reply in toot")
    assert notes[0]["status"]["in_reply_to_id"] == posted["id"]
    assert notes[0]["account"]["acct"] == pair.bob_handle

    # When she unfollows him
    unfollowed = await toot.json("unfollow", pair.bob_handle)
    assert unfollowed["following"] is False
    await wait_for(
        lambda: _is(follow_state(b, ana_uri, bob_uri), None),
        timeout=DELIVERY_DEADLINE,
        message="B to drop ana's follow",
    )


async def _resident(instance: Instance, username: str):
    async with instance.db.read() as conn:
        account = await account_store.get_account_by_username(conn, username)
        actor = await actor_store.get_local_actor(conn, username)
    assert account is not None and actor is not None
    return account, actor
