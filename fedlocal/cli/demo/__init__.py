"""`fedlocal demo`: neighbouring quarters on loopback, seeded with French sample life.

Every `instances/*.toml` runs as its own `fedlocal serve` process with its own SQLite file.
The demo then seeds them through the services (seeder.py) from `instances/seed/<name>.toml`
(seed.py), links them all as neighbours, prints each URL, community and the demo logins,
and runs until Ctrl-C, which stops every server. Running it again keeps the data and
creates nothing twice; `--reset` starts from empty data directories.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

from ...config import ConfigError, load_config
from ...services.errors import ServiceError
from ..runtime import open_instance
from .ledger import Ledger
from .seed import DEMO_TIMEZONE, check_seeds, read_seed
from .seeder import DemoInstance, Seeder
from .servers import Server, stop_all, wait_any_exit

SUMMARY_END = "Press Ctrl-C to stop."


def discover(directory: Path) -> list[DemoInstance]:
    """The instances of `directory` (every *.toml) with their seeds, checked together."""
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ConfigError(f"no instance configs (*.toml) in {directory}")
    instances = []
    for path in paths:
        config = load_config(path)
        seed = read_seed(directory / "seed" / path.name)
        instances.append(
            DemoInstance(
                name=path.stem,
                config_path=path,
                config=config,
                seed=seed,
                server=Server(path, config),
                ledger=Ledger.load(config.data_dir),
            )
        )
    check_seeds({i.name: i.config for i in instances}, {i.name: i.seed for i in instances})
    return instances


def reset(instances: list[DemoInstance]) -> None:
    for instance in instances:
        if instance.config.database_url.startswith("sqlite"):
            shutil.rmtree(instance.config.data_dir, ignore_errors=True)
        instance.ledger = Ledger.load(instance.config.data_dir)


def progress(message: str) -> None:
    print(f"fedlocal demo: {message}", flush=True)


async def seed_and_serve(instances: list[DemoInstance], started: float) -> None:
    """Open every instance, seed accounts, start the servers, seed the rest."""
    seeder = Seeder(instances, datetime.now(DEMO_TIMEZONE).date())
    async with contextlib.AsyncExitStack() as stack:
        for instance in instances:
            instance.federation = await stack.enter_async_context(
                open_instance(str(instance.config_path))
            )
        # The databases are migrated (by open_instance) before the servers start, so they
        # never race to migrate; the accounts are made while the servers boot.
        progress(f"starting {len(instances)} servers…")
        for instance in instances:
            await instance.server.start()
        await seeder.accounts()
        await asyncio.gather(*(i.server.wait_until_ready() for i in instances))
        progress(f"servers answering after {time.monotonic() - started:.1f} s; seeding…")
        for phase in (
            seeder.link_neighbours,
            seeder.groups,
            seeder.follows,
            seeder.publications,
            seeder.answers,
        ):
            try:
                await phase()
            except ServiceError as exc:
                print(f"fedlocal demo: {exc.message}", file=sys.stderr, flush=True)
        for instance in instances:
            instance.federation = None


def print_summary(instances: list[DemoInstance], elapsed: float) -> None:
    lines = [
        "",
        f"fedlocal demo is running: {len(instances)} neighbouring quarters, "
        f"ready in {elapsed:.1f} s.",
        "",
    ]
    residents = [person for instance in instances for person in instance.seed.residents]
    width = max((len(p.username) + len(p.password) + 3 for p in residents), default=0)
    for instance in instances:
        config = instance.config
        lines.append(f"  {config.name:<26} {config.base_url}/")
        lines.append(f"    community   @{config.community_username}@{config.domain}")
        if config.quarters:
            lines.append(f"    quarters    {', '.join(q.name for q in config.quarters)}")
        for group in instance.seed.groups:
            lines.append(f"    group       {group.display_name}")
            lines.append(
                f"                @{group.username}@{config.domain}  "
                f"{config.base_url}/@{group.username}"
            )
        for index, person in enumerate(instance.seed.residents):
            label = "logins" if index == 0 else ""
            login = f"{person.username} / {person.password}"
            who = ", ".join(filter(None, (person.display_name, person.quarter)))
            admin = "(admin)" if person.admin else ""
            line = f"    {label:<11} {login:<{width}}  {admin:<7}  {who}"
            lines.append(line.rstrip())
        lines.append("")
    lines.append(SUMMARY_END)
    print("\n".join(lines) + "\n", flush=True)


async def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    instances = discover(Path(args.instances))
    if args.reset:
        reset(instances)
    servers = [instance.server for instance in instances]
    for server in servers:
        server.check_port_free()
    # `kill` or a closed terminal stops the demo as Ctrl-C does: servers first.
    main = asyncio.current_task()
    assert main is not None
    for number in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError):  # no such signals on Windows
            asyncio.get_running_loop().add_signal_handler(number, main.cancel)
    try:
        await seed_and_serve(instances, started)
        print_summary(instances, time.monotonic() - started)
        # Runs until Ctrl-C, or until a server stops on its own (an error: exit non-zero).
        stopped, code = await wait_any_exit(servers)
        print(
            f"fedlocal demo: {stopped.config.name} stopped (exit {code})",
            file=sys.stderr,
        )
        return 1
    finally:
        await asyncio.shield(stop_all(servers))


def demo(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\nfedlocal demo stopped.", flush=True)
        return 0
