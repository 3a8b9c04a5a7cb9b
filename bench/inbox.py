"""Inbox throughput: fedlocal's shared inbox against a bare verify-and-insert endpoint,
with a load client light enough not to be what is measured.

    python bench/inbox.py sustained [--activities 20000] [--concurrency 32] [--repeat 1]
    python bench/inbox.py burst     [--activities 3000]  [--concurrency 32] [--repeat 3]
    python bench/inbox.py kill      [--activities 6000]  [--kill-after 4]
    ... [--worker-process] [--no-gc-freeze] [--json out.json] [--profile RAW]

Set-up, once per invocation:

1. a "remote" Mastodon-like instance on loopback (`remote_actor.py`) with four accounts,
   each with a fresh RSA-2048 key;
2. a template fedlocal instance: `fedlocal user create` (CLI), the instance's own
   `RemoteActors` fetches the four accounts and their keys, the resident follows them
   (accepted), and creates a group that the four have joined (accepted follows), all
   written through fedlocal's services and store;
3. the bodies: Mastodon-shaped `Create(Note)`s (~1.7 KB) sent in turn by the four
   accounts; out of every 50, 4 mention the resident, 3 are direct messages to the
   resident and 3 are posted into the group (which announces them to its members: the
   remote instance accepts those deliveries), the rest public posts to followers.

Every request is built and signed before the clock starts (`load_client.py`: draft-cavage
rsa-sha256 with Digest, for fedlocal's URL). fedlocal and the bare endpoint
(`bare_inbox.py`, which rebuilds the signed URL from the same base URL) listen in turn on
the same port, so they receive the very same bytes over the same client: raw asyncio
keep-alive HTTP/1.1 connections, C of them with one request in flight each, after a
warm-up of 4 × C requests. The client's CPU per request is measured (the event loop
thread's CPU time) and printed beside the server's.

Scenarios:

- **sustained** (the figure issue 18 asks for): N ≥ 20,000 activities per server, long
  enough that the inbox worker must run while POSTs keep coming. fedlocal (workers on, a
  fresh copy of the template) and bare, alternating which goes first per repetition.
  With the workers on, the clock starts once the warm-up is processed and its deliveries
  sent: the worker processes are running, as they are long before a flood on a live
  instance (before 6 December 2026 the worker process was still starting during the first
  second of the run, and the queue filled meanwhile). Reported: accepted/s, p50/p95/p99
  of the 202 and its p99 in each fifth of the run, non-202, what the worker processed
  during the run (processed/s against accepted/s), how long the rest took to drain, server
  CPU per activity for accepting and for accepting + processing, and every 202'd id on
  disk.
- **burst**: N = 3,000 activities, three repetitions, plus one run with
  `run_workers = false`: a burst ends before the worker's turn comes, so this measures
  acceptance alone (the worker drains after the first repetition).
- **kill**: fedlocal (workers on) receives N activities; after --kill-after seconds the
  server gets SIGKILL mid-run, is restarted on the same files, the requests that got no
  202 are sent again (as a peer retries), and once the queue is drained every 202'd
  activity must be processed (in `received_activities`) and stored as a post: 0 missing.

With --worker-process, fedlocal's workers run in a `fedlocal worker` process beside
`fedlocal serve` (`run_workers = false`), the other way an instance on SQLite can run
(docs/operations.md#several-processes); that process's CPU is reported apart (and counts
among the other processes').

fedlocal's processes run through bench/gc_pauses.py, which times their garbage
collections; the full ones from the end of their start to their stop (warm-up, run and
drain) are printed under each run. --no-gc-freeze runs them without
fedlocal/gc_freeze.py, for comparison.

Only loopback is used. Server CPU time is read from /proc/<pid>/stat around the timed
part; other processes' CPU use over the run is reported too (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fedlocal.cli.runtime import open_instance, resident
from fedlocal.services import groups
from fedlocal.store import follows as follow_store
from fedlocal.store.database import inbox_file_of
from fedlocal.store.tables import inbox_queue, objects, received_activities

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_client import Outcome, SignedRequests, closed_loop, presign  # noqa: E402
from processes import (  # noqa: E402
    BENCH_DIR,
    Server,
    context_switches,
    cpu_seconds,
    free_port,
    machine,
    machine_busy_seconds,
    thread_cpu_seconds,
    wait_for_quiet,
    write_instance_config,
)
from pyspy_report import Sampler, format_profile  # noqa: E402
from remote_actor import Audience, Batch, RemoteInstance, make_batch  # noqa: E402

RESIDENT = "lecteur"
GROUP = "jardins"
DRAIN_DEADLINE = 600.0
SCENARIO_DEFAULTS = {
    "sustained": {"activities": 20_000, "repeat": 1},
    "burst": {"activities": 3_000, "repeat": 3},
    "kill": {"activities": 6_000, "repeat": 1},
}


def write_config(
    path: Path, *, port: int, data_dir: Path, run_workers: bool, backlog_limit: int | None = None
) -> None:
    """An instance's config on its SQLite file (`processes.write_instance_config`)."""
    write_instance_config(
        path, port=port, data_dir=data_dir, run_workers=run_workers, backlog_limit=backlog_limit
    )


