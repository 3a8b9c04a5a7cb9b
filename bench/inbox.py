"""Inbox throughput: fedlocal's shared inbox against a bare verify-and-insert endpoint.

    python bench/inbox.py [--activities N] [--concurrency C] [--repeat R] [--json out.json]

One run of this script:

1. serves a "remote" Mastodon-like actor on loopback (fresh RSA-2048 key) from a thread
   (`remote_actor.py`);
2. prepares a template fedlocal instance once: `fedlocal user create` (CLI), then the
   instance's own `RemoteActors` fetches the remote actor and its key, and a local resident
   follows it (accepted, written through `fedlocal.store`), so every Create is related to
   someone here and the inbox worker stores it as a post;
3. for each repetition, alternating which goes first: starts `python -m fedlocal serve`
   (workers on, as in production) on a fresh copy of the template, and
   `bench/bare_inbox.py`, each as its own process; for each, signs the repetition's N
   `Create(Note)` activities (draft-cavage rsa-sha256, ~1.7 KB bodies shaped like
   Mastodon's) for that server's URL before the clock starts, sends a warm-up batch, then
   posts the N at concurrency C (C httpx.AsyncClients, one HTTP/1.1 keep-alive connection
   and one request in flight each) and stops the clock at the last answer;
4. checks, right after the last answer and from another process, that every 202'd
   activity id is in the inbox queue or already processed (one read snapshot of the
   SQLite file); after the first repetition (see --drain) waits for the worker to drain
   the queue and counts the stored posts;
5. adds a run with `run_workers = false` (the worker's share) and, with --profile, one
   unmeasured run under py-spy (`pyspy_report.py`);
6. prints a table, the median ratio fedlocal/bare over the repetitions with its spread,
   and the machine and code measured (`processes.py`); --json writes everything.

Only loopback is used. Server CPU time is read from /proc/<pid>/stat around the timed
part, so a per-activity CPU cost is reported beside the rate: on a small machine the client
competes with the server for CPU, and the CPU cost is the figure it cannot distort.
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

import httpx

from fedlocal.cli.runtime import open_instance, resident
from fedlocal.store import follows as follow_store
from fedlocal.store.tables import inbox_queue, objects, received_activities

sys.path.insert(0, str(Path(__file__).resolve().parent))
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
)
from pyspy_report import Sampler, format_profile  # noqa: E402
from remote_actor import Batch, RemoteActor, make_batch, sign_batch  # noqa: E402

RESIDENT = "lecteur"
DRAIN_DEADLINE = 300.0


def write_config(path: Path, *, port: int, data_dir: Path, run_workers: bool) -> None:
    path.write_text(
        "\n".join(
            [
                'name = "Bench"',
                f'base_url = "http://127.0.0.1:{port}"',
                f'data_dir = "{data_dir}"',
                "allow_private_addresses = true",
                'log_level = "warning"',
                f"run_workers = {'true' if run_workers else 'false'}",
                "",
            ]
        )
    )


def prepare_template(workdir: Path, port: int, actor: RemoteActor) -> Path:
    """A data directory with a resident who follows the remote actor (key already fetched)."""
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
    asyncio.run(_follow(config, actor))
    return data_dir


async def _follow(config: Path, actor: RemoteActor) -> None:
    async with open_instance(str(config)) as federation:
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


# --- the client ---------------------------------------------------------------------------


@dataclass
class RunResult:
    repetition: int
    target: str  # "fedlocal" or "bare"
    workers: bool | None
    activities: int
    concurrency: int
    seconds: float
    accepted: int
    refused: int
    statuses: dict[str, int]
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms_per_activity: float
    server_event_loop_busy: float  # CPU of the server's main thread / wall time
    server_context_switches_per_activity: float
    client_cpu_ms_per_activity: float
    background_cores: float  # CPU used by other processes during the run
    idle_cores_before: float  # machine CPU use just before the run
    missing: int = -1  # 202'd ids not on disk right after the run
    processed_during_run: int | None = None
    drain_seconds: float | None = None
    posts_stored: int | None = None
    failed_in_queue: int | None = None
    notes: list[str] = field(default_factory=list)


async def _drive(
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


@dataclass
class Measured:
    statuses: list[int]
    latencies: list[float]
    wall: float
    server_cpu: float
    server_main_cpu: float  # the event loop thread
    server_switches: int  # context switches of the server's threads
    client_cpu: float
    background_cpu: float  # every other process on the machine, in CPU-seconds


async def post_all(
    url: str,
    warmup: list[tuple[dict[str, str], bytes]],
    timed: list[tuple[dict[str, str], bytes]],
    concurrency: int,
    server_pid: int,
    on_timed_start: Callable[[], None] | None = None,
) -> Measured:
    """Warm up (opening every connection), then post `timed` and measure.

    One AsyncClient per connection rather than one client with a pool of C: httpcore's
    pool re-examines every connection on each request (encode/httpx#3215), which at C=32
    cost this client ~3 ms of CPU per request instead of ~1.2 ms, on the core the server
    needs.
    """
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(limits=limits, timeout=120.0) for _ in range(concurrency)]
    try:
        warm_statuses, _ = await _drive(clients, url, warmup)
        if any(s != 202 for s in warm_statuses):
            raise RuntimeError(f"warm-up refused: {sorted(set(warm_statuses))}")
        if on_timed_start is not None:
            on_timed_start()
        gc.collect()
        gc.disable()
        try:
            main0, server0 = thread_cpu_seconds(server_pid, server_pid), cpu_seconds(server_pid)
            switches0 = context_switches(server_pid)
            client0, machine0 = time.process_time(), machine_busy_seconds()
            start = time.perf_counter()
            statuses, latencies = await _drive(clients, url, timed)
            wall = time.perf_counter() - start
            machine1, client1 = machine_busy_seconds(), time.process_time()
            server1, main1 = cpu_seconds(server_pid), thread_cpu_seconds(server_pid, server_pid)
            switches1 = context_switches(server_pid)
        finally:
            gc.enable()
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    server_cpu, client_cpu = server1 - server0, client1 - client0
    return Measured(
        statuses=statuses,
        latencies=latencies,
        wall=wall,
        server_cpu=server_cpu,
        server_main_cpu=main1 - main0,
        server_switches=switches1 - switches0,
        client_cpu=client_cpu,
        background_cpu=max(0.0, machine1 - machine0 - server_cpu - client_cpu),
    )


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def summarise_run(
    repetition: int,
    target: str,
    workers: bool | None,
    concurrency: int,
    measured: Measured,
    quiet: float,
) -> RunResult:
    statuses = measured.statuses
    accepted = sum(1 for s in statuses if s == 202)
    counts: dict[str, int] = {}
    for s in statuses:
        counts[str(s)] = counts.get(str(s), 0) + 1
    ordered = sorted(measured.latencies)
    n = len(statuses)
    wall = measured.wall
    return RunResult(
        repetition=repetition,
        target=target,
        workers=workers,
        activities=n,
        concurrency=concurrency,
        seconds=round(wall, 3),
        accepted=accepted,
        refused=n - accepted,
        statuses=counts,
        per_second=round(accepted / wall, 1),
        p50_ms=round(percentile(ordered, 50) * 1000, 1),
        p95_ms=round(percentile(ordered, 95) * 1000, 1),
        p99_ms=round(percentile(ordered, 99) * 1000, 1),
        server_cpu_ms_per_activity=round(measured.server_cpu * 1000 / n, 3),
        server_event_loop_busy=round(measured.server_main_cpu / wall, 2),
        server_context_switches_per_activity=round(measured.server_switches / n, 1),
        client_cpu_ms_per_activity=round(measured.client_cpu * 1000 / n, 3),
        background_cores=round(measured.background_cpu / wall, 2),
        idle_cores_before=round(quiet, 2),
    )


# --- durability checks --------------------------------------------------------------------
# Table names come from fedlocal's own metadata, never from input (hence the S608 waivers).


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def fedlocal_on_disk(path: Path) -> tuple[set[str], set[str]]:
    """Activity ids in the inbox queue and among the processed, from one read snapshot."""
    conn = _connect(path)
    try:
        conn.execute("BEGIN")
        queued = {r[0] for r in conn.execute(f"SELECT activity_uri FROM {inbox_queue.name}")}  # noqa: S608
        done = {r[0] for r in conn.execute(f"SELECT uri FROM {received_activities.name}")}  # noqa: S608
        conn.execute("COMMIT")
        return queued, done
    finally:
        conn.close()


def fedlocal_queue_state(path: Path) -> tuple[int, int]:
    conn = _connect(path)
    try:
        query = f"SELECT state, count(*) FROM {inbox_queue.name} GROUP BY state"  # noqa: S608
        rows = dict(conn.execute(query))
        return rows.get("pending", 0), rows.get("failed", 0)
    finally:
        conn.close()


def fedlocal_posts(path: Path, actor: RemoteActor) -> int:
    conn = _connect(path)
    try:
        query = f"SELECT count(*) FROM {objects.name} WHERE uri LIKE ?"  # noqa: S608
        return conn.execute(query, (actor.uri + "/statuses/%",)).fetchone()[0]
    finally:
        conn.close()


def bare_on_disk(path: Path) -> set[str]:
    conn = _connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT json_extract(body, '$.id') FROM inbox")}
    finally:
        conn.close()


# --- runs ---------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    actor: RemoteActor
    template: Path
    fedlocal_port: int
    next_status: int = 1
    results: list[RunResult] = field(default_factory=list)
    profile: dict[str, Any] | None = None

    def batch(self, count: int) -> Batch:
        batch = make_batch(self.actor, self.next_status, count)
        self.next_status += count
        return batch

    def quiet(self) -> float:
        return wait_for_quiet(self.args.quiet_cores, self.args.quiet_wait)

    def run_fedlocal(
        self,
        rep: int,
        warm: Batch,
        timed: Batch,
        *,
        workers: bool,
        drain: bool,
        profile_to: Path | None = None,
    ) -> RunResult:
        name = f"rep{rep}-fedlocal-{'workers' if workers else 'noworkers'}"
        if profile_to:
            name += "-profile"
        data_dir = self.workdir / name
        shutil.copytree(self.template, data_dir)
        config = self.workdir / f"{name}.toml"
        write_config(config, port=self.fedlocal_port, data_dir=data_dir, run_workers=workers)
        base_url = f"http://127.0.0.1:{self.fedlocal_port}"
        url = f"{base_url}/inbox"
        warm_requests = sign_batch(self.actor, url, warm)
        timed_requests = sign_batch(self.actor, url, timed)
        command = [sys.executable, "-m", "fedlocal", "serve", "--config", str(config)]
        database = data_dir / "fedlocal.sqlite3"
        sampler: list[Sampler] = []
        quiet = self.quiet()
        server = Server(command, base_url, "/inbox", self.workdir / f"{name}.log")
        try:

            def start_sampler() -> None:
                if profile_to is not None:
                    sampler.append(Sampler(server.pid, profile_to))
                    time.sleep(0.5)  # py-spy attaches

            measured = asyncio.run(
                post_all(
                    url, warm_requests, timed_requests, self.args.concurrency, server.pid,
                    start_sampler,
                )
            )  # fmt: skip
            # Right after the last answer, from another process: every 202 is on disk.
            queued, done = fedlocal_on_disk(database)
            if sampler:
                profile = sampler[0].stop()
                self.profile = {"file": str(profile_to), **profile.as_dict()}
                print(format_profile(profile), flush=True)
            result = summarise_run(rep, "fedlocal", workers, self.args.concurrency, measured, quiet)
            accepted = [i for i, s in zip(timed.ids, measured.statuses, strict=True) if s == 202]
            result.missing = sum(1 for i in accepted if i not in queued and i not in done)
            result.processed_during_run = sum(1 for i in timed.ids if i in done)
            if workers and drain:
                start = time.perf_counter()
                while fedlocal_queue_state(database)[0] > 0:
                    if time.perf_counter() - start > DRAIN_DEADLINE:
                        result.notes.append("queue not drained in time")
                        break
                    time.sleep(0.05)
                result.drain_seconds = round(time.perf_counter() - start, 2)
        finally:
            server.stop()
        result.failed_in_queue = fedlocal_queue_state(database)[1]
        if workers and drain:
            result.posts_stored = fedlocal_posts(database, self.actor) - len(warm.ids)
        if profile_to is None:
            self.results.append(result)
        return result

    def run_bare(self, rep: int, warm: Batch, timed: Batch) -> RunResult:
        name = f"rep{rep}-bare"
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        url = f"{base_url}/inbox"
        database = self.workdir / f"{name}.sqlite3"
        pem = self.workdir / "alice.pem"
        pem.write_text(self.actor.public_pem)
        command = [
            sys.executable, str(BENCH_DIR / "bare_inbox.py"), "--port", str(port),
            "--database", str(database), "--base-url", base_url,
            "--key", f"{self.actor.key_id}={pem}",
        ]  # fmt: skip
        warm_requests = sign_batch(self.actor, url, warm)
        timed_requests = sign_batch(self.actor, url, timed)
        quiet = self.quiet()
        server = Server(command, base_url, "/health", self.workdir / f"{name}.log")
        try:
            measured = asyncio.run(
                post_all(url, warm_requests, timed_requests, self.args.concurrency, server.pid)
            )
            stored = bare_on_disk(database)
        finally:
            server.stop()
        result = summarise_run(rep, "bare", None, self.args.concurrency, measured, quiet)
        accepted = [i for i, s in zip(timed.ids, measured.statuses, strict=True) if s == 202]
        result.missing = sum(1 for i in accepted if i not in stored)
        self.results.append(result)
        return result


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
        f"{result.server_event_loop_busy:>5.2f} {result.client_cpu_ms_per_activity:>7.2f} "
        f"{result.server_context_switches_per_activity:>6.1f} {result.background_cores:>6.2f}",
        flush=True,
    )
    if result.workers:
        line = f"     worker: {result.processed_during_run} processed during the run"
        if result.drain_seconds is not None:
            rate = (result.activities - result.processed_during_run) / max(
                result.drain_seconds, 1e-9
            )
            line += (
                f", the rest drained in {result.drain_seconds}s ({rate:.0f}/s); "
                f"posts stored {result.posts_stored}, failed {result.failed_in_queue}"
            )
        print(line, flush=True)


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
            "background_cores",
        ):
            out[f"{label}_{key}"] = spread([getattr(r, key) for r in runs])
    out |= {
        "ratio": spread(ratios),
        "ratio_per_repetition": [round(r, 3) for r in ratios],
        "server_cpu_ratio_bare_over_fedlocal": spread(cpu_ratios),
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
        print(
            f"  {label:<38} median {f['median']:>8.2f}{unit}  "
            f"(min {f['min']:.2f}, max {f['max']:.2f}, stdev {f['stdev']:.2f})"
        )

    print(f"\nOver {figures['repetitions']} interleaved repetitions:")
    line("fedlocal accepted/s (workers on)", "fedlocal_per_second")
    line("bare accepted/s", "bare_per_second")
    line("ratio fedlocal/bare", "ratio")
    line("fedlocal p50 latency", "fedlocal_p50_ms", " ms")
    line("fedlocal p99 latency", "fedlocal_p99_ms", " ms")
    line("bare p50 latency", "bare_p50_ms", " ms")
    line("bare p99 latency", "bare_p99_ms", " ms")
    line("fedlocal server CPU per activity", "fedlocal_server_cpu_ms_per_activity", " ms")
    line("bare server CPU per activity", "bare_server_cpu_ms_per_activity", " ms")
    line("server CPU ratio bare/fedlocal", "server_cpu_ratio_bare_over_fedlocal")
    line("fedlocal context switches per activity", "fedlocal_server_context_switches_per_activity")
    line("bare context switches per activity", "bare_server_context_switches_per_activity")
    if "fedlocal_workers_off_per_second" in figures:
        line("fedlocal accepted/s (workers off)", "fedlocal_workers_off_per_second")


def main() -> int:
    parser = argparse.ArgumentParser(description="fedlocal inbox throughput against a bare inbox")
    parser.add_argument("--activities", "-n", type=int, default=3000)
    parser.add_argument("--concurrency", "-c", type=int, default=32)
    parser.add_argument("--repeat", "-r", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=0, help="default: 4 × concurrency")
    parser.add_argument(
        "--workers-off-runs",
        type=int,
        default=1,
        help="repetitions that add a run with run_workers = false (default 1)",
    )
    parser.add_argument(
        "--drain",
        choices=["all", "first", "none"],
        default="first",
        help="after which fedlocal runs to wait for the worker to process everything",
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
    parser.add_argument("--profile", metavar="RAW", help="one extra run under py-spy")
    parser.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    warm_count = args.warmup or 4 * args.concurrency

    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB, "
        f"Python {info['python']}, SQLite {info['sqlite']}, {info['os']}, {info['filesystem']}",
        flush=True,
    )
    print(f"code: {info['code']}; packages: {info['packages']}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-bench-"))
    actor = RemoteActor()
    started = time.monotonic()
    try:
        port = free_port()
        template = prepare_template(workdir, port, actor)
        bench = Bench(args, workdir, actor, template, port)
        print(
            f"N={args.activities} C={args.concurrency} R={args.repeat} warm-up={warm_count}; "
            f"body {statistics.mean(len(b) for b in bench.batch(10).bodies):.0f} bytes",
            flush=True,
        )
        print_header()
        for rep in range(1, args.repeat + 1):
            # The same bodies go to every server of a repetition; each fedlocal run starts
            # from a copy of the template, so nothing is a duplicate.
            warm, timed = bench.batch(warm_count), bench.batch(args.activities)
            drain = args.drain == "all" or (args.drain == "first" and rep == 1)
            for target in ["fedlocal", "bare"] if rep % 2 else ["bare", "fedlocal"]:
                if target == "fedlocal":
                    result = bench.run_fedlocal(rep, warm, timed, workers=True, drain=drain)
                else:
                    result = bench.run_bare(rep, warm, timed)
                print_result(result)
            if rep <= args.workers_off_runs:
                result = bench.run_fedlocal(rep, warm, timed, workers=False, drain=False)
                print_result(result)
        if args.profile:
            warm, timed = bench.batch(warm_count), bench.batch(args.activities)
            profiled = bench.run_fedlocal(
                0, warm, timed, workers=True, drain=False, profile_to=Path(args.profile).resolve()
            )
            print(f"(profiled run, not in the figures: {profiled.per_second}/s under py-spy)")
        figures = summary(bench.results) if args.repeat else None
        if figures:
            print_summary(figures)
            r = figures["ratio"]
            print(
                f"\nratio fedlocal/bare (median of {figures['repetitions']}): {r['median']:.3f} "
                f"(min {r['min']:.3f}, max {r['max']:.3f}); target 0.5 "
                f"{'met' if figures['target_met'] else 'NOT met'}; "
                f"non-202 {figures['refused_total']}, missing {figures['missing_total']}"
            )
        print(f"actor document fetched {actor.fetches}x; {time.monotonic() - started:.0f}s")
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(
                json.dumps(
                    {
                        "command": " ".join([Path(sys.executable).name, *sys.argv]),
                        "machine": info,
                        "settings": {
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
        refused = sum(r.refused for r in bench.results)
        missing = sum(r.missing for r in bench.results)
        return 0 if refused == 0 and missing == 0 else 1
    finally:
        actor.close()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
