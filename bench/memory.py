"""Memory of `fedlocal serve`: at rest, after a round of pages, and under a steady inbox flow.

One run of this script:

1. makes a fresh SQLite instance whose residents follow Mastodon-like remote accounts
   (`bench/inbox.py`'s template: their keys already fetched), workers on;
2. starts `fedlocal serve`, waits until it answers, waits `--settle` seconds and reads
   its resident set size (`VmRSS` in `/proc/PID/status`): **at rest**;
3. asks for a round of pages (home, the resident's profile as HTML and as ActivityPub,
   the public timeline of the client API, nodeinfo, the about page, the events feed) and
   reads it again: **after a round**;
4. sends signed `Create(Note)`s to the shared inbox at `--rate` a second for `--seconds`
   (an open-loop flow, `bench/load_client.py`), reading the RSS every
   0.2 s: **under load** is the highest reading, `VmHWM` the kernel's own peak;
5. lists the compiled libraries the process has mapped at each stage (what Python code
   is loaded does not show from outside; `python -X importtime` does, see
   docs/performance.md "Memory at rest").

    .venv/bin/python bench/memory.py [--rate 100 --seconds 30] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox import RESIDENT, prepare_template, write_config  # noqa: E402
from load_client import open_loop, presign  # noqa: E402
from processes import Server, cpu_seconds, free_port, machine  # noqa: E402
from remote_actor import RemoteInstance, make_batch  # noqa: E402

PAGES = [
    "/",
    "/about",
    f"/@{RESIDENT}",
    f"/users/{RESIDENT}",
    "/api/v1/timelines/public",
    "/nodeinfo/2.1",
]


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def libraries(pid: int) -> list[str]:
    """Compiled extension modules and libraries mapped from site-packages."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        if "site-packages/" in path and (".so" in path):
            found.add(path.split("site-packages/", 1)[1].split("/", 1)[0])
    return sorted(found)


def round_of_pages(base_url: str) -> dict[str, int]:
    statuses = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for path in PAGES:
            headers = {"Accept": "application/activity+json"} if path.startswith("/users/") else {}
            statuses[path] = client.get(path, headers=headers).status_code
    return statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=100, help="activities a second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=3.0, help="wait before the first reading")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores; code: {info['code']}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="fedlocal-memory-"))
    remote = RemoteInstance()
    figures: dict[str, Any] = {"machine": info, "arguments": vars(args)}
    # RSS does not depend on the machine's load, but the record says what else ran.
    figures["load_average_at_start"] = [round(v, 2) for v in os.getloadavg()]
    try:
        port = free_port()
        template, audience = prepare_template(workdir, port, remote)
        data_dir = workdir / "run"
        shutil.copytree(template, data_dir)
        config = workdir / "run.toml"
        write_config(config, port=port, data_dir=data_dir, run_workers=True)
        base_url = f"http://127.0.0.1:{port}"
        count = int(args.rate * args.seconds)
        batch = make_batch(remote.actors, 1, count, audience)
        offsets = [i / args.rate for i in range(count)]
        signed = presign(f"{base_url}/inbox", batch.bodies, batch.senders, send_offsets=offsets)
        server = Server(
            [sys.executable, "-m", "fedlocal", "serve", "--config", str(config)],
            base_url,
            "/.well-known/nodeinfo",
            workdir / "serve.log",
        )
        try:
            time.sleep(args.settle)
            pid = server.pid
            figures["at_rest_mib"] = mib(status_kib(pid, "VmRSS"))
            figures["libraries_at_rest"] = libraries(pid)
            figures["pages"] = round_of_pages(base_url)
            time.sleep(1.0)
            figures["after_pages_mib"] = mib(status_kib(pid, "VmRSS"))
            figures["libraries_after_pages"] = libraries(pid)

            readings: list[int] = []
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    readings.append(status_kib(pid, "VmRSS"))
                    done.wait(0.2)

            sampler = threading.Thread(target=sample, daemon=True)
            cpu_before = cpu_seconds(pid)
            sampler.start()
            statuses = asyncio.run(open_loop(signed, args.rate)).statuses
            done.set()
            sampler.join()
            figures["load"] = {
                "sent": count,
                "accepted": sum(1 for s in statuses if s == 202),
                "server_cpu_seconds": round(cpu_seconds(pid) - cpu_before, 1),
                "rss_max_mib": mib(max(readings, default=0)),
                "rss_end_mib": mib(readings[-1] if readings else 0),
                "vmhwm_mib": mib(status_kib(pid, "VmHWM")),
            }
        finally:
            server.stop()
    finally:
        remote.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, indent=2), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
