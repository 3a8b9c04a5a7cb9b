"""`fedlocal demo`: every instance in `instances/` on loopback, seeded and following each other.

Each instance runs as its own `fedlocal serve` process with its own SQLite file. Seed data
(`instances/seed/<name>.toml`) is applied idempotently, so running the demo again keeps
what was there; `--reset` starts from empty databases. Ctrl-C stops every process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..config import Config, ConfigError, load_config
from ..services import accounts, follows, posts
from ..services.errors import Conflict, ServiceError
from ..store import follows as follow_store
from ..store import posts as post_store
from .runtime import open_instance, resident

READY_DEADLINE_SECONDS = 45.0
FOLLOW_DEADLINE_SECONDS = 20.0


@dataclass
class DemoInstance:
    config_path: Path
    config: Config
    seed: dict[str, Any]
    process: asyncio.subprocess.Process | None = None


def discover(directory: Path) -> list[DemoInstance]:
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ConfigError(f"no instance configs (*.toml) in {directory}")
    instances = []
    for path in paths:
        seed_path = directory / "seed" / path.name
        seed = tomllib.loads(seed_path.read_text(encoding="utf-8")) if seed_path.exists() else {}
        instances.append(DemoInstance(path, load_config(path), seed))
    return instances


async def seed_accounts(instance: DemoInstance) -> None:
    async with open_instance(str(instance.config_path)) as federation:
        for person in instance.seed.get("residents", []):
            with contextlib.suppress(Conflict):  # kept from an earlier run
                await accounts.create_account(
                    federation.services,
                    person["username"],
                    person["password"],
                    admin=person.get("admin", False),
                    display_name=person.get("display_name", ""),
                )


async def seed_follows(instance: DemoInstance) -> None:
    """The instance's seeded follows, each waited for until accepted."""
    async with open_instance(str(instance.config_path)) as federation:
        for entry in instance.seed.get("follows", []):
            follower = await resident(federation, entry["as"])
            relation = await follows.follow(federation.services, follower, entry["target"])
            deadline = time.monotonic() + FOLLOW_DEADLINE_SECONDS
            while relation.state != "accepted" and time.monotonic() < deadline:
                await asyncio.sleep(0.2)  # the serving processes deliver and accept
                async with federation.db.read() as conn:
                    relation = await follow_store.get_follow_by_uri(conn, relation.uri) or relation


async def seed_posts(instance: DemoInstance) -> None:
    """The instance's first posts (once only: kept from an earlier run otherwise)."""
    async with open_instance(str(instance.config_path)) as federation:
        for entry in instance.seed.get("posts", []):
            author = await resident(federation, entry["as"])
            async with federation.db.read() as conn:
                already = await post_store.count_actor_posts(conn, author.id)
            if not already:
                await posts.publish_note(federation.services, author, entry["text"])


async def start(instance: DemoInstance) -> None:
    env = {**os.environ, "FEDLOCAL_LOG_LEVEL": os.environ.get("FEDLOCAL_LOG_LEVEL", "warning")}
    instance.process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fedlocal", "serve", "--config", str(instance.config_path), env=env
    )


async def wait_until_ready(instance: DemoInstance) -> None:
    url = f"{instance.config.base_url}/.well-known/nodeinfo"
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if instance.process is not None and instance.process.returncode is not None:
                raise ServiceError(
                    f"{instance.config.name} exited with {instance.process.returncode}"
                )
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise ServiceError(f"{instance.config.name} did not answer at {url}")


async def stop(instances: list[DemoInstance]) -> None:
    """Interrupt every server (as Ctrl-C would), then kill any that lingers."""
    running = [i.process for i in instances if i.process and i.process.returncode is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
    for process in running:
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()


def print_summary(instances: list[DemoInstance]) -> None:
    print("\nfedlocal demo is running:\n", flush=True)
    for instance in instances:
        config = instance.config
        print(f"  {config.name:<28} {config.base_url}/")
        print(f"    community: @{config.community_username}@{config.domain}")
        for person in instance.seed.get("residents", []):
            role = " (admin)" if person.get("admin") else ""
            print(f"    login {person['username']} / {person['password']}{role}")
    print("\nPress Ctrl-C to stop.\n", flush=True)


async def run(args: argparse.Namespace) -> int:
    instances = discover(Path(args.instances))
    if args.reset:
        for instance in instances:
            if instance.config.database_url.startswith("sqlite"):
                shutil.rmtree(instance.config.data_dir, ignore_errors=True)
    for instance in instances:
        await seed_accounts(instance)
    try:
        for instance in instances:
            await start(instance)
        await asyncio.gather(*(wait_until_ready(i) for i in instances))
        # Every instance's follows before any post, so each post reaches its followers on
        # the other instances.
        for seed in (seed_follows, seed_posts):
            for instance in instances:
                try:
                    await seed(instance)
                except ServiceError as exc:
                    print(
                        f"fedlocal demo: seeding {instance.config.name}: {exc.message}",
                        file=sys.stderr,
                    )
        print_summary(instances)
        # Runs until Ctrl-C, or until a server stops on its own (an error: exit non-zero).
        waits = [asyncio.ensure_future(i.process.wait()) for i in instances if i.process]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        return 1
    finally:
        await asyncio.shield(stop(instances))


def demo(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        print("\nfedlocal demo stopped.")
        return 0
