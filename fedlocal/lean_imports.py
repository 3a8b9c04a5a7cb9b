"""Keep SQLAlchemy's ORM out of memory: fedlocal uses Core and the asyncio engine only.

`sqlalchemy.ext.asyncio`'s package `__init__` imports `AsyncSession` and
`async_scoped_session` with the engine, hence the whole ORM (about 40 modules, 5.7 MiB of
resident memory in every process, docs/performance.md "Memory at rest"), although the
engine's own modules (`.engine`, `.result`) need none of it. Importing
`sqlalchemy.ext.asyncio.engine` directly does not help: Python runs the package's
`__init__` first.

`install()` (called by `fedlocal/__init__.py`, before anything imports SQLAlchemy) adds an
import finder for that one package. Its module is the real package (same path, same
submodules) whose start-up imports `.engine` and `.result` and takes the names they give
the package; any other name (`AsyncSession`, `async_sessionmaker`…) runs the package's real
`__init__` on first use, so code that wants the ORM session still gets it. SQLAlchemy's
files are not changed; if anything about the package is not as expected, the real
`__init__` runs as usual.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

PACKAGE = "sqlalchemy.ext.asyncio"
# What the package's `__init__` takes from its `.engine` and `.result` modules (the same in
# SQLAlchemy 2.0 and 2.1): everything fedlocal uses.
ENGINE_NAMES = (
    "async_engine_from_config",
    "AsyncConnection",
    "AsyncEngine",
    "AsyncTransaction",
    "create_async_engine",
    "create_async_pool_from_url",
)
RESULT_NAMES = ("AsyncMappingResult", "AsyncResult", "AsyncScalarResult", "AsyncTupleResult")


class _EngineFirstLoader(importlib.abc.Loader):
    """Loads the package with its engine only; the real `__init__` on the first other name."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module, with the package's path

    def exec_module(self, module: ModuleType) -> None:
        try:
            engine = importlib.import_module(PACKAGE + ".engine")
            result = importlib.import_module(PACKAGE + ".result")
            names = {name: getattr(engine, name) for name in ENGINE_NAMES}
            names.update({name: getattr(result, name) for name in RESULT_NAMES})
        except (ImportError, AttributeError):
            self.real.exec_module(module)
            return
        module.__dict__.update(names)
        real = self.real

        def __getattr__(name: str) -> Any:
            # A name the engine does not give (the ORM session): the real package, once.
            namespace = module.__dict__
            if namespace.pop("__getattr__", None) is None:
                raise AttributeError(name)
            real.exec_module(module)
            try:
                return namespace[name]
            except KeyError:
                raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None

        module.__dict__["__getattr__"] = __getattr__


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != PACKAGE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _EngineFirstLoader(spec.loader)
        return spec


def install() -> None:
    """Have `import sqlalchemy.ext.asyncio` leave the ORM out until something asks for it
    (a no-op when the package is already imported or the finder already installed)."""
    if PACKAGE in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
