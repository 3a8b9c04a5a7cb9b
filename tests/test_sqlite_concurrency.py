"""The web process and the workers write at once on SQLite without "database is locked".

A running instance (web server, inbox worker and delivery worker in one process) takes a
flood of signed inbox POSTs, publishes posts through its services, and meanwhile separate
OS processes (`python -m fedlocal post`) write to the same SQLite file. Everything must
succeed, every row must be there afterwards, and the queues must drain.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import uuid
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activitypub import keys as key_codec
from activitypub.httpsig import sign_request
from fedlocal.config import Config, load_config
from fedlocal.models import Actor
from fedlocal.services import accounts, posts
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import inbox_queue
from fedlocal.store import outbox as outbox_store
from fedlocal.store import posts as post_store
from fedlocal.store import received as received_store
from tests.support.instance import TEST_SETTINGS, running_instance
from tests.support.live_server import LiveServer, ap_json, record, serve
from tests.support.recording_inbox import recording_inbox
from tests.support.waiting import wait_for

REMOTE_ACTORS = 30
RESIDENTS = ("alice", "bruno", "chloe")
POSTS_PER_RESIDENT = 12
MAX_POSTS_PER_RESIDENT = 100
CLI_PROCESSES = 4
PASSWORD = "correct horse battery"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
LOCK_ERRORS = ("database is locked", "OperationalError")


# --- a remote server whose actors sign what they send ----------------------------------------


class RemoteServer:
    """Actors `/users/<name>` sharing one real RSA key pair (each with its own key id)."""

    def __init__(self) -> None:
        self.private_key = key_codec.generate_rsa_key()
        self.public_pem = key_codec.public_key_to_pem(self.private_key.public_key())
        self.live: LiveServer | None = None

    def app(self, live: LiveServer) -> Starlette:
        self.live = live

        async def actor(request: Request) -> Response:
            uri = self.actor_uri(request.path_params["name"])
            return ap_json(
                {
                    "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
                    "id": uri,
                    "type": "Person",
                    "preferredUsername": request.path_params["name"],
                    "inbox": f"{uri}/inbox",
                    "endpoints": {"sharedInbox": f"{live.base_url}/inbox"},
                    "publicKey": {
                        "id": f"{uri}#main-key",
                        "owner": uri,
                        "publicKeyPem": self.public_pem,
                    },
                }
            )

        async def inbox(request: Request) -> Response:
            await record(live, request)
            return Response(status_code=202)

        return Starlette(
            routes=[
                Route("/users/{name}", actor),
                Route("/users/{name}/inbox", inbox, methods=["POST"]),
                Route("/inbox", inbox, methods=["POST"]),
            ]
        )

    def actor_uri(self, name: str) -> str:
        assert self.live is not None
        return f"{self.live.base_url}/users/{name}"

    def signed(self, name: str, url: str, activity: dict[str, Any]) -> tuple[bytes, dict]:
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/activity+json"}
        headers |= sign_request(
            "POST",
            url,
            headers,
            body,
            key_id=f"{self.actor_uri(name)}#main-key",
            private_key=self.private_key,
        )
        return body, headers

    def received_by(self, name: str) -> list[dict[str, Any]]:
        assert self.live is not None
        inbox = f"{self.actor_uri(name)}/inbox"
        return [json.loads(r["body"]) for r in self.live.requests if r["url"] == inbox]


def follow_of(remote: RemoteServer, name: str, target: Actor) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{remote.actor_uri(name)}#follows/{uuid.uuid4()}",
        "type": "Follow",
        "actor": remote.actor_uri(name),
        "object": target.uri,
    }


def note_to(remote: RemoteServer, name: str, target: Actor, n: int) -> dict[str, Any]:
    uri = remote.actor_uri(name)
    note = {
        "id": f"{uri}/notes/{n}",
        "type": "Note",
        "attributedTo": uri,
        "to": [target.uri],
        "content": f"<p>Bonjour {n}</p>",
        "published": "2026-01-01T12:00:00Z",
    }
    return {
        "@context": AS_CONTEXT,
        "id": f"{uri}/notes/{n}/activity",
        "type": "Create",
        "actor": uri,
        "to": [target.uri],
        "object": note,
    }


# --- a second OS process on the same SQLite file -----------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path | IPv4Network | IPv6Network):
        value = str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def write_config(config: Config, path: Path) -> Path:
    """A TOML file with the running instance's settings (same base URL, same database)."""
    keys = [
        "name",
        "base_url",
        "data_dir",
        "database_url",
        "community_username",
        "languages",
        "run_workers",
        *TEST_SETTINGS,
    ]
    lines = [f"{key} = {toml_value(getattr(config, key))}" for key in keys]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def cli_post(config_path: Path, author: str, text: str) -> tuple[int, str, str]:
    """`python -m fedlocal post` in its own process; returns (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDLOCAL_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fedlocal",
        "post",
        "--config",
        str(config_path),
        "--as",
        author,
        text,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


# --- the test ------------------------------------------------------------------------------


async def test_web_workers_and_another_process_write_at_once(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    remote = RemoteServer()
    with serve(remote.app):
        async with running_instance(tmp_path / "data") as inst, recording_inbox() as peer:
            # Given residents, each followed from a peer server's shared inbox, and a TOML
            # file that opens the same instance from another process
            residents = {}
            for name in RESIDENTS:
                _account, actor = await accounts.create_account(inst.services, name, PASSWORD)
                residents[name] = actor
                async with inst.db.write() as conn:
                    follower = await actor_store.upsert_remote_actor(
                        conn,
                        uri=peer.actor_uri(f"fan-of-{name}"),
                        type="Person",
                        username=f"fan-of-{name}",
                        domain=peer.host,
                        inbox_url=peer.personal_inbox(f"fan-of-{name}"),
                        shared_inbox_url=peer.shared_inbox,
                    )
                    await follow_store.upsert_follow(
                        conn,
                        follower_id=follower.id,
                        followed_id=actor.id,
                        uri=f"{follower.uri}#follow",
                        state="accepted",
                    )
            config_path = write_config(inst.config, tmp_path / "instance.toml")
            assert load_config(config_path, environ={}) == inst.config
            alice = residents["alice"]
            names = [f"r{n}" for n in range(REMOTE_ACTORS)]
            activities = [follow_of(remote, name, alice) for name in names] + [
                note_to(remote, name, alice, n) for n, name in enumerate(names)
            ]
            inbox_url = f"{inst.base_url}/inbox"

            # When, all at once: other processes post, remote actors POST signed
            # activities to the shared inbox, and residents publish through the services
            async def deliver_inbound(client: httpx.AsyncClient, activity) -> int:
                name = activity["actor"].rsplit("/", 1)[-1]
                body, headers = remote.signed(name, inbox_url, activity)
                response = await client.post(inbox_url, content=body, headers=headers)
                return response.status_code

            async def publish(name: str, others: list[asyncio.Task]) -> list[str]:
                # At least POSTS_PER_RESIDENT, and on until every other process has
                # exited, so their writes land among ours whatever the machine's speed.
                uris: list[str] = []
                while len(uris) < POSTS_PER_RESIDENT or (
                    len(uris) < MAX_POSTS_PER_RESIDENT and not all(t.done() for t in others)
                ):
                    post = await posts.publish_note(
                        inst.services, residents[name], f"{name} propose l'objet {len(uris)}"
                    )
                    uris.append(post.uri)
                return uris

            async with asyncio.timeout(50):
                async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
                    cli_runs = [
                        asyncio.create_task(
                            cli_post(config_path, RESIDENTS[n % 3], f"Depuis le terminal {n}")
                        )
                        for n in range(CLI_PROCESSES)
                    ]
                    statuses, *published = await asyncio.gather(
                        asyncio.gather(*(deliver_inbound(client, a) for a in activities)),
                        *(publish(name, cli_runs) for name in RESIDENTS),
                    )
                    cli_results = await asyncio.gather(*cli_runs)

                # Then every request and every command succeeded
                assert statuses == [202] * len(activities)
                for code, _stdout, stderr in cli_results:
                    assert code == 0, stderr
                    assert not any(error in stderr for error in LOCK_ERRORS), stderr
                cli_uris = [stdout.strip() for _code, stdout, _stderr in cli_results]
                service_uris = [uri for uris in published for uri in uris]

                # And the workers drain the inbox queue and every delivery
                async def inbox_drained() -> bool:
                    async with inst.db.inbox.read() as conn:
                        return await inbox_queue.count(conn) == 0

                async def deliveries_done() -> bool:
                    async with inst.db.read() as conn:
                        return (
                            not await outbox_store.pending_fanouts(conn, limit=1)
                            and await outbox_store.count_deliveries(conn) == 0
                        )

                await wait_for(inbox_drained, timeout=30, message="the inbox queue to drain")
                await wait_for(deliveries_done, timeout=30, message="every delivery to be sent")
                await wait_for(
                    lambda: all(remote.received_by(name) for name in names),
                    timeout=30,
                    message="an Accept for every remote follower",
                )

            # Then every row is there
            async with inst.db.inbox.read() as conn:
                assert await inbox_queue.count(conn, "failed") == 0
            async with inst.db.read() as conn:
                assert await outbox_store.count_deliveries(conn, "dead") == 0
                for activity in activities:
                    assert await received_store.was_received(conn, activity["id"]), activity
                for n, name in enumerate(names):
                    follower = await actor_store.get_actor_by_uri(conn, remote.actor_uri(name))
                    assert follower is not None
                    relation = await follow_store.get_follow(conn, follower.id, alice.id)
                    assert relation is not None and relation.state == "accepted"
                    note = await post_store.get_post_by_uri(conn, f"{follower.uri}/notes/{n}")
                    assert note is not None and not note.is_local
                for uri in service_uris + cli_uris:
                    post = await post_store.get_post_by_uri(conn, uri)
                    assert post is not None and post.is_local, uri
            assert all(len(uris) >= POSTS_PER_RESIDENT for uris in published)
            assert len(set(service_uris + cli_uris)) == len(service_uris) + CLI_PROCESSES

            # And the peer got one Create per post, each exactly once
            created = [a["object"]["id"] for a in peer.activities() if a["type"] == "Create"]
            assert sorted(created) == sorted(service_uris + cli_uris)
            for name in names:
                accepts = [a for a in remote.received_by(name) if a["type"] == "Accept"]
                assert len(accepts) == 1, name

    # And nothing anywhere complained about a locked database
    problems = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR
        or any(
            error in record.getMessage() or error in (record.exc_text or "")
            for error in LOCK_ERRORS
        )
    ]
    assert problems == []