def prepare_template(workdir: Path, port: int, remote: RemoteInstance) -> tuple[Path, Audience]:
    """A data directory where a resident follows the remote accounts (keys already
    fetched) and moderates a group they are members of."""
    data_dir = workdir / "template"
    config = workdir / "template.toml"
    write_config(config, port=port, data_dir=data_dir, run_workers=False)
    password = workdir / "password"
    password.write_text("bench-password-not-secret")
    subprocess.run(
        [sys.executable, "-m", "fedlocal", "user", "create", "--config", str(config),
         RESIDENT, "--password-file", str(password)],
        check=True, stdout=subprocess.DEVNULL, cwd=BENCH_DIR.parent,
    )  # fmt: skip
    return data_dir, asyncio.run(_relate(config, remote))


async def _relate(config: Path, remote: RemoteInstance) -> Audience:
    async with open_instance(str(config)) as federation:
        local = await resident(federation, RESIDENT)
        group = await groups.create_group(
            federation.services, local, GROUP, display_name="Jardins partagés"
        )
        base = federation.config.base_url
        for n, account in enumerate(remote.actors):
            actor = await federation.remote.actor(account.uri)
            # The resident follows the account, and the account is a member of the group.
            follows = [
                (local, actor, f"{base}/bench-follow/{n}"),
                (actor, group, f"{account.uri}#follows/{GROUP}"),
            ]
            async with federation.db.write() as conn:
                for follower, followed, uri in follows:
                    await follow_store.upsert_follow(
                        conn, follower_id=follower.id, followed_id=followed.id, uri=uri,
                        state="accepted",
                    )  # fmt: skip
        host = base.split("://", 1)[1]
        return Audience(
            resident_uri=local.uri,
            resident_handle=f"@{RESIDENT}@{host}",
            group_uri=group.uri,
            group_handle=f"@{GROUP}@{host}",
        )


# --- measuring one run --------------------------------------------------------------------


@dataclass
class RunResult:
    scenario: str
    repetition: int
    target: str  # "fedlocal" or "bare"
    workers: bool | None
    activities: int
    concurrency: int
    seconds: float
    accepted: int
    refused: int
    statuses: dict[str, int]
    resent: int  # sent again after a kept-alive connection closed under them
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms_per_activity: float  # during the run (accepting, and what the worker did)
    server_event_loop_busy: float  # CPU of the server's main thread / wall time
    server_context_switches_per_activity: float
    client_cpu_ms_per_activity: float  # the load client's event loop thread
    client_share_of_server_cpu: float
    background_cores: float  # CPU used by other processes during the run
    idle_cores_before: float  # machine CPU use just before the run
    missing: int = -1  # 202'd ids not on disk right after the run
    processed_during_run: int | None = None
    processed_per_second: float | None = None  # during the run
    drain_seconds: float | None = None
    processed_per_second_with_drain: float | None = None  # accepted / (run + drain)
    server_cpu_ms_per_activity_with_drain: float | None = None
    posts_stored: int | None = None
    failed_in_queue: int | None = None
    # Deliveries the remote instance received (the group's shares) during the run, and in
    # all once the outgoing queue was empty; how long that took after the inbox drained.
    # A change that leaves deliveries behind to process the inbox faster shows here.
    deliveries_during_run: int | None = None
    deliveries_in_all: int | None = None
    deliveries_drain_seconds: float | None = None
    # --worker-process: the `fedlocal worker` process's CPU over the run (warm-up
    # included), which `background_cores` also counts and `server_cpu…` does not
    worker_process_cpu_ms_per_activity: float | None = None
    # With --split-workers: each worker process's CPU seconds during the run.
    worker_process_cpu_seconds: dict[str, float] | None = None
    # Garbage collections of each fedlocal process (gc_pauses.py), at start and after, by
    # generation: how many, total and longest pause in ms
    gc_pauses: dict[str, Any] = field(default_factory=dict)
    # The 202's p99 among the requests started in each fifth of the run: a tail spread
    # evenly, or one moment's (the start, a checkpoint)
    p99_ms_by_fifth: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Measured:
    outcome: Outcome
    server_cpu: float
    server_main_cpu: float  # the event loop thread
    server_switches: int  # context switches of the server's threads
    client_process_cpu: float
    background_cpu: float  # every other process on the machine, in CPU-seconds


