"""Processes and machine state for the benchmarks: servers in their own processes, CPU
time and context switches from /proc, and a description of the machine and the code."""

from __future__ import annotations

import hashlib
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from fedlocal.store import head_revision

BENCH_DIR = Path(__file__).resolve().parent
START_DEADLINE = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat_cpu(stat_file: Path) -> float:
    fields = stat_file.read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads, from /proc."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def thread_cpu_seconds(pid: int, tid: int) -> float:
    return _stat_cpu(Path(f"/proc/{pid}/task/{tid}/stat"))


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of every thread of a process."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        for line in status.splitlines():
            if "ctxt_switches:" in line:
                total += int(line.split()[1])
    return total


def machine_busy_seconds() -> float:
    """CPU-seconds spent by the whole machine (all cores) since boot, idle and iowait aside."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is inside user)
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(limit_cores: float, deadline: float) -> float:
    """Wait (up to `deadline` s) until the machine uses less than `limit_cores` over 1 s;
    returns the last reading. Other engineers' test runs share this machine."""
    stop = time.monotonic() + deadline
    while True:
        before = machine_busy_seconds()
        time.sleep(1.0)
        used = machine_busy_seconds() - before
        if used < limit_cores or time.monotonic() > stop:
            return used


def write_instance_config(
    path: Path,
    *,
    port: int,
    data_dir: Path,
    run_workers: bool,
    backlog_limit: int | None = None,
    database: tuple[str, str] | None = None,
) -> None:
    """A benchmarked instance's config on loopback, quiet logs; `backlog_limit` sets
    `inbox_backlog_limit` (None: the server's default), `database` is (URL, schema) of a
    PostgreSQL database (None: the SQLite file in `data_dir`)."""
    lines = [
        'name = "Bench"',
        f'base_url = "http://127.0.0.1:{port}"',
        f'data_dir = "{data_dir}"',
        "allow_private_addresses = true",
        'log_level = "warning"',
        f"run_workers = {'true' if run_workers else 'false'}",
    ]
    if database is not None:
        lines += [f'database_url = "{database[0]}"', f'database_schema = "{database[1]}"']
    if backlog_limit is not None:
        lines.append(f"inbox_backlog_limit = {backlog_limit}")
    path.write_text("\n".join([*lines, ""]))


class Server:
    """A server in its own process, stopped with SIGINT (uvicorn's graceful shutdown)."""

    def __init__(self, command: list[str], base_url: str, probe: str, log: Path):
        self.base_url = base_url
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            command, stdout=self._log_file, stderr=subprocess.STDOUT, cwd=BENCH_DIR.parent
        )
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{command[:4]} exited: {log.read_text()[-2000:]}")
            try:
                httpx.get(base_url + probe, timeout=1.0)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"{command[:4]} did not answer in {START_DEADLINE}s"
                    ) from None
                time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown code runs."""
        self.process.kill()
        self.process.wait()
        self._log_file.close()

    # Processes run beside the server (`fedlocal worker`), stopped before it.
    beside: subprocess.Popen | None = None
    also: tuple[subprocess.Popen, ...] = ()

    @property
    def beside_pids(self) -> list[int]:
        return [p.pid for p in (self.beside, *self.also) if p is not None]

    def stop(self) -> None:
        for other in (self.beside, *self.also):
            if other is not None and other.poll() is None:
                other.send_signal(signal.SIGINT)
        for other in (self.beside, *self.also):
            if other is not None:
                other.wait(timeout=30)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    packages = ["uvicorn", "starlette", "SQLAlchemy", "aiosqlite", "httpx", "h11", "cryptography"]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": os_name,
        "filesystem": filesystem_of(Path(tempfile.gettempdir())),
        "packages": {name: _version(name) for name in packages},
        "code": code_state(),
    }


def code_state() -> dict[str, str]:
    """What was measured: other work lands while this runs, and there may be no commit."""
    repo = BENCH_DIR.parent
    digest = hashlib.sha256()
    for path in sorted([*repo.glob("fedlocal/**/*.py"), *repo.glob("activitypub/**/*.py")]):
        digest.update(str(path.relative_to(repo)).encode() + b"\0" + path.read_bytes())

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True).stdout

    dirty = bool(git("status", "--porcelain", "--", "fedlocal", "activitypub").strip())
    return {
        "git_head": (git("rev-parse", "--short", "HEAD").strip() or "none")
        + (" + uncommitted changes" if dirty else ""),
        "sources_sha256": digest.hexdigest()[:16],
        "schema_revision": head_revision(),
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def filesystem_of(path: Path) -> str:
    best, kind = "", "unknown"
    resolved = str(path.resolve())
    for line in Path("/proc/mounts").read_text().splitlines():
        _, mount, fstype, *_ = line.split()
        if resolved.startswith(mount) and len(mount) > len(best):
            best, kind = mount, fstype
    return f"{kind} ({best})"
