"""fedlocal as separate OS processes: config files, CLI commands and `fedlocal serve`.

What a real deployment does, in miniature: every command runs `fedlocal.cli.main` in its
own OS process, the server is another process on a loopback port, and tests observe it
from outside — over HTTP, or through a read-only view of its SQLite file (WAL lets
readers in while the server writes). The processes are forked from one that imported
fedlocal once (`cli_forks.py`) rather than started as new interpreters, which would
import it again for each.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from fedlocal.config import Config, load_config
from fedlocal.models import Post
from fedlocal.store import Database
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import outbox as outbox_store
from fedlocal.store import participations as participation_store
from fedlocal.store import posts as post_store
from fedlocal.store import received as received_store
from fedlocal.store.tables import deliveries, inbox_queue, objects, outgoing_activities

from .cli_forks import run_forked, start_forked
from .instance import LOOPBACK_NETWORKS
from .live_server import free_socket
from .waiting import wait_for

CLI_DEADLINE_SECONDS = 60.0
START_DEADLINE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 10.0
LOG_TAIL_LINES = 40
PASSWORD = "a long password"

# Fast polls and retries, so a test waits a fraction of a second where production waits
# minutes. The poll (four times a second) is how a server sees what a command wrote in
# another process; at twenty a second, each idle server took a quarter of a core.
FAST_SETTINGS: dict[str, Any] = {
    "allow_private_addresses": LOOPBACK_NETWORKS,
    "worker_poll_seconds": 0.25,
    "retry_base_seconds": 0.2,
    "retry_cap_seconds": 1,
    "circuit_open_seconds": 0.5,
    "log_level": "warning",
    # Accounts made by tests are new: the tests of new accounts' limits turn them on.
    "new_account_days": 0,
}


def free_port() -> int:
    """A loopback port nobody listens on right now (for processes that bind themselves)."""
    with contextlib.closing(free_socket()) as sock:
        return sock.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (the sockets are held until all are chosen)."""
    sockets = [free_socket() for _ in range(count)]
    try:
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def toml_value(value: Any) -> str:
    """A Python scalar or list as a TOML value (enough for instance configs)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        text = str(value).replace("\\", "\\\\").replace('"', '\\"')
        return f'"{text}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return toml_value(str(value))
    raise TypeError(f"no TOML form for {value!r}")


def write_config(path: Path, settings: Mapping[str, Any]) -> Path:
    """Write top-level `settings` as a TOML file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {toml_value(value)}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment without its FEDLOCAL_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDLOCAL_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


# --- one-shot commands ---------------------------------------------------------------------


