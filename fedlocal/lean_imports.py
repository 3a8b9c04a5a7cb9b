"""Keep out of memory what the libraries fedlocal uses would load for parts it never uses.

Three packages import, as they start, modules that fedlocal never needs, in every process
(docs/performance.md "Memory at rest"):

- `sqlalchemy.ext.asyncio`'s `__init__` imports `AsyncSession` and `async_scoped_session`
  with the engine, hence the whole ORM (about 40 modules, 5.7 MiB), although the engine's
  own modules (`.engine`, `.result`) need none of it;
- `uvicorn`'s `__init__` imports `uvicorn.main`, its command line, and with it `click`,
  although `fedlocal serve` only needs its `Config` and `Server`;
- `httpx`'s `__init__` tries its command-line client, `httpx._main`, which imports `click`,
  then Pygments and Rich, and gives up (and its `main` with it) when one is missing: it
  leaves behind whatever it had imported before (`click`, and where pytest installed it,
  Pygments).

Importing a submodule directly does not help: Python runs the package's `__init__` first.
`install()` (called by `fedlocal/__init__.py`, before anything imports these libraries)
adds an import finder for these packages. A lean package's module is the real package
(same path, same submodules) whose start-up imports the named submodules only and takes
the names they give it; any other name (`AsyncSession`, `uvicorn.run`…) runs the
package's real `__init__` on first use, so code that wants it still gets it. `httpx._main`
is not found, which httpx's own `__init__` expects (it then defines a `main` that says
the command-line client is not installed). The libraries' files are not changed; if
anything about a package is not as expected, its real `__init__` runs as usual.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

# Package -> {submodule: the names the package's `__init__` takes from it}: everything
# fedlocal uses, as laid out in SQLAlchemy 2.0 and 2.1 and in uvicorn 0.55 (with another
# layout, the package's real `__init__` runs).
LEAN_PACKAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "sqlalchemy.ext.asyncio": {
        "engine": (
            "async_engine_from_config",
            "AsyncConnection",
            "AsyncEngine",
            "AsyncTransaction",
            "create_async_engine",
            "create_async_pool_from_url",
        ),
        "result": ("AsyncMappingResult", "AsyncResult", "AsyncScalarResult", "AsyncTupleResult"),
    },
    "uvicorn": {"_version": ("__version__",), "config": ("Config",), "server": ("Server",)},
}
# Modules whose import a package tries and does without (see the module's docstring).
NOT_FOUND = ("httpx._main",)


class _LeanLoader(importlib.abc.Loader):
    """Loads a package with the named submodules only; the real `__init__` on the first
    other name."""

    def __init__(self, real: Any, parts: dict[str, tuple[str, ...]]) -> None:
        self.real = real
        self.parts = parts

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module, with the package's path

    def exec_module(self, module: ModuleType) -> None:
        package = module.__name__
        try:
            names = {}
            for submodule, wanted in self.parts.items():
                found = importlib.import_module(f"{package}.{submodule}")
                names.update({name: getattr(found, name) for name in wanted})
        except (ImportError, AttributeError):
            self.real.exec_module(module)
            return
        module.__dict__.update(names)
        real = self.real

        def __getattr__(name: str) -> Any:
            # A name the lean start did not give (the ORM session): the real package, once.
            namespace = module.__dict__
            if namespace.pop("__getattr__", None) is None:
                raise AttributeError(name)
            real.exec_module(module)
            try:
                return namespace[name]
            except KeyError:
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

        module.__dict__["__getattr__"] = __getattr__


class _NotFoundLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        raise ModuleNotFoundError(f"{module.__name__} is left out", name=module.__name__)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name in NOT_FOUND:
            return importlib.machinery.ModuleSpec(name, _NotFoundLoader())
        parts = LEAN_PACKAGES.get(name)
        if parts is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _LeanLoader(spec.loader, parts)
        return spec


def install() -> None:
    """Have the packages above load lean until something asks for more (a no-op when the
    finder is already installed; a package already imported stays as it is)."""
    if any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
