"""What a started server keeps out of memory: libraries a request loads when it needs them
(pictures, calendars and feeds, Markdown, Web Push, migrations), not at start.

docs/performance.md "Memory at rest" measures what this keeps; here only which modules are
loaded, in a fresh process (this one has imported everything already).
"""

from __future__ import annotations

import json
import subprocess
import sys

# Each is loaded by the first request that needs it, and weighs on every idle server when
# imported at start.
LOADED_ON_FIRST_USE = (
    "PIL",  # the first picture uploaded or fetched
    "pillow_heif",
    "icalendar",  # the first calendar feed (events, rides)
    "dateutil",
    "feedgen",  # the first Atom feed
    "lxml",
    "markdown_it",  # the first Markdown rendered (a post, a legal page)
    "http_ece",  # the first Web Push message
    "py_vapid",
    "alembic",  # only when the database is behind the code
    "cryptography",  # the first signature made or checked (a request in or out)
)
# Parts of libraries the server uses that a server on SQLite never needs.
NEVER_LOADED = (
    "sqlalchemy.orm",  # fedlocal uses Core; the asyncio engine's package would bring it
    "babel.messages",  # the catalogues are read by web/i18n.py into stdlib gettext
    "sqlalchemy.dialects.postgresql",  # only on PostgreSQL (fedlocal/store/upsert.py)
    "click",  # uvicorn's and httpx's command lines (fedlocal/lean_imports.py)
    "pygments",  # what httpx's command line tries before giving up (where pytest put it)
)

SCRIPT = """
import asyncio, json, sys
import fedlocal.cli.serve  # uvicorn, as `fedlocal serve` imports it
from fedlocal.app import create_app
from fedlocal.config import load_config

async def main():
    app = create_app(load_config(sys.argv[1]))
    async with app.router.lifespan_context(app):
        pass

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""


def test_a_started_server_has_not_loaded_what_only_some_requests_need(tmp_path):
    # Given an instance whose database is up to date, started once (its first start
    # makes the instance's keys, and so loads cryptography)
    config = tmp_path / "fedlocal.toml"
    config.write_text(
        'name = "Startup"\n'
        'base_url = "http://127.0.0.1:9"\n'
        f'data_dir = "{tmp_path / "data"}"\n'
        'log_level = "warning"\n'
    )
    subprocess.run(
        [sys.executable, "-m", "fedlocal", "migrate", "--config", str(config)],
        check=True,
        capture_output=True,
    )
    first = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(config)], check=True, capture_output=True, text=True
    )
    assert "cryptography" in json.loads(first.stdout.strip().splitlines()[-1])

    # When a fresh process builds the app and runs its start-up, as `fedlocal serve` does
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(config)], check=True, capture_output=True, text=True
    )
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    loaded = {name.split(".")[0] for name in modules}

    # Then none of the libraries that only some requests need is in memory
    assert "sqlalchemy" in loaded  # (the check sees the process's modules)
    assert sorted(loaded.intersection(LOADED_ON_FIRST_USE)) == []
    # And nor is the ORM, Babel's catalogue reader or PostgreSQL's dialect
    assert "sqlalchemy.ext.asyncio.engine" in modules
    never = [
        name
        for name in modules
        if any(name == part or name.startswith(part + ".") for part in NEVER_LOADED)
    ]
    assert never == []


def test_the_orm_session_is_still_there_for_code_that_asks_for_it():
    # Given a process that imported fedlocal (which keeps the ORM out of the asyncio engine)
    script = """
import sys
import fedlocal
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
print("sqlalchemy.orm" in sys.modules)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
import sqlalchemy.ext.asyncio as package
same = package.AsyncConnection is AsyncConnection
print("sqlalchemy.orm" in sys.modules, AsyncSession.__module__, same)
print(hasattr(package, "no_such_name"))
"""
    # When it imports the engine, then the session
    done = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    )

    # Then the engine came without the ORM, and the session with it, from the same package
    assert done.stdout.split("\n")[:3] == [
        "False",
        "True sqlalchemy.ext.asyncio.session True",
        "False",
    ]


def test_lean_packages_still_give_what_was_left_out_to_code_that_asks_for_it():
    # Given a process that imported fedlocal (uvicorn without its command line, httpx
    # without its command-line client)
    script = """
import sys
import fedlocal
import httpx
from uvicorn import Config, Server
print("click" in sys.modules, "uvicorn.main" in sys.modules)
import uvicorn
print(callable(uvicorn.run), "uvicorn.main" in sys.modules, uvicorn.Server is Server)
print(callable(httpx.main), hasattr(uvicorn, "no_such_name"))
"""
    # When it asks uvicorn for its command line's `run` and httpx for its `main`
    done = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    )

    # Then the first import loaded no command line, and `run` comes when asked for; httpx
    # has the `main` it defines when its client cannot be imported
    assert done.stdout.split("\n")[:3] == ["False False", "True True True", "True False"]
