"""A fedlocal instance for tests: the real app, a real SQLite file, real HTTP on loopback,
running in the test's event loop so the test can reach its services and store."""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from fedlocal.app import create_app
from fedlocal.config import Config, build_config
from fedlocal.federation.runtime import Federation
from fedlocal.store import Database, migrate
from fedlocal.store.database import inbox_file_of

from .asgi_server import run_asgi
from .databases import postgres_schema, postgres_url_or_skip
from .live_server import free_socket

# Loopback only, as the demo instances: every peer a test talks to listens on loopback.
LOOPBACK_NETWORKS = ["127.0.0.0/8", "::1/128"]

# Fast retries and polls so tests wait milliseconds, not minutes. Work written in the
# instance's own process wakes its workers at once; the poll (four times a second) is for
# retries coming due: at twenty a second, an idle instance took a quarter of a core.
TEST_SETTINGS: dict[str, Any] = {
    "allow_private_addresses": LOOPBACK_NETWORKS,
    "worker_poll_seconds": 0.25,
    "retry_base_seconds": 0.1,
    "retry_cap_seconds": 1.0,
    "circuit_open_seconds": 0.5,
    "key_refetch_interval_seconds": 60.0,
    "log_level": "warning",
    # Accounts made by tests are new: the tests of new accounts' limits turn them on.
    "new_account_days": 0,
}


@dataclass
class TestInstance:
    # A helper, not a test class, though its name starts with "Test".
    __test__ = False

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


_template: Path | None = None


async def _migrated_template() -> Path:
    """An empty SQLite database at the newest revision, made once per test process."""
    global _template
    if _template is None:
        path = _template_path()
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(database)
        finally:
            await database.dispose()
        _template = path
    return _template


def _template_path() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="fedlocal-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory / "fedlocal.sqlite3"


def _copy_for(config: Config, template: Path) -> None:
    """A new instance's SQLite file starts as a copy of the migrated template, and its
    inbox queue's file (`Database.inbox`) as a copy of the template's: the app's own
    migration step then finds nothing to do (the migrations are tested on their own in
    tests/store/test_migrations.py). An existing file (a restart) is kept."""
    default = f"sqlite+aiosqlite:///{config.data_dir / 'fedlocal.sqlite3'}"
    target = config.data_dir / "fedlocal.sqlite3"
    if config.database_url == default and not target.exists():
        config.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        shutil.copyfile(inbox_file_of(str(template)), inbox_file_of(str(target)))


@contextlib.asynccontextmanager
async def running_instance(
    data_dir: Path, *, database: Database | None = None, **overrides: Any
) -> AsyncIterator[TestInstance]:
    """Start an instance (migrations, instance actors, workers unless run_workers=False),
    on its own SQLite file, or on `database` (a PostgreSQL schema of the test's)."""
    sock = free_socket()
    config = instance_config(data_dir, sock.getsockname()[1], **overrides)
    if database is None:
        _copy_for(config, await _migrated_template())
    app = create_app(config, database=database)
    async with run_asgi(app, sock) as base_url:
        yield TestInstance(config=config, app=app, base_url=base_url)


@contextlib.asynccontextmanager
async def instance_on_database(
    kind: str, directory: Path, **overrides: Any
) -> AsyncIterator[TestInstance]:
    """A running instance on its own SQLite file (`kind` "sqlite"), or on its own
    PostgreSQL schema ("postgres", dropped afterwards): for tests run on both."""
    if kind == "sqlite":
        async with running_instance(directory, **overrides) as instance:
            yield instance
        return
    url = postgres_url_or_skip()
    async with postgres_schema(url) as schema:
        database = Database(url, schema=schema)
        try:
            async with running_instance(directory, database=database, **overrides) as instance:
                yield instance
        finally:
            await database.dispose()


def count_write_transactions(db: Database, monkeypatch) -> list[int]:
    """One entry per write transaction opened on `db` from now on (the turns of its
    write lock), for tests of how work is grouped into transactions."""
    turns: list[int] = []
    write = db.write

    def counted():
        turns.append(1)
        return write()

    monkeypatch.setattr(db, "write", counted)
    return turns