def post_all(
    signed: SignedRequests,
    warmup: int,
    concurrency: int,
    server_pid: int,
    on_timed_start: Callable[[], None] | None = None,
) -> Measured:
    """Send the first `warmup` requests (unmeasured), then the rest, and measure."""
    signed.check([0.0] * len(signed.payloads))
    warm = asyncio.run(closed_loop(signed, concurrency, indices=range(warmup)))
    require_accepted(warm.statuses[:warmup], "warm-up")
    if on_timed_start is not None:
        on_timed_start()
    marks: dict[str, float] = {}

    def start_marks() -> None:
        marks["main"] = thread_cpu_seconds(server_pid, server_pid)
        marks["server"] = cpu_seconds(server_pid)
        marks["switches"] = context_switches(server_pid)
        marks["client"], marks["machine"] = time.process_time(), machine_busy_seconds()

    gc.collect()
    gc.disable()
    try:
        timed = range(warmup, len(signed.payloads))
        outcome = asyncio.run(closed_loop(signed, concurrency, indices=timed, on_start=start_marks))
        machine1, client1 = machine_busy_seconds(), time.process_time()
        server1, main1 = cpu_seconds(server_pid), thread_cpu_seconds(server_pid, server_pid)
        switches1 = context_switches(server_pid)
    finally:
        gc.enable()
    outcome.statuses = outcome.statuses[warmup:]
    outcome.latencies = outcome.latencies[warmup:]
    outcome.started = outcome.started[warmup:]
    server_cpu, client_cpu = server1 - marks["server"], client1 - marks["client"]
    return Measured(
        outcome=outcome,
        server_cpu=server_cpu,
        server_main_cpu=main1 - marks["main"],
        server_switches=int(switches1 - marks["switches"]),
        client_process_cpu=client_cpu,
        background_cpu=max(0.0, machine1 - marks["machine"] - server_cpu - client_cpu),
    )


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def summarise_run(
    scenario: str,
    repetition: int,
    target: str,
    workers: bool | None,
    concurrency: int,
    measured: Measured,
    quiet: float,
) -> RunResult:
    outcome = measured.outcome
    statuses = outcome.statuses
    accepted = sum(1 for s in statuses if s == 202)
    counts: dict[str, int] = {}
    for s in statuses:
        counts[str(s)] = counts.get(str(s), 0) + 1
    ordered = sorted(lat for lat, s in zip(outcome.latencies, statuses, strict=True) if s == 202)
    n = len(statuses)
    wall = outcome.wall
    return RunResult(
        scenario=scenario,
        repetition=repetition,
        target=target,
        workers=workers,
        activities=n,
        concurrency=concurrency,
        seconds=round(wall, 3),
        accepted=accepted,
        refused=n - accepted,
        statuses=counts,
        resent=outcome.resent,
        per_second=round(accepted / wall, 1),
        p50_ms=round(percentile(ordered, 50) * 1000, 1),
        p95_ms=round(percentile(ordered, 95) * 1000, 1),
        p99_ms=round(percentile(ordered, 99) * 1000, 1),
        server_cpu_ms_per_activity=round(measured.server_cpu * 1000 / n, 3),
        server_event_loop_busy=round(measured.server_main_cpu / wall, 2),
        server_context_switches_per_activity=round(measured.server_switches / n, 1),
        client_cpu_ms_per_activity=round(outcome.client_cpu_ms_per_request, 3),
        client_share_of_server_cpu=round(outcome.client_cpu / max(measured.server_cpu, 1e-9), 3),
        background_cores=round(measured.background_cpu / wall, 2),
        idle_cores_before=round(quiet, 2),
        p99_ms_by_fifth=p99_by_fifth(outcome),
    )


def p99_by_fifth(outcome: Outcome) -> list[float]:
    """The 202's p99 in ms among the requests started in each fifth of the run."""
    fifths: list[list[float]] = [[] for _ in range(5)]
    wall = max(outcome.wall, 1e-9)
    for latency, started, status in zip(
        outcome.latencies, outcome.started, outcome.statuses, strict=True
    ):
        if status == 202:
            fifths[min(4, int(started / wall * 5))].append(latency)
    return [round(percentile(sorted(f), 99) * 1000, 1) for f in fifths if f]


# --- durability checks --------------------------------------------------------------------
# Table names come from fedlocal's own metadata, never from input (hence the S608 waivers).


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def fedlocal_on_disk(path: Path) -> tuple[set[str], set[str]]:
    """Activity ids in the inbox queue and among the processed. The queue's file is read
    first: the worker records an activity as received before it removes its queue row,
    so an id is found in one or the other, or both, never in neither."""
    conn = _connect(Path(inbox_file_of(str(path))))
    try:
        conn.execute("ATTACH DATABASE ? AS store", (str(path),))
        conn.execute("BEGIN")
        queued = {r[0] for r in conn.execute(f"SELECT activity_uri FROM {inbox_queue.name}")}  # noqa: S608
        done = {r[0] for r in conn.execute(f"SELECT uri FROM store.{received_activities.name}")}  # noqa: S608
        conn.execute("COMMIT")
        return queued, done
    finally:
        conn.close()


def fedlocal_queue_state(path: Path) -> tuple[int, int]:
    """(pending, failed) rows of the inbox queue."""
    conn = _connect(Path(inbox_file_of(str(path))))
    try:
        query = f"SELECT state, count(*) FROM {inbox_queue.name} GROUP BY state"  # noqa: S608
        rows = dict(conn.execute(query))
        return rows.get("pending", 0), rows.get("failed", 0)
    finally:
        conn.close()


def fedlocal_leased(path: Path) -> int:
    """Pending rows under a worker's lease (after a kill: the dead process's batch)."""
    conn = _connect(Path(inbox_file_of(str(path))))
    try:
        query = f"SELECT count(*) FROM {inbox_queue.name} WHERE state = 'pending' AND locked_until IS NOT NULL"  # noqa: S608, E501
        return conn.execute(query).fetchone()[0]
    finally:
        conn.close()


def fedlocal_posts(path: Path, remote: RemoteInstance) -> int:
    conn = _connect(path)
    try:
        query = f"SELECT count(*) FROM {objects.name} WHERE uri LIKE ?"  # noqa: S608
        return conn.execute(query, (remote.base_url + "/users/%/statuses/%",)).fetchone()[0]
    finally:
        conn.close()


