"""`fedlocal demo` with the shipped `instances/` configuration, moved to free ports.

Runs the demo the way `make demo` does — one process that starts every instance as its
own `fedlocal serve` — and checks what it promises: the printed URLs answer, the seeded
neighbours follow each other, a seeded post crosses over, and Ctrl-C stops everything.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fedlocal.config import Config, load_config
from tests.support.processes import child_env, free_ports, open_store
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

INSTANCES = Path(__file__).resolve().parents[2] / "instances"
SUMMARY_DEADLINE = 60.0
EXIT_DEADLINE = 20.0
SUMMARY_END = "Press Ctrl-C to stop."


@dataclass
class Demo:
    directory: Path
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(encoding="utf-8", errors="replace")

    def describe(self) -> str:
        errors = self.stderr.read_text(encoding="utf-8", errors="replace")
        return f"--- demo stdout ---\n{self.output()}\n--- demo stderr ---\n{errors[-4000:]}"

    def configs(self) -> dict[str, Config]:
        paths = sorted(self.directory.glob("*.toml"))
        return {path.stem: load_config(path, environ={}) for path in paths}

    def seed(self, name: str) -> dict:
        return tomllib.loads((self.directory / "seed" / f"{name}.toml").read_text("utf-8"))


def copy_on_free_ports(target: Path) -> dict[str, str]:
    """Copy the demo configs and seeds, moving every loopback port; old → new netloc."""
    (target / "seed").mkdir(parents=True)
    configs = sorted(INSTANCES.glob("*.toml"))
    netlocs = {}
    for path, port in zip(configs, free_ports(len(configs)), strict=True):
        base_url = tomllib.loads(path.read_text("utf-8"))["base_url"]
        old = base_url.split("://", 1)[1]
        assert old.startswith("127.0.0.1:"), f"{path.name}: the demo should run on loopback"
        netlocs[old] = f"127.0.0.1:{port}"
    sources = [*configs, *sorted((INSTANCES / "seed").glob("*.toml"))]
    for source in sources:
        text = source.read_text("utf-8")
        for old, new in netlocs.items():
            text = re.sub(rf"{re.escape(old)}(?!\d)", new, text)
        (target / source.relative_to(INSTANCES)).write_text(text, "utf-8")
    return netlocs


def port_closed(url: str) -> bool:
    parts = httpx.URL(url)
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((parts.host, parts.port)) != 0


def child_pids(pid: int) -> set[int]:
    """Direct children of `pid` (Linux /proc)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.add(int(stat.parent.name))
    return children


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    directory = tmp_path / "instances"
    copy_on_free_ports(directory)
    stdout, stderr = tmp_path / "demo.out", tmp_path / "demo.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "fedlocal", "demo", "--instances", str(directory)],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=child_env(),
            start_new_session=True,  # its own process group, so a failed test can clean up
        )
    try:
        yield Demo(directory, process, stdout, stderr)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def test_demo_runs_seeds_and_stops_cleanly(demo: Demo) -> None:
    # Given: the demo up, its summary printed
    await wait_for(
        lambda: SUMMARY_END in demo.output() or demo.process.poll() is not None,
        timeout=SUMMARY_DEADLINE,
        message="the demo summary",
    )
    assert demo.process.poll() is None, demo.describe()
    configs = demo.configs()
    printed = re.findall(r"https?://\S+", demo.output())
    assert sorted(printed) == sorted(f"{c.base_url}/" for c in configs.values()), demo.describe()

    # Then: every printed URL answers
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        for url in printed:
            response = await client.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"

    # And: every seeded follow is accepted, and the followed resident's seeded posts reach
    # the follower's instance
    name_of = {config.domain: name for name, config in configs.items()}
    crossed = 0
    for name, config in configs.items():
        async with open_store(config.database_url) as store:
            for entry in demo.seed(name).get("follows", []):
                username, domain = entry["target"].lstrip("@").split("@")
                follower = f"{config.base_url}/users/{entry['as']}"
                followed = f"http://{domain}/users/{username}"
                state = await store.follow_state(follower, followed)
                assert state == "accepted", f"{entry} is {state}\n{demo.describe()}"
                for post in demo.seed(name_of[domain]).get("posts", []):
                    if post["as"] == username:
                        await wait_for(
                            lambda s=store, a=followed, t=post["text"]: _has_post(s, a, t),
                            timeout=20,
                            message=f"{username}'s seeded post to reach {name}",
                        )
                        crossed += 1
    assert crossed >= 1, "the seed should make at least one post cross between instances"

    # When: Ctrl-C
    children = child_pids(demo.process.pid)
    assert len(children) == len(configs), f"expected one serve process per instance: {children}"
    demo.process.send_signal(signal.SIGINT)

    # Then: everything stops, ports close, and the demo exits 0
    await wait_for(
        lambda: demo.process.poll() is not None, timeout=EXIT_DEADLINE, message="the demo to exit"
    )
    assert demo.process.returncode == 0, demo.describe()
    await wait_for(
        lambda: not any(alive(pid) for pid in children),
        timeout=EXIT_DEADLINE,
        message="every serve process to exit",
    )
    assert all(port_closed(url) for url in printed)


async def _has_post(store, author_uri: str, text: str) -> bool:
    posts = await store.posts_by(author_uri)
    return any(text.split(" #")[0] in post.content for post in posts)
