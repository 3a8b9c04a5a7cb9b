"""One cache of compiled SQL statements for every engine a test process makes.

SQLAlchemy keeps compiled statements per engine, keyed by the engine's own dialect
object. The app makes two engines per database (a writer and readers), and a test process
makes a few new ones for each of its hundreds of tests: each of them compiled every
statement again, about a tenth of the suite's CPU. Engines of one kind are configured
alike (one SQLite version, one PostgreSQL server), so a statement compiled for one is the
statement for all: this cache keys on the dialect's class and server version instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


class SharedCompiledCache:
    """The mapping SQLAlchemy asks for compiled statements (`get` and item assignment)."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[Any, ...], Any] = {}

    @staticmethod
    def _key(key: tuple[Any, ...]) -> tuple[Any, ...]:
        dialect, *rest = key
        return (type(dialect), getattr(dialect, "server_version_info", None), *rest)

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        return self._compiled.get(self._key(key), default)

    def __setitem__(self, key: tuple[Any, ...], compiled: Any) -> None:
        self._compiled[self._key(key)] = compiled

    def __len__(self) -> int:
        return len(self._compiled)


def sharing(
    create: Callable[..., AsyncEngine], cache: SharedCompiledCache
) -> Callable[..., AsyncEngine]:
    """`create_async_engine`, its engines using `cache`."""

    def create_async_engine(*args: Any, **kwargs: Any) -> AsyncEngine:
        engine = create(*args, **kwargs)
        engine.sync_engine._compiled_cache = cache  # type: ignore[assignment]
        return engine

    return create_async_engine