def bare_on_disk(path: Path) -> set[str]:
    conn = _connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT json_extract(body, '$.id') FROM inbox")}
    finally:
        conn.close()


def deliveries_left(path: Path) -> int:
    """Deliveries waiting to be sent (or fanned out) in the store."""
    conn = _connect(path)
    try:
        waiting = conn.execute(
            "SELECT (SELECT count(*) FROM deliveries WHERE state = 'pending')"
            " + (SELECT count(*) FROM outgoing_activities WHERE fanout_state = 'pending')"
        ).fetchone()[0]
        return int(waiting)
    finally:
        conn.close()


def wait_until_none(left: Callable[[], int], deadline: float) -> tuple[float, bool]:
    """Seconds until `left()` is 0 (polled every 50 ms: a benchmark watching another
    process's file has nothing to wait on), and whether it got there before `deadline`."""
    start = time.perf_counter()
    while left() > 0:
        if time.perf_counter() - start > deadline:
            return time.perf_counter() - start, False
        time.sleep(0.05)
    return time.perf_counter() - start, True


def wait_for_deliveries(database: Path, deadline: float = DRAIN_DEADLINE) -> tuple[float, bool]:
    """Seconds until no delivery waits, and whether before `deadline`."""
    return wait_until_none(lambda: deliveries_left(database), deadline)


def wait_for_workers_idle(database: Path) -> None:
    """Until the inbox queue is drained and no delivery waits. After a warm-up, before the
    clock starts: the worker processes are then up and running, as they are long before a
    flood on a live instance, not still importing."""
    wait_for_drain(database)
    wait_for_deliveries(database)


def require_accepted(statuses: list[int], what: str) -> None:
    """Stop the benchmark unless every request of `what` was answered 202."""
    if any(s != 202 for s in statuses):
        raise RuntimeError(f"{what} refused: {sorted(set(statuses))}")


def wait_for_drain(database: Path, deadline: float = DRAIN_DEADLINE) -> tuple[float, bool]:
    """Seconds until the inbox queue has no pending row, and whether it got there before
    `deadline`."""
    return wait_until_none(lambda: fedlocal_queue_state(database)[0], deadline)


