"""Several processes on one PostgreSQL database, as real OS processes (issue 18).

- Two web processes (`fedlocal serve --workers 2`, one port) accept signed `Create`s while
  two `fedlocal worker` processes process them; one worker is killed with SIGKILL in the
  middle. Every accepted activity ends as exactly one post: none twice, none lost (the
  killed worker's claimed items come back when their lease ends).
- A streaming client connected to one web process receives a post made through another.
- The login limit counts failures made on two processes together.

Each test creates its own schema in the PostgreSQL test database and drops it after.
Under CI the PostgreSQL URL is mandatory (tests/support/databases.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from activitypub.httpsig import sign_request
from bench.remote_actor import AP_TYPE, RemoteActor, RemoteInstance, create_note
from fedlocal.cli.runtime import open_instance, resident
from fedlocal.services import accounts
from fedlocal.services.login import MAX_FAILURES_PER_ACCOUNT
from fedlocal.store import Database
from fedlocal.store import follows as follow_store
from fedlocal.store.tables import inbox_queue, objects, received_activities
from tests.api.conftest import password_token, register_app
from tests.support.databases import holding, postgres_schema, postgres_url_or_skip
from tests.support.processes import PASSWORD, Instance, ServerProcess, free_port, run_cli
from tests.support.waiting import wait_for

ACTIVITIES = 240
CONCURRENCY = 12
READER = "lecteur"
# A killed worker's items come back after this long (production: 5 minutes).
LEASE_SECONDS = 2


@pytest.fixture
async def schema() -> AsyncIterator[tuple[str, str]]:
    url = postgres_url_or_skip()
    async with postgres_schema(url) as name:
        yield url, name


def instance_on(tmp_path: Path, url: str, schema: str, **settings) -> Instance:
    """An instance on the PostgreSQL schema, web processes without queue workers."""
    return Instance(
        tmp_path,
        "nord",
        database_url=url,
        database_schema=schema,
        run_workers=False,
        queue_lease_seconds=LEASE_SECONDS,
        **settings,
    )


@contextlib.asynccontextmanager
async def processes(inst: Instance, *args: list[str]) -> AsyncIterator[list[ServerProcess]]:
    """`fedlocal ARGS --config …` for each ARGS, stopped (SIGINT, then SIGKILL) at the end."""
    started = []
    try:
        for number, command in enumerate(args):
            process = ServerProcess(inst.directory / f"process-{number}.log")
            process.spawn([*command, "--config", str(inst.config_path)])
            started.append(process)
        yield started
    finally:
        await asyncio.gather(*(p.stop() for p in started), return_exceptions=True)


async def prepare(inst: Instance, actor: RemoteActor | None = None) -> None:
    """Migrate the schema and create the resident here, in the test's process (quicker
    than one more command); the resident follows `actor`, so its Creates are stored as
    posts."""
    async with open_instance(str(inst.config_path)) as federation:
        await accounts.create_account(federation.services, READER, PASSWORD)
        if actor is None:
            return
        local = await resident(federation, READER)
        remote = await federation.remote.actor(actor.uri)
        async with federation.db.write() as conn:
            await follow_store.upsert_follow(
                conn,
                follower_id=local.id,
                followed_id=remote.id,
                uri=f"{federation.config.base_url}/test-follow/1",
                state="accepted",
            )


def signed_creates(actor: RemoteActor, inbox_url: str, count: int) -> list[tuple[dict, bytes]]:
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signed = []
    for number in range(count):
        body = create_note(actor, 1000 + number, published, None)
        headers = {"Content-Type": AP_TYPE}
        headers |= sign_request(
            "POST", inbox_url, headers, body, key_id=actor.key_id, private_key=actor.private_key
        )
        signed.append((headers, body))
    return signed


async def count_rows(db: Database, table, *where) -> int:
    async with holding(db, table).read() as conn:
        return (
            await conn.execute(select(func.count()).select_from(table).where(*where))
        ).scalar_one()


async def test_two_web_and_two_worker_processes_process_each_activity_once_through_a_kill(
    tmp_path: Path, schema: tuple[str, str]
) -> None:
    url, name = schema
    inst = instance_on(tmp_path, url, name, worker_poll_seconds=0.2)
    remote = RemoteInstance(("alice",))
    actor = remote.actors[0]
    db = Database(url, schema=name)
    try:
        # Given an instance on PostgreSQL whose resident follows a remote actor
        await prepare(inst, actor)
        inbox = f"{inst.base_url}/inbox"
        requests = signed_creates(actor, inbox, ACTIVITIES)
        async with processes(inst, ["serve", "--workers", "2"], ["worker"], ["worker"]) as (
            web,
            first_worker,
            second_worker,
        ):
            await web.wait_until_answering(f"{inst.base_url}/.well-known/nodeinfo")

            # When signed Creates arrive 12 at a time, and one worker is killed while
            # it holds claimed items
            statuses: list[int] = []
            queue = iter(requests)

            async def sender(client: httpx.AsyncClient) -> None:
                for headers, body in queue:
                    answer = await client.post("/inbox", content=body, headers=headers)
                    statuses.append(answer.status_code)

            async def kill_when_claimed() -> None:
                async def claimed() -> bool:
                    return (
                        await count_rows(db, inbox_queue, inbox_queue.c.locked_until.is_not(None))
                        > 0
                    )

                await wait_for(claimed, timeout=20, message="a worker to claim items")
                first_worker.send_signal(signal.SIGKILL)

            async with httpx.AsyncClient(
                base_url=inst.base_url, timeout=20, trust_env=False
            ) as client:
                await asyncio.gather(
                    kill_when_claimed(), *(sender(client) for _ in range(CONCURRENCY))
                )
            await wait_for(lambda: first_worker.returncode is not None, message="the kill")

            # Then every activity was accepted, and the surviving worker processed each
            # one exactly once: its post stored once, the queue empty, none failed
            assert statuses == [202] * ACTIVITIES
            assert first_worker.returncode == -signal.SIGKILL

            async def drained() -> bool:
                return await count_rows(db, inbox_queue) == 0

            await wait_for(drained, timeout=25, message="the inbox queue to drain")
            assert second_worker.running, second_worker.log_tail()
            note_uris = [f"{actor.uri}/statuses/{1000 + n}" for n in range(ACTIVITIES)]
            async with db.read() as conn:
                stored = (
                    await conn.execute(
                        select(objects.c.uri, func.count())
                        .where(objects.c.uri.in_(note_uris))
                        .group_by(objects.c.uri)
                    )
                ).all()
            assert {uri: n for uri, n in stored} == dict.fromkeys(note_uris, 1)
            assert (
                await count_rows(
                    db, received_activities, received_activities.c.uri.like(f"{actor.uri}/%")
                )
                == ACTIVITIES
            )
    finally:
        remote.close()
        await db.dispose()


@contextlib.asynccontextmanager
async def streaming(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> AsyncIterator[list[dict]]:
    """The `update` events of the server-sent event stream at `path`, collected while
    inside."""
    events: list[dict] = []
    async with client.stream("GET", path, headers=headers) as sse:
        assert sse.status_code == 200
        reader = asyncio.create_task(read_events(sse, events))
        try:
            yield events
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await reader


async def read_events(response: httpx.Response, events: list[dict]) -> None:
    """Collect the `update` events of a server-sent event stream."""
    kind = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            kind = line.partition(":")[2].strip()
        elif line.startswith("data:") and kind == "update":
            events.append(json.loads(line.partition(":")[2]))


@contextlib.asynccontextmanager
async def two_web_processes(
    tmp_path: Path, schema: tuple[str, str]
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """One instance served by two `serve` processes on their own ports, both answering;
    an HTTP client for each."""
    url, name = schema
    inst = instance_on(tmp_path, url, name)
    await prepare(inst)
    other_port = free_port()
    other = f"http://127.0.0.1:{other_port}"
    async with processes(inst, ["serve"], ["serve", "--port", str(other_port)]) as (one, two):
        await one.wait_until_answering(f"{inst.base_url}/.well-known/nodeinfo")
        await two.wait_until_answering(f"{other}/.well-known/nodeinfo")
        async with (
            httpx.AsyncClient(base_url=inst.base_url, timeout=20, trust_env=False) as first,
            httpx.AsyncClient(base_url=other, timeout=20, trust_env=False) as second,
        ):
            yield first, second


async def test_a_stream_on_one_web_process_gets_a_post_made_through_another(
    tmp_path: Path, schema: tuple[str, str]
) -> None:
    async with two_web_processes(tmp_path, schema) as (first, second):
        token = await password_token(first, await register_app(first), READER)
        auth = {"Authorization": f"Bearer {token}"}
        # Given a streaming client on the first process
        async with streaming(first, "/api/v1/streaming/public/local", auth) as events:
            # When the resident posts through the second process
            made = await second.post(
                "/api/v1/statuses",
                data={"status": "Vide-grenier samedi, cour de l'école"},
                headers=auth,
            )
            assert made.status_code == 200, made.text
            # Then the first process streams it
            await wait_for(
                lambda: any(e["id"] == made.json()["id"] for e in events),
                timeout=15,
                message="the post on the stream of the other process",
            )


async def test_the_login_limit_counts_failures_on_two_processes_together(
    tmp_path: Path, schema: tuple[str, str]
) -> None:
    async with two_web_processes(tmp_path, schema) as (first, second):
        app = await register_app(first)

        async def attempt(http: httpx.AsyncClient, password: str) -> httpx.Response:
            return await http.post(
                "/oauth/token",
                data={
                    "grant_type": "password",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "username": READER,
                    "password": password,
                    "scope": "read",
                },
            )

        # Given as many wrong passwords as the limit allows, alternately on each process
        for number in range(MAX_FAILURES_PER_ACCOUNT):
            http = first if number % 2 == 0 else second
            assert (await attempt(http, f"wrong {number}")).status_code == 400
        # When the right one is tried on either process
        # Then both refuse it for now, with a 429 saying when to try again
        for http in (first, second):
            refused = await attempt(http, PASSWORD)
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["retry-after"]) > 0


def test_several_web_processes_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    # SQLite has one writer: several web processes would only wait on each other
    inst = Instance(tmp_path, "nord")
    result = run_cli("serve", "--config", str(inst.config_path), "--workers", "2", expect=2)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "fedlocal: config error: --workers above 1 needs PostgreSQL: SQLite has one writer, "
        "run one process"
    ]
