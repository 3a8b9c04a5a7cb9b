"""The inbox under a steady flow: activities arriving at a fixed rate (open loop), as they
do from busy peers and relays, rather than in one burst.

For each rate, a fresh `fedlocal serve` (workers on) receives RATE signed Mastodon-shaped
`Create(Note)`s per second for SECONDS seconds, each sent at its own time whatever the
server's answers (up to 256 requests open at once; a request that cannot start on time is
counted late). Reported: what was accepted, what the worker processed during the flow,
what was still pending at its end (issue 18's target: at most 10 % of what was sent), the
202's latency, and how long the rest took to drain.

    .venv/bin/python bench/inbox_open_loop.py --rates 40 80 150 --seconds 30

What it leaves out: bursts (bench/inbox.py), other verbs than Create, PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inbox import RESIDENT, fedlocal_queue_state, prepare_template, write_config  # noqa: E402
from processes import Server, cpu_seconds, free_port, machine  # noqa: E402
from remote_actor import RemoteActor, make_batch, sign_batch  # noqa: E402

MAX_OPEN = 256
DRAIN_DEADLINE = 600.0


@dataclass
class FlowResult:
    rate: int
    seconds: float
    sent: int
    accepted: int
    refused: int
    late_starts: int
    pending_at_end: int
    pending_share: float
    processed_during_flow: int
    processed_per_second: float
    p50_ms: float
    p99_ms: float
    drain_seconds: float
    server_cpu_seconds: float
    client_cpu_seconds: float


async def flow(url: str, requests: list, rate: int) -> tuple[list[int], list[float], int]:
    """Send request i at start + i / rate; returns statuses, latencies and late starts."""
    limits = httpx.Limits(max_connections=MAX_OPEN, max_keepalive_connections=MAX_OPEN)
    statuses = [0] * len(requests)
    latencies = [0.0] * len(requests)
    late = 0
    gate = asyncio.Semaphore(MAX_OPEN)
    async with httpx.AsyncClient(limits=limits, timeout=120.0) as client:

        async def one(i: int) -> None:
            headers, body = requests[i]
            begun = time.perf_counter()
            try:
                answer = await client.post(url, content=body, headers=headers)
                statuses[i] = answer.status_code
            except httpx.HTTPError:
                statuses[i] = -1
            finally:
                gate.release()
            latencies[i] = time.perf_counter() - begun

        tasks = []
        start = time.perf_counter()
        for i in range(len(requests)):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await gate.acquire()
            if time.perf_counter() - due > 0.05:
                late += 1
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return statuses, latencies, late


def run_rate(workdir: Path, template: Path, actor: RemoteActor, rate: int, seconds: float):
    port = free_port()
    name = f"rate-{rate}"
    data_dir = workdir / name
    shutil.copytree(template, data_dir)
    config = workdir / f"{name}.toml"
    write_config(config, port=port, data_dir=data_dir, run_workers=True)
    base_url = f"http://127.0.0.1:{port}"
    count = int(rate * seconds)
    requests = sign_batch(actor, f"{base_url}/inbox", make_batch(actor, rate * 1_000_000, count))
    server = Server(
        [sys.executable, "-m", "fedlocal", "serve", "--config", str(config)],
        base_url,
        "/inbox",
        workdir / f"{name}.log",
    )
    database = data_dir / "fedlocal.sqlite3"
    try:
        server0, client0 = cpu_seconds(server.pid), time.process_time()
        started = time.perf_counter()
        statuses, latencies, late = asyncio.run(flow(f"{base_url}/inbox", requests, rate))
        flow_seconds = time.perf_counter() - started
        pending, _failed = fedlocal_queue_state(database)
        server_cpu = cpu_seconds(server.pid) - server0
        client_cpu = time.process_time() - client0
        drain_start = time.perf_counter()
        while pending and time.perf_counter() - drain_start < DRAIN_DEADLINE:
            time.sleep(0.2)
            pending_now, _ = fedlocal_queue_state(database)
            if not pending_now:
                break
        drained = time.perf_counter() - drain_start
    finally:
        server.stop()
    accepted = sum(1 for s in statuses if s == 202)
    ordered = sorted(latencies)
    return FlowResult(
        rate=rate,
        seconds=round(flow_seconds, 1),
        sent=count,
        accepted=accepted,
        refused=count - accepted,
        late_starts=late,
        pending_at_end=pending,
        pending_share=round(pending / count, 3),
        processed_during_flow=accepted - pending,
        processed_per_second=round((accepted - pending) / flow_seconds, 1),
        p50_ms=round(ordered[len(ordered) // 2] * 1000, 1),
        p99_ms=round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
        drain_seconds=round(drained, 1),
        server_cpu_seconds=round(server_cpu, 1),
        client_cpu_seconds=round(client_cpu, 1),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[40, 80, 150])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores; code: {info['code']}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-openloop-"))
    actor = RemoteActor()
    try:
        template = prepare_template(workdir, free_port(), actor)
        results = []
        for rate in args.rates:
            result = run_rate(workdir, template, actor, rate, args.seconds)
            results.append(result)
            print(json.dumps(asdict(result)), flush=True)
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "machine": info,
                        "resident": RESIDENT,
                        "results": [asdict(r) for r in results],
                    },
                    indent=2,
                )  # fmt: skip
            )
    finally:
        actor.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