# --- runs ---------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    remote: RemoteInstance
    template: Path
    audience: Audience
    port: int
    next_status: int = 1
    results: list[RunResult] = field(default_factory=list)
    profile: dict[str, Any] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def batch(self, count: int) -> Batch:
        audience = None if self.args.public_only else self.audience
        batch = make_batch(self.remote.actors, self.next_status, count, audience)
        self.next_status += count
        return batch

    def sign(self, batch: Batch) -> SignedRequests:
        return presign(f"{self.base_url}/inbox", batch.bodies, batch.senders)

    def quiet(self) -> float:
        return wait_for_quiet(self.args.quiet_cores, self.args.quiet_wait)

    def fedlocal_server(self, name: str, data_dir: Path, *, workers: bool) -> Server:
        config = self.workdir / f"{name}.toml"
        apart = workers and self.args.worker_process
        # With no worker at all (the workers-off burst), nothing would make room under the
        # backlog's limit: that run measures acceptance alone, so it holds nothing back.
        write_config(
            config,
            port=self.port,
            data_dir=data_dir,
            run_workers=workers and not apart,
            backlog_limit=self.args.backlog_limit if workers else 0,
        )
        command = [*self.timed_gc(name, "serve"), "serve", "--config", str(config)]
        server = Server(command, self.base_url, "/inbox", self.workdir / f"{name}.log")
        if apart:
            worker = [*self.timed_gc(name, "worker"), "worker", "--config", str(config)]
            if self.args.split_workers:
                worker += ["--queues", "inbox"]
            server.beside = subprocess.Popen(
                worker, stdout=server._log_file, stderr=subprocess.STDOUT, cwd=BENCH_DIR.parent
            )
        if apart and self.args.split_workers:
            rest = [*self.timed_gc(name, "worker-rest"), "worker", "--config", str(config)]
            rest += ["--queues", "deliveries,push,exports,maintenance"]
            server.also = (
                subprocess.Popen(
                    rest, stdout=server._log_file, stderr=subprocess.STDOUT, cwd=BENCH_DIR.parent
                ),
            )
        return server

    def timed_gc(self, name: str, process: str) -> list[str]:
        """The command that runs fedlocal's CLI with its collections timed (gc_pauses.py)."""
        out = self.workdir / f"{name}-{process}-gc.json"
        freeze = ["--no-freeze"] if self.args.no_gc_freeze else []
        return [sys.executable, str(BENCH_DIR / "gc_pauses.py"), str(out), *freeze, "--"]

    def gc_pauses(self, name: str) -> dict[str, Any]:
        """What gc_pauses.py wrote for each process of a stopped run."""
        found = {}
        for process in ("serve", "worker", "worker-rest"):
            path = self.workdir / f"{name}-{process}-gc.json"
            if path.exists():
                found[process] = json.loads(path.read_text(encoding="utf-8"))
        return found

    def run_fedlocal(
        self,
        rep: int,
        batch: Batch,
        signed: SignedRequests,
        warm: int,
        *,
        workers: bool,
        drain: bool,
        profile_to: Path | None = None,
    ) -> RunResult:
        name = f"{self.args.scenario}-rep{rep}-fedlocal-{'workers' if workers else 'noworkers'}"
        if profile_to:
            name += "-profile"
        data_dir = self.workdir / name
        shutil.copytree(self.template, data_dir)
        database = data_dir / "fedlocal.sqlite3"
        sampler: list[Sampler] = []
        quiet = self.quiet()
        server = self.fedlocal_server(name, data_dir, workers=workers)
        try:

            def start_sampler() -> None:
                if workers:
                    wait_for_workers_idle(database)
                if profile_to is not None:
                    sampler.append(Sampler(server.pid, profile_to))
                    time.sleep(0.5)  # py-spy attaches

            beside = server.beside

            def each_beside_cpu() -> list[float]:
                return [cpu_seconds(pid) for pid in server.beside_pids]

            def beside_cpu() -> float:
                return sum(each_beside_cpu())

            each_before = each_beside_cpu()
            delivered_before = self.remote.deliveries
            measured = post_all(signed, warm, self.args.concurrency, server.pid, start_sampler)
            each_after = each_beside_cpu()
            delivered_during = self.remote.deliveries - delivered_before
            beside_before, beside_after = sum(each_before), sum(each_after)
            # Right after the last answer, from another process: every 202 is on disk.
            queued, done = fedlocal_on_disk(database)
            if sampler:
                profile = sampler[0].stop()
                self.profile = {"file": str(profile_to), **profile.as_dict()}
                print(format_profile(profile), flush=True)
            result = summarise_run(
                self.args.scenario, rep, "fedlocal", workers, self.args.concurrency, measured,
                quiet,
            )  # fmt: skip
            timed_ids = batch.ids[warm:]
            statuses = measured.outcome.statuses
            accepted = [i for i, s in zip(timed_ids, statuses, strict=True) if s == 202]
            result.missing = sum(1 for i in accepted if i not in queued and i not in done)
            result.processed_during_run = sum(1 for i in timed_ids if i in done)
            result.processed_per_second = round(result.processed_during_run / result.seconds, 1)
            if beside is not None:
                result.worker_process_cpu_ms_per_activity = round(
                    (beside_after - beside_before) * 1000 / result.activities, 3
                )
                if len(each_after) > 1:
                    result.worker_process_cpu_seconds = {
                        name: round(after - before, 2)
                        for name, before, after in zip(
                            ("worker", "worker-rest"), each_before, each_after, strict=False
                        )
                    }
            if workers and drain:
                cpu_before = cpu_seconds(server.pid)
                seconds, drained = wait_for_drain(database)
                if not drained:
                    result.notes.append("queue not drained in time")
                result.drain_seconds = round(seconds, 2)
                total_cpu = measured.server_cpu + cpu_seconds(server.pid) - cpu_before
                if beside is not None:
                    total_cpu += beside_cpu() - beside_before
                result.server_cpu_ms_per_activity_with_drain = round(
                    total_cpu * 1000 / result.activities, 3
                )
                result.processed_per_second_with_drain = round(
                    result.accepted / (result.seconds + seconds), 1
                )
                result.deliveries_during_run = delivered_during
                delivery_seconds, delivered = wait_for_deliveries(database)
                if not delivered:
                    result.notes.append("deliveries not drained in time")
                result.deliveries_drain_seconds = round(delivery_seconds, 2)
                result.deliveries_in_all = self.remote.deliveries - delivered_before
        finally:
            server.stop()
        result.gc_pauses = self.gc_pauses(name)
        result.failed_in_queue = fedlocal_queue_state(database)[1]
        if workers and drain:
            result.posts_stored = fedlocal_posts(database, self.remote) - warm
        if profile_to is None:
            self.results.append(result)
        return result

    def run_bare(self, rep: int, batch: Batch, signed: SignedRequests, warm: int) -> RunResult:
        name = f"{self.args.scenario}-rep{rep}-bare"
        database = self.workdir / f"{name}.sqlite3"
        keys = []
        for account in self.remote.actors:
            pem = self.workdir / f"{account.username}.pem"
            pem.write_text(account.public_pem)
            keys += ["--key", f"{account.key_id}={pem}"]
        command = [
            sys.executable, str(BENCH_DIR / "bare_inbox.py"), "--port", str(self.port),
            "--database", str(database), "--base-url", self.base_url, *keys,
        ]  # fmt: skip
        quiet = self.quiet()
        server = Server(command, self.base_url, "/health", self.workdir / f"{name}.log")
        try:
            measured = post_all(signed, warm, self.args.concurrency, server.pid)
            stored = bare_on_disk(database)
        finally:
            server.stop()
        result = summarise_run(
            self.args.scenario, rep, "bare", None, self.args.concurrency, measured, quiet
        )
        statuses = measured.outcome.statuses
        accepted = [i for i, s in zip(batch.ids[warm:], statuses, strict=True) if s == 202]
        result.missing = sum(1 for i in accepted if i not in stored)
        self.results.append(result)
        return result

    def run_kill(self, batch: Batch, signed: SignedRequests, warm: int) -> dict[str, Any]:
        """SIGKILL mid-run, restart, resend what got no 202, drain: nothing 202'd is lost."""
        name = "kill-fedlocal"
        data_dir = self.workdir / name
        shutil.copytree(self.template, data_dir)
        database = data_dir / "fedlocal.sqlite3"
        server = self.fedlocal_server(name, data_dir, workers=True)
        killed_at: dict[str, float] = {}

        async def run_and_kill() -> Outcome:
            async def killer() -> None:
                await asyncio.sleep(self.args.kill_after)
                server.kill()
                killed_at["t"] = time.perf_counter()

            kill_task = asyncio.create_task(killer())
            outcome = await closed_loop(signed, self.args.concurrency)
            await kill_task
            return outcome

        try:
            first = asyncio.run(run_and_kill())
            accepted_before = {i for i, s in enumerate(first.statuses) if s == 202}
            # What the killed process had made durable, read before anything restarts.
            queued, done = fedlocal_on_disk(database)
            lost_at_kill = [
                batch.ids[i]
                for i in accepted_before
                if batch.ids[i] not in queued and batch.ids[i] not in done
            ]
            leased = fedlocal_leased(database)
            server = self.fedlocal_server(name, data_dir, workers=True)
            restarted = time.perf_counter()
            retry = [i for i, s in enumerate(first.statuses) if s != 202]
            second = asyncio.run(closed_loop(signed, self.args.concurrency, indices=retry))
            accepted_after = {i for i in retry if second.statuses[i] == 202}
            # The dead process's leased rows wait for their lease to expire; the rest is
            # processed as usual.
            while fedlocal_queue_state(database)[0] > leased:
                if time.perf_counter() - restarted > DRAIN_DEADLINE:
                    break
                time.sleep(0.05)
            all_but_leased = time.perf_counter() - restarted
            drain_seconds, drained = wait_for_drain(database)
            drain_seconds = time.perf_counter() - restarted
        finally:
            server.stop()
        _, done = fedlocal_on_disk(database)
        accepted = accepted_before | accepted_after
        not_processed = [batch.ids[i] for i in accepted if batch.ids[i] not in done]
        pending, failed = fedlocal_queue_state(database)
        return {
            "activities": len(batch.ids),
            "warm_up_included": warm,
            "killed_after_seconds": self.args.kill_after,
            "accepted_before_kill": len(accepted_before),
            "no_answer_at_kill": len(retry),
            "accepted_on_retry": len(accepted_after),
            "refused_on_retry": len(retry) - len(accepted_after),
            "missing_right_after_kill": len(lost_at_kill),
            "missing_after_drain": len(not_processed),
            "leased_by_killed_process": leased,
            "processed_but_leased_after_restart_seconds": round(all_but_leased, 1),
            "drained": drained,
            "drained_after_restart_seconds": round(drain_seconds, 1),
            "pending": pending,
            "failed_in_queue": failed,
            "posts_stored": fedlocal_posts(database, self.remote),
        }


