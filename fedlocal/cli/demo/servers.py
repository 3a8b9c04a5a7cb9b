"""The demo's servers: one `fedlocal serve` process per instance, started and stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

from ...config import Config
from ...services.errors import ServiceError

READY_DEADLINE_SECONDS = 45.0
STOP_DEADLINE_SECONDS = 10.0
POLL_SECONDS = 0.1


class Server:
    def __init__(self, config_path: Path, config: Config):
        self.config_path = config_path
        self.config = config
        self.process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def check_port_free(self) -> None:
        """ServiceError when something listens on the server's port already (an earlier
        demo still running would otherwise answer in this one's place)."""
        host, port = self.config.listen_host, self.config.listen_port
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                raise ServiceError(
                    f"{self.config.name}: {host}:{port} is in use (is a demo running already?)"
                ) from None

    async def start(self) -> None:
        level = os.environ.get("FEDLOCAL_LOG_LEVEL", "warning")
        # The server inherits SIGINT ignored. Uvicorn still shuts down gracefully on the
        # terminal's Ctrl-C (it installs its own handler while serving), but the SIGINT it
        # raises again afterwards is then ignored instead of becoming a KeyboardInterrupt
        # traceback in the middle of asyncio's teardown.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "fedlocal",
                "serve",
                "--config",
                str(self.config_path),
                env={**os.environ, "FEDLOCAL_LOG_LEVEL": level},
                stdin=asyncio.subprocess.DEVNULL,
            )
        finally:
            signal.signal(signal.SIGINT, previous)

    async def wait_until_ready(self) -> None:
        """Until NodeInfo answers; ServiceError if the process dies or the deadline passes."""
        url = f"{self.config.base_url}/.well-known/nodeinfo"
        deadline = time.monotonic() + READY_DEADLINE_SECONDS
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.returncode is not None:
                    raise ServiceError(
                        f"{self.config.name} stopped with exit code {self.process.returncode}"
                        f" before answering (its error is above; is port"
                        f" {self.config.listen_port} free?)"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(url)).status_code == 200:
                        return
                await asyncio.sleep(POLL_SECONDS)
        raise ServiceError(f"{self.config.name} did not answer at {url}")


async def stop_all(servers: list[Server]) -> None:
    """Stop every server gracefully, then kill any that lingers.

    SIGTERM rather than SIGINT: after a Ctrl-C in the terminal the servers have had a
    SIGINT already, and a second one makes uvicorn skip its graceful shutdown.
    """
    running = [s.process for s in servers if s.process is not None and s.running]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    for process in running:
        try:
            await asyncio.wait_for(process.wait(), timeout=STOP_DEADLINE_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


async def wait_any_exit(servers: list[Server]) -> tuple[Server, int]:
    """The first server to stop on its own, and its exit code."""
    waits = {asyncio.ensure_future(s.process.wait()): s for s in servers if s.process is not None}
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in waits:
            future.cancel()
    finished = next(iter(done))
    return waits[finished], finished.result()
