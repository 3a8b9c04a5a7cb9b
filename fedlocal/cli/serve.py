"""`fedlocal serve` and `fedlocal worker`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

import uvicorn
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from ..app import create_app, start_workers
from ..boundary import log_privacy
from ..boundary.request_id import install_log_record_factory
from ..config import Config, ConfigError, load_config
from ..federation.queue_names import QUEUES
from ..gc_freeze import freeze_startup_objects
from .runtime import open_instance

log = logging.getLogger(__name__)

WS_MAX_MESSAGE_BYTES = 64 * 1024


def configure_logging(level: str) -> None:
    """Log lines carry the request's id ("-" outside requests), as error answers do."""
    install_log_record_factory()
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
    )


class _Server(uvicorn.Server):
    """uvicorn's server, ending the client API's open streams when asked to stop: a
    graceful shutdown waits for every response to finish, and a stream never would. Once
    started, it leaves what the app built out of full collections (`gc_freeze`)."""

    def __init__(self, config: uvicorn.Config, app: Starlette):
        super().__init__(config)
        self.app = app

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            # The app's lifespan has run: what it built lives as long as the process.
            freeze_startup_objects()

    def handle_exit(self, sig, frame) -> None:
        hub = getattr(self.app.state, "api_streams", None)
        if hub is not None:
            hub.close_threadsafe()
        super().handle_exit(sig, frame)


def _uvicorn_config(config: Config, args: argparse.Namespace, app: Starlette) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=args.host or config.listen_host,
        port=args.port or config.listen_port,
        log_level=config.log_level,
        proxy_headers=True,
        lifespan="on",
        access_log=config.log_level == "debug",
        # A backstop: a client that never reads its last bytes cannot hold the
        # shutdown for ever.
        timeout_graceful_shutdown=10,
        # The streaming API's only messages are small subscriptions.
        ws_max_size=WS_MAX_MESSAGE_BYTES,
    )


def serve(args: argparse.Namespace) -> int:
    """`fedlocal serve`: one process, or `--workers N` processes sharing one port."""
    config = load_config(args.config)
    configure_logging(config.log_level)
    processes = getattr(args, "workers", None) or 1
    if processes < 1:
        raise ConfigError("--workers must be at least 1")
    if processes > 1:
        if _is_sqlite(config):
            # One writer at a time: several processes would only queue behind each
            # other's write lock (docs/operations.md#several-processes).
            raise ConfigError(
                "--workers above 1 needs PostgreSQL: SQLite has one writer, run one process"
            )
        return _serve_processes(config, args, processes)
    return _serve_one(config, args, None)


def _is_sqlite(config: Config) -> bool:
    return make_url(config.database_url).get_backend_name() == "sqlite"


def _serve_one(config: Config, args: argparse.Namespace, sock: socket.socket | None) -> int:
    """One web process: on its own port, or on the socket a parent bound for several."""
    app = create_app(config)
    server = _Server(_uvicorn_config(config, args, app), app)
    # uvicorn configured its loggers above: from here, they write no client address.
    log_privacy.install()
    server.run(sockets=[sock] if sock is not None else None)
    return 0 if server.started else 1


def _child(config_path: str, args: argparse.Namespace, sock: socket.socket) -> None:
    """A web process started by `_serve_processes` (forked from it)."""
    # Not the parent's handlers: uvicorn installs its own, and until then the defaults.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    config = load_config(config_path)
    configure_logging(config.log_level)
    raise SystemExit(_serve_one(config, args, sock))


# A web process dying this often means it cannot start (the database is unreachable…):
# stop rather than restart it for ever.
RESTARTS_ALLOWED = 5
RESTART_WINDOW_SECONDS = 60.0
# Ctrl-C in a terminal (or systemd's KillMode=control-group) signals every process of the
# group at once: give the children that long to stop by themselves before telling them,
# since a second signal makes uvicorn skip its graceful shutdown.
OWN_STOP_SECONDS = 1.0
STOP_SECONDS = 20.0


def _serve_processes(config: Config, args: argparse.Namespace, count: int) -> int:
    """Bind the port once and run `count` web processes on it; the kernel spreads the
    connections among them. A process that dies is started again; SIGINT or SIGTERM stops
    them all gracefully (each finishes the answers in progress)."""
    probe = uvicorn.Config(
        "fedlocal.app:create_app",
        host=args.host or config.listen_host,
        port=args.port or config.listen_port,
    )
    sock = probe.bind_socket()
    # Forked, not spawned: the parent has imported the app and runs no thread nor event
    # loop, so a child starts at once (no second import of everything, on a small
    # machine several seconds each) and shares the imported code's memory.
    context = multiprocessing.get_context("fork")
    stopping = threading.Event()

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_child, args=(args.config, args, sock), daemon=False)
        process.start()
        return process

    def stop(_signum, _frame) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    children = [start() for _ in range(count)]
    log.info("serving on port %s with %d web processes", probe.port, count)
    restarts: list[float] = []
    status = 0
    try:
        while not stopping.wait(0.5):
            for index, child in enumerate(children):
                if child.is_alive():
                    continue
                now = time.monotonic()
                restarts = [t for t in restarts if t > now - RESTART_WINDOW_SECONDS] + [now]
                if len(restarts) > RESTARTS_ALLOWED:
                    log.error("web processes keep exiting (last: %s): stopping", child.exitcode)
                    stopping.set()
                    status = 1
                    break
                log.error(
                    "web process %s exited with %s: starting another", child.pid, child.exitcode
                )
                children[index] = start()
    finally:
        _stop_children(children)
        sock.close()
    return status


def _stop_children(children: list[multiprocessing.process.BaseProcess]) -> None:
    deadline = time.monotonic() + OWN_STOP_SECONDS
    for child in children:
        child.join(timeout=max(0.0, deadline - time.monotonic()))
    for child in children:
        if child.pid is not None and child.is_alive():
            os.kill(child.pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        child.join(timeout=max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.kill()
            child.join()


async def worker(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(config.log_level)
    # SIGINT and SIGTERM stop the workers (their claimed items' leases let another
    # worker take them): set here, since a process started in the background by a shell
    # inherits SIGINT ignored, and systemd's default stop signal is SIGTERM.
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, main.cancel)
    try:
        # A worker process shares the database with the web processes that queue its work.
        async with open_instance(args.config, beside_other_processes=True) as federation:
            workers = start_workers(federation, queues=args.queues or QUEUES)
            freeze_startup_objects()
            await asyncio.gather(*workers)
    except asyncio.CancelledError:
        return 0
    return 0
