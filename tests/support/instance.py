"""A fedlocal instance for tests: the real app, a real SQLite file, real HTTP on loopback,
running in the test's event loop so the test can reach its services and store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from fedlocal.app import create_app
from fedlocal.config import Config, build_config
from fedlocal.federation.runtime import Federation

from .asgi_server import run_asgi
from .live_server import free_socket

# Loopback only, as the demo instances: every peer a test talks to listens on loopback.
LOOPBACK_NETWORKS = ["127.0.0.0/8", "::1/128"]

# Fast retries and polls so tests wait milliseconds, not minutes.
TEST_SETTINGS: dict[str, Any] = {
    "allow_private_addresses": LOOPBACK_NETWORKS,
    "worker_poll_seconds": 0.05,
    "retry_base_seconds": 0.1,
    "retry_cap_seconds": 1.0,
    "circuit_open_seconds": 0.5,
    "key_refetch_interval_seconds": 60.0,
    "log_level": "warning",
}


@dataclass
class TestInstance:
    config: Config
    app: Starlette
    base_url: str

    @property
    def federation(self) -> Federation:
        return self.app.state.federation

    @property
    def services(self):
        return self.federation.services

    @property
    def db(self):
        return self.federation.db


def instance_config(data_dir: Path, port: int, **overrides: Any) -> Config:
    settings = {
        "name": f"Test {port}",
        "base_url": f"http://127.0.0.1:{port}",
        "data_dir": str(data_dir),
        **TEST_SETTINGS,
        **overrides,
    }
    return build_config(settings, environ={})


@contextlib.asynccontextmanager
async def running_instance(data_dir: Path, **overrides: Any) -> AsyncIterator[TestInstance]:
    """Start an instance (migrations, instance actors, workers unless run_workers=False)."""
    sock = free_socket()
    config = instance_config(data_dir, sock.getsockname()[1], **overrides)
    app = create_app(config)
    async with run_asgi(app, sock) as base_url:
        yield TestInstance(config=config, app=app, base_url=base_url)