def print_header() -> None:
    print(
        f"{'rep':>3}  {'target':<23} {'accepted/s':>10}  {'p50':>6} {'p95':>6} {'p99':>6} ms  "
        f"{'non-202':>7} {'missing':>7}  {'srv CPU':>7} {'loop':>5} {'cli CPU':>7} "
        f"{'cs/act':>6} {'others':>6}",
        flush=True,
    )


def print_result(result: RunResult) -> None:
    label = result.target
    if result.workers is not None:
        label += " (workers on)" if result.workers else " (workers off)"
    print(
        f"{result.repetition:>3}  {label:<23} {result.per_second:>10.1f}  "
        f"{result.p50_ms:>6.1f} {result.p95_ms:>6.1f} {result.p99_ms:>6.1f}     "
        f"{result.refused:>7} {result.missing:>7}  {result.server_cpu_ms_per_activity:>7.2f} "
        f"{result.server_event_loop_busy:>5.2f} {result.client_cpu_ms_per_activity:>7.3f} "
        f"{result.server_context_switches_per_activity:>6.1f} {result.background_cores:>6.2f}",
        flush=True,
    )
    if result.workers:
        line = (
            f"     worker: {result.processed_during_run} processed during the run "
            f"({result.processed_per_second}/s)"
        )
        if result.worker_process_cpu_ms_per_activity is not None:
            line += (
                f", worker process CPU {result.worker_process_cpu_ms_per_activity} ms/activity "
                "(in 'others')"
            )
        if result.worker_process_cpu_seconds:
            line += f" {result.worker_process_cpu_seconds} s"
        if result.drain_seconds is not None:
            rest = result.activities - (result.processed_during_run or 0)
            rate = rest / max(result.drain_seconds, 1e-9)
            line += (
                f", the rest drained in {result.drain_seconds}s ({rate:.0f}/s); "
                f"{result.processed_per_second_with_drain}/s over run + drain; "
                f"server CPU {result.server_cpu_ms_per_activity_with_drain} ms/activity "
                f"with processing; posts stored {result.posts_stored}, "
                f"failed {result.failed_in_queue}"
            )
        if result.deliveries_in_all is not None:
            line += (
                f"; deliveries {result.deliveries_during_run} during the run, "
                f"{result.deliveries_in_all} in all, the rest sent "
                f"{result.deliveries_drain_seconds}s after the inbox drained"
            )
        print(line, flush=True)
    if result.p99_ms_by_fifth:
        print(f"     202 p99 by fifth of the run: {result.p99_ms_by_fifth} ms", flush=True)
    for process, phases in result.gc_pauses.items():
        full = phases["after_start"]["2"]
        print(
            f"     {process} process, once started: {full['collections']} full collections, "
            f"{full['total_ms']} ms in all, the longest {full['longest_ms']} ms",
            flush=True,
        )


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "stdev": round(statistics.stdev(values), 3) if len(values) > 1 else 0.0,
    }


