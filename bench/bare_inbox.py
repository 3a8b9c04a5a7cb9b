"""The bare inbox: the least a durable, signature-checking inbox can do, as a yardstick.

`bench/inbox.py` runs it as its own uvicorn process and sends it the same signed requests
as fedlocal. Per POST to `/inbox` it does exactly this, and nothing else:

1. reads the whole body (`await request.body()`, no size cap, no Content-Type check);
2. `activitypub.httpsig.parse_request_signature` on the method, the URL rebuilt from the
   configured public base URL plus the raw path (as fedlocal does), the headers and the
   body: draft-cavage structure, Mastodon's coverage rules, the time window and the
   SHA-256 Digest of the body;
3. looks the keyId up in a dict filled once at startup (the key is never fetched) and runs
   `verify_parsed_signature` (RSA PKCS#1 v1.5 / SHA-256); 401 on any failure;
4. hands the raw body to one dedicated thread that owns the only SQLite connection
   (journal_mode=WAL, synchronous=FULL, busy_timeout 30 s, as fedlocal's store) and runs
   `BEGIN IMMEDIATE; INSERT INTO inbox(body) VALUES (?); COMMIT` — one transaction per
   request, committed before the answer;
5. answers 202 with an empty body.

No JSON parsing, no dedup, no origin or domain checks, no ORM, no logging. Uvicorn runs
with the settings `fedlocal serve` uses (asyncio loop, the same HTTP implementation,
`proxy_headers`, no access log).

    python bench/bare_inbox.py --port 8500 --database /tmp/bare.sqlite3 \\
        --base-url http://127.0.0.1:8500 --key KEY_ID=PUBLIC_KEY.pem
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activitypub.httpsig import SignatureError, parse_request_signature, verify_parsed_signature
from activitypub.keys import load_public_key_pem

SQLITE_BUSY_TIMEOUT_MS = 30_000
SCHEMA = "CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"


class Writer:
    """One SQLite connection, used only from one thread: one transaction per body."""

    def __init__(self, path: str):
        self.path = path
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(SCHEMA)
            self._local.conn = conn
        return conn

    def _insert(self, body: bytes) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO inbox (body) VALUES (?)", (body,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    async def insert(self, body: bytes) -> None:
        await asyncio.get_running_loop().run_in_executor(self.executor, self._insert, body)

    async def open(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.executor, self._connection)

    def close(self) -> None:
        def _close() -> None:
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                conn.close()

        self.executor.submit(_close).result()
        self.executor.shutdown()


def create_app(base_url: str, database: str, keys: dict[str, Any]) -> Starlette:
    writer = Writer(database)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await writer.open()
        try:
            yield
        finally:
            writer.close()

    async def inbox(request: Request) -> Response:
        body = await request.body()
        path = request.scope["raw_path"].decode("latin-1")
        try:
            parsed = parse_request_signature("POST", base_url + path, request.headers, body)
            key = keys.get(parsed.key_id)
            if key is None:
                return Response(status_code=401)
            verify_parsed_signature(parsed, key)
        except SignatureError:
            return Response(status_code=401)
        await writer.insert(body)
        return Response(status_code=202)

    async def health(request: Request) -> Response:
        return Response(status_code=204)

    return Starlette(
        routes=[Route("/inbox", inbox, methods=["POST"]), Route("/health", health)],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="SQLite file (created if absent)")
    parser.add_argument("--base-url", required=True, help="public origin the senders sign")
    parser.add_argument("--key", action="append", required=True, metavar="KEY_ID=PEM_FILE")
    args = parser.parse_args()
    keys = {}
    for item in args.key:
        key_id, _, pem_path = item.rpartition("=")
        keys[key_id] = load_public_key_pem(Path(pem_path).read_bytes())
    uvicorn.run(
        create_app(args.base_url.rstrip("/"), args.database, keys),
        host=args.host,
        port=args.port,
        log_level="warning",
        proxy_headers=True,
        lifespan="on",
        access_log=False,
    )


if __name__ == "__main__":
    main()
