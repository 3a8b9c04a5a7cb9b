"""The design's arrows: routes call services, services call the store, the protocol
library knows nothing of ours. Read from the source with `ast` (nothing is imported), so
a forbidden import anywhere — inside a function, under TYPE_CHECKING — fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (the packages a rule covers, the modules they must not import, why)
RULES = [
    (("activitypub",), ("fedlocal", "web"), "the protocol library knows nothing of ours"),
    (("web",), ("fedlocal.store",), "the web app reads and writes through the services"),
    (
        ("fedlocal.api",),
        ("fedlocal.store",),
        "the client API reads and writes through the services",
    ),
    (
        ("fedlocal.federation.routes",),
        ("fedlocal.store", "web"),
        "federation routes read through the services and get pages through HtmlPages",
    ),
    (
        ("fedlocal.federation.inbox",),
        ("fedlocal.store",),
        "what is done with each inbound verb is done through the services",
    ),
    (
        ("fedlocal.media",),
        (
            "fedlocal.services",
            "fedlocal.store",
            "fedlocal.api",
            "fedlocal.federation",
            "fedlocal.app",
            "web",
        ),
        "picture processing and files are a library the services use",
    ),
    (
        ("fedlocal.services",),
        ("web", "fedlocal.api", "fedlocal.federation", "fedlocal.app", "fedlocal.cli"),
        "services are called by the routes, never the other way",
    ),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module `source` (the text of `module`) imports, relative imports resolved;
    `from package import name` counts `package.name` too, since the name may be a module."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _sources(packages: tuple[str, ...]) -> list[Path]:
    paths = [
        path
        for package in packages
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py"))
    ]
    assert paths, f"no source found for {packages}"
    return paths


def violations(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in _sources(packages):
        module = module_name(path)
        imports = imported_modules(path.read_text(), module, is_package=path.name == "__init__.py")
        found.extend(
            f"{module} imports {name}" for name in sorted(imports) if _within(name, forbidden)
        )
    return found


@pytest.mark.parametrize(("packages", "forbidden", "why"), RULES, ids=[r[2] for r in RULES])
def test_layers_import_only_downwards(packages, forbidden, why) -> None:
    assert violations(packages, forbidden) == [], why


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from ..store import posts", "fedlocal.api.accounts", "fedlocal.store.posts"),
        ("from ... import store", "fedlocal.federation.routes.objects", "fedlocal.store"),
        ("from fedlocal.store.clock import utcnow", "web.page", "fedlocal.store.clock"),
        ("import fedlocal.store", "web.page", "fedlocal.store"),
        ("if TYPE_CHECKING:\n    from web.pages import Pages", "fedlocal.services.x", "web.pages"),
        ("def f():\n    from ..api import routes", "fedlocal.services.x", "fedlocal.api.routes"),
    ],
)
def test_imports_are_found_however_they_are_written(source, module, expected) -> None:
    assert expected in imported_modules(source, module)


def test_a_package_resolves_its_relative_imports_from_itself() -> None:
    found = imported_modules("from .store import posts", "fedlocal", is_package=True)
    assert "fedlocal.store.posts" in found