def summary(results: list[RunResult]) -> dict[str, Any]:
    fed = {r.repetition: r for r in results if r.target == "fedlocal" and r.workers}
    bare = {r.repetition: r for r in results if r.target == "bare"}
    off = [r for r in results if r.target == "fedlocal" and r.workers is False]
    reps = sorted(set(fed) & set(bare))
    ratios = [fed[i].per_second / bare[i].per_second for i in reps]
    cpu_ratios = [
        bare[i].server_cpu_ms_per_activity / fed[i].server_cpu_ms_per_activity for i in reps
    ]
    p99_ratios = [fed[i].p99_ms / bare[i].p99_ms for i in reps]
    out: dict[str, Any] = {"repetitions": len(reps)}
    for label, runs in (("fedlocal", [fed[i] for i in reps]), ("bare", [bare[i] for i in reps])):
        for key in (
            "per_second",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "server_cpu_ms_per_activity",
            "server_event_loop_busy",
            "server_context_switches_per_activity",
            "client_cpu_ms_per_activity",
            "client_share_of_server_cpu",
            "background_cores",
        ):
            out[f"{label}_{key}"] = spread([getattr(r, key) for r in runs])
    processed = [
        fed[i].processed_per_second / fed[i].per_second
        for i in reps
        if fed[i].processed_per_second is not None
    ]
    out |= {
        "ratio": spread(ratios),
        "ratio_per_repetition": [round(r, 3) for r in ratios],
        "server_cpu_ratio_bare_over_fedlocal": spread(cpu_ratios),
        "p99_ratio_fedlocal_over_bare": spread(p99_ratios),
        "processed_over_accepted_during_run": spread(processed) if processed else None,
        "refused_total": sum(r.refused for r in results),
        "missing_total": sum(r.missing for r in results),
        "target_met": bool(ratios) and statistics.median(ratios) >= 0.5,
    }
    if off:
        out["fedlocal_workers_off_per_second"] = spread([r.per_second for r in off])
        out["fedlocal_workers_off_server_cpu_ms_per_activity"] = spread(
            [r.server_cpu_ms_per_activity for r in off]
        )
    return out


def print_summary(figures: dict[str, Any]) -> None:
    def line(label: str, key: str, unit: str = "") -> None:
        f = figures[key]
        if f is None:
            return
        print(
            f"  {label:<42} median {f['median']:>8.3f}{unit}  "
            f"(min {f['min']:.3f}, max {f['max']:.3f}, stdev {f['stdev']:.3f})"
        )

    print(f"\nOver {figures['repetitions']} interleaved repetitions:")
    line("fedlocal accepted/s (workers on)", "fedlocal_per_second")
    line("bare accepted/s", "bare_per_second")
    line("ratio fedlocal/bare", "ratio")
    line("processed/accepted during the run", "processed_over_accepted_during_run")
    line("fedlocal p50 latency", "fedlocal_p50_ms", " ms")
    line("fedlocal p99 latency", "fedlocal_p99_ms", " ms")
    line("bare p50 latency", "bare_p50_ms", " ms")
    line("bare p99 latency", "bare_p99_ms", " ms")
    line("p99 ratio fedlocal/bare", "p99_ratio_fedlocal_over_bare")
    line("fedlocal server CPU per activity", "fedlocal_server_cpu_ms_per_activity", " ms")
    line("bare server CPU per activity", "bare_server_cpu_ms_per_activity", " ms")
    line("client CPU per request (fedlocal runs)", "fedlocal_client_cpu_ms_per_activity", " ms")
    line("client CPU per request (bare runs)", "bare_client_cpu_ms_per_activity", " ms")
    line("client CPU / bare server CPU", "bare_client_share_of_server_cpu")
    line("fedlocal context switches per activity", "fedlocal_server_context_switches_per_activity")
    line("bare context switches per activity", "bare_server_context_switches_per_activity")
    if "fedlocal_workers_off_per_second" in figures:
        line("fedlocal accepted/s (workers off)", "fedlocal_workers_off_per_second")


