"""The inbox under a steady flow: activities arriving at a fixed rate (open loop), as they
do from busy peers and relays, rather than in one burst.

For each rate, a fresh `fedlocal serve` (workers on) receives RATE signed Mastodon-shaped
`Create(Note)`s per second for SECONDS seconds (the same mix as `inbox.py`: posts from
followed accounts, mentions of and direct messages to a resident, posts into a group),
each sent at its own time whatever the server's answers, by the light load client of
`load_client.py` (pre-signed requests, raw keep-alive connections, up to 256 requests open
at once; a request that cannot start within 50 ms of its time is counted late). Before
the flow, 128 activities are sent over 16 connections and the script waits until they are
processed and delivered: the flow starts on running workers, as on a live instance (before
6 December 2026 it started while the worker processes were still starting, and its first
requests waited up to 2.3 s).

Reported per rate: the rate the flow actually held, what was accepted, what the worker
processed during the flow, what was still pending at its end (issue 18's target: at most
10 % of what was sent), how the backlog moved over the second half of the flow (pending is
sampled every second), the 202's latency, the CPU of server and client per activity, and
how long the rest took to drain.

A flow's backlog counts as **bounded** when pending at its end is at most 10 % of what was
sent, the backlog grew by less than 5 % of the rate per second over the second half of
the flow, and the flow was held: at least 95 % of the rate, with at most 1 % of the
requests started late. The last condition matters since the inbox holds requests back
once its backlog passes three quarters of `inbox_backlog_limit`
(fedlocal/federation/admission.py): above what the instance processes, the queue stays
short and the backlog moves to the sender, as requests held open, started late, and a
rate not held.

With --search, after the listed rates the script looks for the highest bounded
rate: it bisects between the highest bounded and the lowest unbounded rate measured so
far, down to a step of --resolution activities/s.

    .venv/bin/python bench/inbox_open_loop.py --rates 40 80 150 --seconds 30 --search

With --worker-process the workers run in a `fedlocal worker` process beside `fedlocal
serve` (`run_workers = false`), the other form an instance on SQLite may take; the
server's CPU is then both processes'. With --split-workers as well, two worker processes:
one for the inbox (`--queues inbox`), one for the rest.

What it leaves out: bursts (bench/inbox.py), other verbs than Create, PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inbox import (  # noqa: E402
    _connect,
    fedlocal_queue_state,
    percentile,
    prepare_template,
    require_accepted,
    wait_for_drain,
    wait_for_workers_idle,
    write_config,
)
from load_client import closed_loop, open_loop, presign  # noqa: E402
from processes import Server, cpu_seconds, free_port, machine, machine_busy_seconds  # noqa: E402
from remote_actor import Audience, RemoteInstance, make_batch  # noqa: E402

from fedlocal.store.database import inbox_file_of  # noqa: E402

MAX_OPEN = 256
# Sent over a few connections before the flow, then processed and delivered: the flow
# starts on a server whose worker processes are running, as on a live instance.
WARMUP = 128
WARMUP_CONNECTIONS = 16
PENDING_TARGET = 0.10
GROWTH_LIMIT = 0.05  # of the rate, per second, over the flow's second half
HELD_TARGET = 0.95  # of the rate: below it, the sender was held back
LATE_TARGET = 0.01  # of the requests sent


@dataclass
class FlowResult:
    rate: int
    seconds: float
    held_rate: float  # sent / time to start the last request
    sent: int
    accepted: int
    refused: int
    statuses: dict[str, int]
    resent: int  # sent again after a kept-alive connection closed under them
    late_starts: int
    pending_at_end: int
    pending_share: float
    backlog_growth_per_second: float  # slope of pending over the second half of the flow
    bounded: bool
    processed_during_flow: int
    processed_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    drain_seconds: float
    server_cpu_ms_per_activity: float  # during the flow
    client_cpu_ms_per_activity: float  # the load client's event loop thread
    background_cores: float
    pending_samples: list[int] = field(default_factory=list)


class PendingSampler:
    """Counts pending inbox rows every second from a thread (a WAL reader: never blocks
    the server's writes)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = _connect(Path(inbox_file_of(str(self.database))))
        start = time.perf_counter()
        try:
            while not self._stop.wait(1.0):
                try:
                    (pending,) = conn.execute(
                        "SELECT count(*) FROM inbox_queue WHERE state = 'pending'"
                    ).fetchone()
                except sqlite3.Error:
                    continue
                self.samples.append((time.perf_counter() - start, pending))
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def slope(points: list[tuple[float, int]]) -> float:
    """Least-squares slope of pending over time."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_p = sum(p for _, p in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (p - mean_p) for t, p in points) / var if var else 0.0


@dataclass
class OpenLoop:
    workdir: Path
    template: Path
    remote: RemoteInstance
    audience: Audience
    port: int
    seconds: float
    worker_process: bool = False
    split_workers: bool = False
    next_status: int = 1_000_000

    def run(self, rate: int) -> FlowResult:
        name = f"rate-{rate}-{self.next_status}"
        data_dir = self.workdir / name
        shutil.copytree(self.template, data_dir)
        config = self.workdir / f"{name}.toml"
        write_config(config, port=self.port, data_dir=data_dir, run_workers=not self.worker_process)
        base_url = f"http://127.0.0.1:{self.port}"
        count = int(rate * self.seconds)
        batch = make_batch(self.remote.actors, self.next_status, WARMUP + count, self.audience)
        self.next_status += WARMUP + count
        warm = presign(f"{base_url}/inbox", batch.bodies[:WARMUP], batch.senders[:WARMUP])
        offsets = [i / rate for i in range(count)]
        signed = presign(
            f"{base_url}/inbox",
            batch.bodies[WARMUP:],
            batch.senders[WARMUP:],
            send_offsets=offsets,
        )
        server = Server(
            [sys.executable, "-m", "fedlocal", "serve", "--config", str(config)],
            base_url,
            "/inbox",
            self.workdir / f"{name}.log",
        )
        if self.worker_process:
            worker = [sys.executable, "-m", "fedlocal", "worker", "--config", str(config)]
            server.beside = subprocess.Popen(
                [*worker, *(["--queues", "inbox"] if self.split_workers else [])],
                stdout=server._log_file,
                stderr=subprocess.STDOUT,
            )
            if self.split_workers:
                rest = ["--queues", "deliveries,push,exports,maintenance"]
                server.also = (
                    subprocess.Popen(
                        [*worker, *rest], stdout=server._log_file, stderr=subprocess.STDOUT
                    ),
                )
        pids = [server.pid, *server.beside_pids]
        database = data_dir / "fedlocal.sqlite3"
        try:
            require_accepted(asyncio.run(closed_loop(warm, WARMUP_CONNECTIONS)).statuses, "warm-up")
            wait_for_workers_idle(database)
            signed.check(offsets)
            sampler = PendingSampler(database)
            server0, machine0, process0 = (
                sum(cpu_seconds(pid) for pid in pids),
                machine_busy_seconds(),
                time.process_time(),
            )
            outcome = asyncio.run(open_loop(signed, rate, max_open=MAX_OPEN))
            pending, _failed = fedlocal_queue_state(database)
            server_cpu = sum(cpu_seconds(pid) for pid in pids) - server0
            others = (
                machine_busy_seconds() - machine0 - server_cpu - (time.process_time() - process0)
            )
            sampler.stop()
            drained, _ = wait_for_drain(database)
        finally:
            server.stop()
        accepted = sum(1 for s in outcome.statuses if s == 202)
        ordered = sorted(
            lat for lat, s in zip(outcome.latencies, outcome.statuses, strict=True) if s == 202
        )
        flow_seconds = outcome.wall
        half = [(t, p) for t, p in sampler.samples if t >= flow_seconds / 2 and t <= flow_seconds]
        growth = slope(half)
        counts: dict[str, int] = {}
        for status in outcome.statuses:
            counts[str(status)] = counts.get(str(status), 0) + 1
        held = count / max(outcome.started[-1], 1e-9) if count > 1 else float(rate)
        bounded = (
            pending <= PENDING_TARGET * count
            and growth < GROWTH_LIMIT * rate
            and held >= HELD_TARGET * rate
            and outcome.late_starts <= LATE_TARGET * count
        )
        return FlowResult(
            rate=rate,
            seconds=round(flow_seconds, 1),
            held_rate=round(held, 1),
            sent=count,
            accepted=accepted,
            refused=count - accepted,
            statuses=counts,
            resent=outcome.resent,
            late_starts=outcome.late_starts,
            pending_at_end=pending,
            pending_share=round(pending / count, 3),
            backlog_growth_per_second=round(growth, 1),
            bounded=bounded,
            processed_during_flow=accepted - pending,
            processed_per_second=round((accepted - pending) / flow_seconds, 1),
            p50_ms=round(percentile(ordered, 50) * 1000, 1),
            p95_ms=round(percentile(ordered, 95) * 1000, 1),
            p99_ms=round(percentile(ordered, 99) * 1000, 1),
            drain_seconds=round(drained, 1),
            server_cpu_ms_per_activity=round(server_cpu * 1000 / count, 2),
            client_cpu_ms_per_activity=round(outcome.client_cpu_ms_per_request, 3),
            background_cores=round(max(0.0, others) / flow_seconds, 2),
            pending_samples=[p for _, p in sampler.samples],
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[40, 80, 150])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--search", action="store_true", help="find the highest bounded rate")
    parser.add_argument("--resolution", type=int, default=10, help="search step (default 10/s)")
    parser.add_argument("--max-runs", type=int, default=4, help="search runs at most (default 4)")
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="the workers in a `fedlocal worker` process beside `fedlocal serve`",
    )
    parser.add_argument(
        "--split-workers",
        action="store_true",
        help="with --worker-process: two worker processes, one for the inbox "
        "(`--queues inbox`), one for the rest",
    )
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores; code: {info['code']}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-openloop-"))
    remote = RemoteInstance()
    results: list[FlowResult] = []

    def measure(rate: int) -> FlowResult:
        result = flows.run(rate)
        results.append(result)
        shown = {k: v for k, v in asdict(result).items() if k != "pending_samples"}
        print(json.dumps(shown), flush=True)
        return result

    try:
        port = free_port()
        template, audience = prepare_template(workdir, port, remote)
        flows = OpenLoop(
            workdir,
            template,
            remote,
            audience,
            port,
            args.seconds,
            args.worker_process,
            args.split_workers and args.worker_process,
        )
        for rate in args.rates:
            measure(rate)
        highest = None
        if args.search:
            for _ in range(args.max_runs):
                ok = [r.rate for r in results if r.bounded]
                not_ok = [r.rate for r in results if not r.bounded]
                low = max(ok, default=0)
                high = min((r for r in not_ok if r > low), default=None)
                if high is None:
                    rate = low * 2 if low else 40
                elif high - low <= args.resolution:
                    break
                else:
                    rate = (low + high) // 2
                measure(rate)
            highest = max((r.rate for r in results if r.bounded), default=None)
            print(f"highest bounded rate measured: {highest}/s", flush=True)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(
                json.dumps(
                    {
                        "command": " ".join([Path(sys.executable).name, *sys.argv]),
                        "machine": info,
                        "highest_bounded_rate": highest,
                        "results": [asdict(r) for r in results],
                    },
                    indent=2,
                )
            )
    finally:
        remote.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
