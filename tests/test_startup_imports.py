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
)

SCRIPT = """
import asyncio, json, sys
from fedlocal.app import create_app
from fedlocal.config import load_config

async def main():
    app = create_app(load_config(sys.argv[1]))
    async with app.router.lifespan_context(app):
        pass

asyncio.run(main())
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_started_server_has_not_loaded_what_only_some_requests_need(tmp_path):
    # Given an instance whose database is up to date
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

    # When a fresh process builds the app and runs its start-up, as `fedlocal serve` does
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(config)], check=True, capture_output=True, text=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))

    # Then none of the libraries that only some requests need is in memory
    assert "sqlalchemy" in loaded  # (the check sees the process's modules)
    assert sorted(loaded.intersection(LOADED_ON_FIRST_USE)) == []
