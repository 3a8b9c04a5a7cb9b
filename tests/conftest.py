"""Fixtures shared by the whole suite, and by the tests that federate with a stub: a
remote stub server and an instance whose workers the test drives itself (test modules
may override `inst`).

Costs every test would otherwise pay, taken once: argon2 at full strength (64 MiB and
tens of milliseconds per hash; its strength is not what tests check), RSA-2048 key
generation for each new actor (real keys, made once and handed out in turn), the CA
bundle loaded for each new client, ours or httpx's (about 40 ms; the tests' clients speak
plain HTTP on loopback, and a client that does verify gets the same context), and the
compilation of each SQL statement by each new engine (tests/support/compiled_statements.py)."""

from __future__ import annotations

import functools
import itertools
import os
import threading

import httpx._transports.default as httpx_transports
import pytest

from activitypub import keys, ssrf
from fedlocal.services import accounts
from fedlocal.store import database
from tests.support import compiled_statements
from tests.support.hashing import cheap_hasher
from tests.support.instance import running_instance
from tests.support.remote_stub import remote_stub

# Enough that no test's actors share one (the largest, three instances, make about 20).
RSA_KEYS_IN_TURN = 64


@pytest.fixture(scope="session", autouse=True)
def rsa_keys_made_once():
    """`generate_rsa_key` hands out one of a few real keys in turn (made on first use)."""
    made: list = []
    turn = itertools.count()
    lock = threading.Lock()
    generate = keys.generate_rsa_key

    def next_key():
        with lock:
            number = next(turn) % RSA_KEYS_IN_TURN
            if number == len(made):
                made.append(generate())
            return made[number]

    keys.generate_rsa_key = next_key
    yield
    keys.generate_rsa_key = generate


@pytest.fixture(scope="session", autouse=True)
def default_tls_context_made_once():
    """httpx's default verifying context (certifi's bundle) and the one our outgoing
    clients use (the system store) built once for each setting of the variables they
    read, not per client."""
    create = httpx_transports.create_ssl_context
    outgoing = ssrf.outgoing_ssl_context

    @functools.cache
    def cached(kind: str, trust_env: bool, ssl_cert_file, ssl_cert_dir):
        return outgoing() if kind == "outgoing" else create(trust_env=trust_env)

    def environment() -> tuple[str | None, str | None]:
        return os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")

    def create_ssl_context(verify=True, cert=None, trust_env=True):
        if verify is True and cert is None:
            return cached("httpx", trust_env, *environment())
        return create(verify=verify, cert=cert, trust_env=trust_env)

    httpx_transports.create_ssl_context = create_ssl_context
    ssrf.outgoing_ssl_context = lambda: cached("outgoing", True, *environment())
    yield
    httpx_transports.create_ssl_context = create
    ssrf.outgoing_ssl_context = outgoing


@pytest.fixture(scope="session", autouse=True)
def statements_compiled_once():
    """Every engine of the test process shares one cache of compiled statements."""
    create = database.create_async_engine
    database.create_async_engine = compiled_statements.sharing(
        create, compiled_statements.SharedCompiledCache()
    )
    yield
    database.create_async_engine = create


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch) -> None:
    """argon2 with its cheapest settings (tests that need another hasher set their own)."""
    monkeypatch.setattr(accounts, "_hasher", cheap_hasher())
    accounts._dummy_hash.cache_clear()


@pytest.fixture
async def stub():
    """A Mastodon/GoToSocial-shaped remote server on loopback."""
    async with remote_stub() as server:
        yield server


@pytest.fixture
async def inst(tmp_path, stub):
    """An instance with workers off: tests call `run_once()` to take each step."""
    async with running_instance(tmp_path, run_workers=False) as instance:
        yield instance


# The long files first: the browser tests, the instances run as processes, the walk of
# every route. Spread over the workers while the many short files fill the gaps at the
# end, they do not leave one worker finishing a long file alone.
LONG_FIRST = ("tests/ui/", "tests/e2e/", "tests/boundary/", "tests/test_cli")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the tests long files first, keeping each file's own order."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        for position, prefix in enumerate(LONG_FIRST):
            if path.startswith(prefix):
                return position
        return len(LONG_FIRST)

    items.sort(key=rank)