@dataclass(frozen=True)
class CliResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"`fedlocal {' '.join(self.args)}` exited {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"
        )

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_cli(
    *args: str,
    expect: int | None = 0,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> CliResult:
    """Run `python -m fedlocal ARGS` to completion, in a process of its own forked from
    one that has imported fedlocal already (`cli_forks.py`); check its exit code unless
    `expect` is None."""
    returncode, stdout, stderr = run_forked(
        args, env=child_env(env), cwd=cwd, timeout=CLI_DEADLINE_SECONDS
    )
    result = CliResult(tuple(args), returncode, stdout, stderr)
    if expect is not None:
        assert result.returncode == expect, result.describe()
    return result


async def cli(*args: str, **options: Any) -> CliResult:
    """`run_cli` without blocking the test's event loop."""
    return await asyncio.to_thread(run_cli, *args, **options)


# --- a server process ----------------------------------------------------------------------


class ServerProcess:
    """`fedlocal ARGS` as a long-running process of its own (forked from one that has
    imported fedlocal: `cli_forks.py`), its output appended to a log file."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process: multiprocessing.process.BaseProcess | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.exitcode is None

    def spawn(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        assert not self.running, "already running"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n=== fedlocal {' '.join(args)}\n".encode())
        self.process = start_forked(args, env=child_env(env), log=self.log_path)

    @property
    def pid(self) -> int:
        assert self.process is not None and self.process.pid is not None
        return self.process.pid

    def send_signal(self, number: int) -> None:
        """Signal the process, if it still runs."""
        if self.running:
            os.kill(self.pid, number)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        if not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def wait_until_answering(self, url: str, *, deadline: float = START_DEADLINE_SECONDS):
        """Until GET `url` answers 200; fails with the log tail if it dies or times out."""
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:

            async def answering() -> bool:
                if not self.running:
                    raise AssertionError(
                        f"the server exited with {self.returncode} before answering {url}\n"
                        f"--- log tail ---\n{self.log_tail()}"
                    )
                try:
                    return (await client.get(url)).status_code == 200
                except httpx.TransportError:
                    return False

            try:
                await wait_for(answering, timeout=deadline, message=f"{url} to answer")
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n--- log tail ---\n{self.log_tail()}") from None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.exitcode

    async def stop(self, *, deadline: float = STOP_DEADLINE_SECONDS) -> int | None:
        """SIGINT (as Ctrl-C would), SIGKILL if still alive after `deadline`; the exit code."""
        process = self.process
        if process is None:
            return None
        if self.running:
            self.send_signal(signal.SIGINT)
            try:
                await wait_for(
                    lambda: not self.running,
                    timeout=deadline,
                    message="the server to exit after SIGINT",
                )
            except AssertionError:
                process.kill()
                await wait_for(lambda: not self.running, timeout=deadline, message="SIGKILL")
        process.join()
        return process.exitcode


# --- an instance ---------------------------------------------------------------------------


class Instance:
    """A fedlocal instance in its own directory: config file, data directory, serve log."""

    def __init__(
        self, directory: Path, name: str, *, port: int | None = None, **settings: Any
    ) -> None:
        self.directory = directory
        self.name = name
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.config_path = write_config(
            directory / f"{name}.toml",
            {
                "name": f"Instance {name}",
                "base_url": self.base_url,
                "data_dir": "data",
                **FAST_SETTINGS,
                **settings,
            },
        )
        self.server = ServerProcess(directory / f"{name}-serve.log")

    @property
    def config(self) -> Config:
        return load_config(self.config_path, environ={})

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def handle(self, username: str) -> str:
        return f"@{username}@{self.domain}"

    def actor_uri(self, username: str) -> str:
        return f"{self.base_url}/users/{username}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    async def cli(self, *args: str, expect: int | None = 0, **options: Any) -> CliResult:
        """A `fedlocal` command against this instance (`--config` added)."""
        return await cli(*args, "--config", str(self.config_path), expect=expect, **options)

    async def create_user(self, username: str, password: str = PASSWORD) -> str:
        await self.cli("user", "create", username, "--password", password)
        return self.actor_uri(username)

    async def post(self, author: str, text: str) -> str:
        """Publish as `author` through the CLI; the post's URL."""
        result = await self.cli("post", "--as", author, text)
        return result.stdout.strip().splitlines()[-1]

    async def start(
        self, *serve_args: str, env: Mapping[str, str] | None = None, ready_url: str | None = None
    ) -> None:
        """`fedlocal serve` in the background, waiting until it answers NodeInfo."""
        self.server.spawn(["serve", "--config", str(self.config_path), *serve_args], env=env)
        await self.server.wait_until_answering(ready_url or f"{self.base_url}/.well-known/nodeinfo")

    async def stop(self) -> int | None:
        return await self.server.stop()

    async def restart(self, *serve_args: str, env: Mapping[str, str] | None = None) -> None:
        await self.stop()
        await self.start(*serve_args, env=env)

    @property
    def running(self) -> bool:
        return self.server.running

    def log_tail(self) -> str:
        return self.server.log_tail()

    @contextlib.asynccontextmanager
    async def store(self) -> AsyncIterator[StoreView]:
        """A read-only view of this instance's database, for the block's duration."""
        async with open_store(self.config.database_url) as view:
            yield view


# --- reading an instance's database --------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    activity_uri: str
    inbox_url: str
    domain: str
    state: str
    attempts: int
    last_error: str | None


class StoreView:
    """Queries over an instance's database, reads only: the serving process owns writes."""

    def __init__(self, db: Database):
        self._db = db

    def read(self):
        return self._db.read()

    def read_inbox(self):
        """A read of the inbox queue's database (`Database.inbox`: on SQLite, a file of
        its own beside the store)."""
        return self._db.inbox.read()

    async def actor_id(self, uri: str) -> int | None:
        async with self.read() as conn:
            actor = await actor_store.get_actor_by_uri(conn, uri)
        return actor.id if actor else None

    async def follow_state(self, follower_uri: str, followed_uri: str) -> str | None:
        """`pending`, `accepted`, or None when there is no follow."""
        async with self.read() as conn:
            follower = await actor_store.get_actor_by_uri(conn, follower_uri)
            followed = await actor_store.get_actor_by_uri(conn, followed_uri)
            if follower is None or followed is None:
                return None
            follow = await follow_store.get_follow(conn, follower.id, followed.id)
        return follow.state if follow else None

    async def post(self, uri: str) -> Post | None:
        async with self.read() as conn:
            return await post_store.get_post_by_uri(conn, uri)

    async def posts_by(self, actor_uri: str) -> list[Post]:
        """Every post (deleted ones too) attributed to `actor_uri`, oldest first."""
        async with self.read() as conn:
            actor = await actor_store.get_actor_by_uri(conn, actor_uri)
            if actor is None:
                return []
            uris = await conn.execute(
                select(objects.c.uri).where(objects.c.actor_id == actor.id).order_by(objects.c.id)
            )
            return [await post_store.get_post_by_uri(conn, uri) for (uri,) in uris.all()]

    async def local_posts(self) -> list[Post]:
        """Every post written on this instance (direct messages too; not deleted ones)."""
        async with self.read() as conn:
            uris = await conn.execute(
                select(objects.c.uri)
                .where(objects.c.is_local.is_(True), objects.c.deleted_at.is_(None))
                .order_by(objects.c.id)
            )
            return [await post_store.get_post_by_uri(conn, uri) for (uri,) in uris.all()]

    async def followers(self, actor_uri: str) -> list[str]:
        """The URIs of `actor_uri`'s accepted followers (a group's members)."""
        async with self.read() as conn:
            actor = await actor_store.get_actor_by_uri(conn, actor_uri)
            if actor is None:
                return []
            rows = await follow_store.list_followers(conn, actor.id, limit=1000)
        return [follower.uri for _, follower in rows]

    async def participation_state(self, event_uri: str, actor_uri: str) -> str | None:
        """`pending`, `accepted` or `rejected`: `actor_uri`'s RSVP to an event, as held here."""
        async with self.read() as conn:
            event = await post_store.get_post_by_uri(conn, event_uri)
            actor = await actor_store.get_actor_by_uri(conn, actor_uri)
            if event is None or actor is None:
                return None
            participation = await participation_store.get(conn, event.id, actor.id)
        return participation.state if participation else None

    async def private_key_pem(self, actor_uri: str) -> tuple[str, str]:
        """(key id, private PEM) of one of this instance's actors."""
        async with self.read() as conn:
            key = await actor_store.get_key(conn, f"{actor_uri}#main-key")
        assert key is not None and key.private_pem is not None, f"no private key for {actor_uri}"
        return key.key_id, key.private_pem

    async def outgoing_body(self, activity_uri: str) -> str | None:
        """The exact JSON body queued for delivery for `activity_uri`."""
        async with self.read() as conn:
            activity = await outbox_store.get_outgoing_by_uri(conn, activity_uri)
        return activity.body if activity else None

    async def deliveries(self, *, domain: str | None = None) -> list[DeliveryRow]:
        """Delivery rows still in the queue (pending or dead; delivered rows are removed)."""
        query = select(
            deliveries.c.id,
            outgoing_activities.c.uri,
            deliveries.c.inbox_url,
            deliveries.c.domain,
            deliveries.c.state,
            deliveries.c.attempts,
            deliveries.c.last_error,
        ).join(outgoing_activities, outgoing_activities.c.id == deliveries.c.activity_id)
        if domain is not None:
            query = query.where(deliveries.c.domain == domain)
        async with self.read() as conn:
            rows = await conn.execute(query.order_by(deliveries.c.id))
            return [DeliveryRow(*row) for row in rows]

    async def outbox_idle(self) -> bool:
        """Every outgoing activity fanned out and every delivery done (none pending)."""
        async with self.read() as conn:
            fanouts = await conn.execute(
                select(func.count())
                .select_from(outgoing_activities)
                .where(outgoing_activities.c.fanout_state == "pending")
            )
            if fanouts.scalar_one():
                return False
            return await outbox_store.count_deliveries(conn, "pending") == 0

    async def fanned_out(self, activity_uri: str) -> bool:
        async with self.read() as conn:
            row = await conn.execute(
                select(outgoing_activities.c.fanout_state).where(
                    outgoing_activities.c.uri == activity_uri
                )
            )
            return row.scalar_one_or_none() == "done"

    async def was_received(self, activity_uri: str) -> bool:
        async with self.read() as conn:
            return await received_store.was_received(conn, activity_uri)

    async def inbox_rows(self, activity_uri: str) -> int:
        """Inbox queue rows (waiting or failed) for `activity_uri`."""
        async with self.read_inbox() as conn:
            count = await conn.execute(
                select(func.count())
                .select_from(inbox_queue)
                .where(inbox_queue.c.activity_uri == activity_uri)
            )
            return count.scalar_one()


@contextlib.asynccontextmanager
async def open_store(database_url: str) -> AsyncIterator[StoreView]:
    db = Database(database_url)
    try:
        yield StoreView(db)
    finally:
        await db.dispose()
