"""Several processes on PostgreSQL: 2 web + 2 worker processes against one process.

    python bench/multiprocess.py [--postgres URL] [--activities N] [--concurrency C]
                                 [--repeat R] [--json out.json]

For each repetition and each layout, alternating which goes first:

1. a fresh schema in the PostgreSQL database, migrated, with a resident who follows a
   "remote" Mastodon-like actor served on loopback (`remote_actor.py`), so every `Create`
   is stored as a post;
2. the layout's processes: `one` is `fedlocal serve` with its workers inside (the
   default); `2+2` is `fedlocal serve --workers 2` (two web processes on one port,
   `run_workers = false`) and two `fedlocal worker` processes;
3. N signed `Create(Note)`s (signed before the clock starts) posted by C keep-alive
   connections, one request in flight each, after a warm-up; accepted/s is N over the
   time to the last answer;
4. processed/s: the activities recorded as received in the database, counted at the last
   answer and again when the inbox queue is empty (drained), over the time from the first
   POST; every activity must end as exactly one post;
5. CPU seconds of the fedlocal processes, of PostgreSQL's backends, of this client, and
   of everything else on the machine (other people's work), from /proc.

Only loopback is used. The schema is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from fedlocal.cli.runtime import open_instance, resident
from fedlocal.services import accounts
from fedlocal.store import Database
from fedlocal.store import follows as follow_store
from fedlocal.store.tables import inbox_queue, objects, received_activities

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import (  # noqa: E402
    BENCH_DIR,
    Server,
    cpu_seconds,
    free_port,
    machine,
    machine_busy_seconds,
    wait_for_quiet,
    write_instance_config,
)
from remote_actor import AP_TYPE, RemoteActor, RemoteInstance, create_note  # noqa: E402

from activitypub.httpsig import sign_request  # noqa: E402

RESIDENT = "lecteur"
PASSWORD = "bench-password-not-secret"  # noqa: S105 (a throwaway bench account)
DRAIN_DEADLINE = 300.0
LAYOUTS = ("one", "2+2")


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def write_config(
    path: Path,
    *,
    port: int,
    data_dir: Path,
    url: str,
    schema: str,
    web_only: bool,
    backlog_limit: int | None = None,
):
    """A layout's config on the PostgreSQL schema (`processes.write_instance_config`)."""
    write_instance_config(
        path,
        port=port,
        data_dir=data_dir,
        run_workers=not web_only,
        backlog_limit=backlog_limit,
        database=(url, schema),
    )


async def prepare(config: Path, actor: RemoteActor) -> None:
    """Migrate, create the resident, and have it follow the remote actor."""
    async with open_instance(str(config)) as federation:
        await accounts.create_account(federation.services, RESIDENT, PASSWORD)
        local = await resident(federation, RESIDENT)
        remote = await federation.remote.actor(actor.uri)
        async with federation.db.write() as conn:
            await follow_store.upsert_follow(
                conn,
                follower_id=local.id,
                followed_id=remote.id,
                uri=f"{federation.config.base_url}/bench-follow/1",
                state="accepted",
            )


def signed(actor: RemoteActor, url: str, first: int, count: int) -> list[tuple[dict, bytes]]:
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    requests = []
    for number in range(first, first + count):
        body = create_note(actor, number, published, None)  # public posts only
        headers = {"Content-Type": AP_TYPE}
        headers |= sign_request(
            "POST", url, headers, body, key_id=actor.key_id, private_key=actor.private_key
        )
        requests.append((headers, body))
    return requests


def descendants(pid: int) -> list[int]:
    """`pid` and every process under it (the web processes `serve --workers` forks)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = task / "children"
            if children.exists():
                queue.extend(int(c) for c in children.read_text().split())
    return found


def cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each process still there."""
    found = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            found[pid] = cpu_seconds(pid)
    return found