def run_scenario(bench: Bench, warm_count: int) -> dict[str, Any] | None:
    args = bench.args
    if args.scenario == "kill":
        batch = bench.batch(args.activities)
        print(f"kill: {args.activities} activities, SIGKILL after {args.kill_after}s", flush=True)
        report = bench.run_kill(batch, bench.sign(batch), 0)
        print(json.dumps(report), flush=True)
        return report
    print_header()
    for rep in range(1, args.repeat + 1):
        # The same bytes go to every server of a repetition; each fedlocal run starts from
        # a copy of the template, so nothing is a duplicate.
        batch = bench.batch(warm_count + args.activities)
        if rep == 1:
            print(f"bodies: {batch.kinds()}", flush=True)
        signed = bench.sign(batch)
        drain = args.scenario == "sustained" or args.drain == "all" or rep == 1
        for target in ["fedlocal", "bare"] if rep % 2 else ["bare", "fedlocal"]:
            if target == "fedlocal":
                result = bench.run_fedlocal(
                    rep, batch, signed, warm_count, workers=True, drain=drain
                )
            else:
                result = bench.run_bare(rep, batch, signed, warm_count)
            print_result(result)
        if args.scenario == "burst" and rep <= args.workers_off_runs:
            result = bench.run_fedlocal(rep, batch, signed, warm_count, workers=False, drain=False)
            print_result(result)
    if args.profile:
        batch = bench.batch(warm_count + args.activities)
        profiled = bench.run_fedlocal(
            0, batch, bench.sign(batch), warm_count, workers=True, drain=False,
            profile_to=Path(args.profile).resolve(),
        )  # fmt: skip
        print(f"(profiled run, not in the figures: {profiled.per_second}/s under py-spy)")
    if not args.repeat:
        return None
    figures = summary(bench.results)
    print_summary(figures)
    r = figures["ratio"]
    print(
        f"\nratio fedlocal/bare (median of {figures['repetitions']}): {r['median']:.3f} "
        f"(min {r['min']:.3f}, max {r['max']:.3f}); target 0.5 "
        f"{'met' if figures['target_met'] else 'NOT met'}; "
        f"non-202 {figures['refused_total']}, missing {figures['missing_total']}"
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="fedlocal inbox throughput against a bare inbox")
    parser.add_argument(
        "scenario", choices=sorted(SCENARIO_DEFAULTS), nargs="?", default="sustained"
    )
    parser.add_argument("--activities", "-n", type=int, help="per server and repetition")
    parser.add_argument("--concurrency", "-c", type=int, default=32)
    parser.add_argument("--repeat", "-r", type=int)
    parser.add_argument("--warmup", type=int, default=0, help="default: 4 × concurrency")
    parser.add_argument(
        "--public-only",
        action="store_true",
        help="only public posts to followers (no mentions, direct messages or group posts)",
    )
    parser.add_argument("--kill-after", type=float, default=4.0, help="kill: seconds (default 4)")
    parser.add_argument(
        "--workers-off-runs",
        type=int,
        default=1,
        help="burst: repetitions that add a run with run_workers = false (default 1)",
    )
    parser.add_argument(
        "--drain",
        choices=["all", "first"],
        default="first",
        help="burst: after which fedlocal runs to wait for the worker (sustained: all)",
    )
    parser.add_argument(
        "--quiet-cores",
        type=float,
        default=0.5,
        help="before each run, wait until the machine uses fewer cores than this (default 0.5)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=10.0,
        help="... for at most this many seconds (default 10)",
    )
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="fedlocal's workers in a `fedlocal worker` process beside `fedlocal serve`",
    )
    parser.add_argument(
        "--split-workers",
        action="store_true",
        help="with --worker-process: two worker processes, one for the inbox "
        "(`--queues inbox`), one for the rest",
    )
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="fedlocal's processes without fedlocal/gc_freeze.py (to measure what it does)",
    )
    parser.add_argument(
        "--backlog-limit",
        type=int,
        help="fedlocal's inbox_backlog_limit (default: the server's; 0 never holds requests)",
    )
    parser.add_argument("--profile", metavar="RAW", help="one extra run under py-spy")
    parser.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    defaults = SCENARIO_DEFAULTS[args.scenario]
    args.activities = args.activities or defaults["activities"]
    args.repeat = defaults["repeat"] if args.repeat is None else args.repeat
    warm_count = args.warmup or 4 * args.concurrency

    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB, "
        f"Python {info['python']}, SQLite {info['sqlite']}, {info['os']}, {info['filesystem']}",
        flush=True,
    )
    print(f"code: {info['code']}; packages: {info['packages']}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-bench-"))
    remote = RemoteInstance()
    started = time.monotonic()
    try:
        port = free_port()
        template, audience = prepare_template(workdir, port, remote)
        bench = Bench(args, workdir, remote, template, audience, port)
        sample = bench.batch(50)
        print(
            f"{args.scenario}: N={args.activities} C={args.concurrency} R={args.repeat} "
            f"warm-up={warm_count}; body {statistics.mean(len(b) for b in sample.bodies):.0f} "
            f"bytes on average",
            flush=True,
        )
        figures = run_scenario(bench, warm_count)
        print(
            f"remote: documents fetched {remote.fetches}x, {remote.deliveries} deliveries "
            f"received; {time.monotonic() - started:.0f}s"
        )
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(
                json.dumps(
                    {
                        "command": " ".join([Path(sys.executable).name, *sys.argv]),
                        "machine": info,
                        "settings": {
                            "scenario": args.scenario,
                            "activities": args.activities,
                            "concurrency": args.concurrency,
                            "repeat": args.repeat,
                            "warmup": warm_count,
                        },
                        "summary": figures,
                        "runs": [asdict(r) for r in bench.results],
                        "profile": bench.profile,
                    },
                    indent=2,
                )
            )
        if args.scenario == "kill":
            assert figures is not None
            return 0 if figures["missing_after_drain"] == 0 else 1
        refused = sum(r.refused for r in bench.results)
        missing = sum(r.missing for r in bench.results)
        return 0 if refused == 0 and missing == 0 else 1
    finally:
        remote.close()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