def cpu_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU used since `before` by `pids` (new processes count from zero; those that ended
    meanwhile are left out, so the figure is a lower bound)."""
    return sum(now - before.get(pid, 0.0) for pid, now in cpu_of(pids).items())


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


class Layout:
    """The processes of one layout, started on a fresh schema."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        url: str,
        actor: RemoteActor,
        backlog_limit: int | None = None,
    ):
        self.name = name
        self.url = url
        self.schema = f"bench_mp_{uuid.uuid4().hex[:12]}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.dir = workdir / f"{name.replace('+', '_')}-{self.schema}"
        self.dir.mkdir()
        self.config = self.dir / "instance.toml"
        write_config(
            self.config,
            port=self.port,
            data_dir=self.dir / "data",
            url=url,
            schema=self.schema,
            web_only=name != "one",
            backlog_limit=backlog_limit,
        )
        self.actor = actor
        self.server: Server | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    async def start(self) -> None:
        conn = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            await conn.execute(f'CREATE SCHEMA "{self.schema}"')
        finally:
            await conn.close()
        await prepare(self.config, self.actor)
        command = [sys.executable, "-m", "fedlocal", "serve", "--config", str(self.config)]
        if self.name != "one":
            command += ["--workers", "2"]
            for number in range(2):
                log = (self.dir / f"worker-{number}.log").open("wb")
                self.workers.append(
                    subprocess.Popen(  # noqa: ASYNC220 (started before the clock)
                        [sys.executable, "-m", "fedlocal", "worker", "--config", str(self.config)],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=BENCH_DIR.parent,
                    )
                )
        self.server = Server(
            command, self.base_url, "/.well-known/nodeinfo", self.dir / "serve.log"
        )

    @property
    def pids(self) -> list[int]:
        assert self.server is not None
        return descendants(self.server.pid) + [w.pid for w in self.workers]

    async def stop(self) -> None:
        for worker in self.workers:
            worker.send_signal(signal.SIGINT)
        if self.server is not None:
            self.server.stop()
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        conn = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        finally:
            await conn.close()


async def counts(db: Database, actor: RemoteActor) -> tuple[int, int]:
    """(activities of the actor recorded as received, rows left in the inbox queue)."""
    async with db.read() as conn:
        received = (
            await conn.execute(
                select(func.count())
                .select_from(received_activities)
                .where(received_activities.c.uri.like(f"{actor.uri}/%"))
            )
        ).scalar_one()
        queued = (await conn.execute(select(func.count()).select_from(inbox_queue))).scalar_one()
    return received, queued


async def post_each(
    clients: list[httpx.AsyncClient], url: str, requests: list[tuple[dict[str, str], bytes]]
) -> tuple[list[int], list[float]]:
    """Post every request, one coroutine (and one keep-alive connection) per client."""
    statuses = [0] * len(requests)
    latencies = [0.0] * len(requests)
    indices = iter(range(len(requests)))

    async def worker(client: httpx.AsyncClient) -> None:
        for i in indices:
            headers, body = requests[i]
            start = time.perf_counter()
            try:
                statuses[i] = (await client.post(url, content=body, headers=headers)).status_code
            except httpx.HTTPError:
                statuses[i] = -1
            latencies[i] = time.perf_counter() - start

    await asyncio.gather(*(worker(client) for client in clients))
    return statuses, latencies


async def measure(layout: Layout, args: argparse.Namespace, first_status: int) -> dict[str, Any]:
    url = f"{layout.base_url}/inbox"
    warmup = signed(layout.actor, url, first_status, args.warmup)
    timed = signed(layout.actor, url, first_status + args.warmup, args.activities)
    db = Database(layout.url, schema=layout.schema)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(limits=limits, timeout=120.0) for _ in range(args.concurrency)]
    try:
        warm, _ = await post_each(clients, url, warmup)
        if any(s != 202 for s in warm):
            raise RuntimeError(f"warm-up refused: {sorted(set(warm))}")
        # The warm-up's activities are processed before the clock starts.
        while (await counts(db, layout.actor))[1]:  # noqa: ASYNC110 (another process's work)
            await asyncio.sleep(0.2)
        before_received, _ = await counts(db, layout.actor)
        pids = layout.pids
        server0, pg0 = cpu_of(pids), cpu_of(postgres_pids())
        client0, machine0 = time.process_time(), machine_busy_seconds()
        start = time.perf_counter()
        statuses, latencies = await post_each(clients, url, timed)
        sent = time.perf_counter() - start
        at_last_answer, pending = await counts(db, layout.actor)
        queued_at_last_answer = pending
        deadline = time.monotonic() + DRAIN_DEADLINE
        while pending and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            received, pending = await counts(db, layout.actor)
        drained = time.perf_counter() - start
        server_cpu, pg_cpu = cpu_since(server0, pids), cpu_since(pg0, postgres_pids())
        client1, machine1 = time.process_time(), machine_busy_seconds()
        received, pending = await counts(db, layout.actor)
        async with db.read() as conn:
            posts = (
                await conn.execute(
                    select(func.count())
                    .select_from(objects)
                    .where(objects.c.uri.like(f"{layout.actor.uri}/statuses/%"))
                )
            ).scalar_one()
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
        await db.dispose()
    ordered = sorted(latencies)
    client_cpu = client1 - client0
    return {
        "layout": layout.name,
        "activities": args.activities,
        "non_202": sum(1 for s in statuses if s != 202),
        "accepted_per_s": args.activities / sent,
        "processed_during_flow_per_s": (at_last_answer - before_received) / sent,
        "queued_at_last_answer": queued_at_last_answer,
        "processed_per_s": (received - before_received) / drained,
        "drained_after_s": drained,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
        "posts": posts,
        "expected_posts": args.warmup + args.activities,
        "left_in_queue": pending,
        "fedlocal_cpu_s": server_cpu,
        "postgres_cpu_s": pg_cpu,
        "client_cpu_s": client_cpu,
        "others_cpu_s": max(0.0, machine1 - machine0 - server_cpu - pg_cpu - client_cpu),
        "wall_s": drained,
    }


def print_row(r: dict[str, Any]) -> None:
    print(
        f"| {r['layout']} | {r['accepted_per_s']:.0f} | {r['processed_during_flow_per_s']:.0f} | "
        f"{r['processed_per_s']:.0f} | {r['drained_after_s']:.1f} | "
        f"{r['p50_ms']:.0f} / {r['p99_ms']:.0f} | {r['non_202']} | "
        f"{r['posts']}/{r['expected_posts']} | {r['fedlocal_cpu_s']:.1f} | "
        f"{r['postgres_cpu_s']:.1f} | {r['client_cpu_s']:.1f} | {r['others_cpu_s']:.1f} |",
        flush=True,
    )


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-mp-bench-"))
    remote = RemoteInstance(usernames=("alice",))
    actor = remote.actors[0]
    results: list[dict[str, Any]] = []
    try:
        print(
            "| layout | accepted/s | processed/s during the flow | processed/s to drained | "
            "drained after s | 202 p50 / p99 ms | non-202 | posts | fedlocal CPU s | "
            "PostgreSQL CPU s (all backends) | client CPU s | others' CPU s |",
            flush=True,
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
        status = 1
        for rep in range(args.repeat):
            order = LAYOUTS if rep % 2 == 0 else tuple(reversed(LAYOUTS))
            for name in order:
                wait_for_quiet(args.quiet_cores, args.quiet_wait)
                layout = Layout(name, workdir, args.postgres, actor, args.backlog_limit)
                try:
                    await layout.start()
                    result = await measure(layout, args, status)
                finally:
                    await layout.stop()
                status += args.warmup + args.activities
                result["repetition"] = rep + 1
                results.append(result)
                print_row(result)
    finally:
        remote.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description="2 web + 2 worker processes against one")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "FEDLOCAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--activities", "-n", type=int, default=6000)
    parser.add_argument("--concurrency", "-c", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=128)
    parser.add_argument("--repeat", "-r", type=int, default=2)
    parser.add_argument("--quiet-cores", type=float, default=0.5)
    parser.add_argument("--quiet-wait", type=float, default=10.0)
    parser.add_argument(
        "--backlog-limit",
        type=int,
        help="inbox_backlog_limit (default: the server's; 0 never holds requests)",
    )
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB, {info['os']}")
    print(f"code: {info['code']}", flush=True)
    results = asyncio.run(run(args))
    for name in LAYOUTS:
        mine = [r for r in results if r["layout"] == name]
        accepted = statistics.median(r["accepted_per_s"] for r in mine)
        processed = statistics.median(r["processed_per_s"] for r in mine)
        print(f"{name}: accepted/s median {accepted:.0f}, processed/s median {processed:.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "results": results}, indent=2))
    bad = [r for r in results if r["non_202"] or r["posts"] != r["expected_posts"]]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
