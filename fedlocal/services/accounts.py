"""Accounts: creating residents and checking their passwords."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from ..models import Account, Actor
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import legal as legal_store
from .context import ServiceContext
from .errors import Busy, Conflict, InvalidInput
from .keys import generate_key_pems, store_actor_keys

# Mastodon's mention parser only links this shape (interop.md §1.1).
USERNAME_PATTERN = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?$")
RESERVED_USERNAMES = frozenset(
    {"admin", "actor", "inbox", "outbox", "relay", "root", "support", "www", "api", "about"}
)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

T = TypeVar("T")
BUSY_RETRY_AFTER = 5  # seconds


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what a container or taskset allows us
    except AttributeError:
        return os.cpu_count() or 1


class HashingGate:
    """Runs argon2 in its own threads, at most `workers` at once, with at most `waiting`
    more queued; beyond that a request is refused at once (Busy) rather than queued.

    Each hash takes its memory cost (64 MiB by default) and a core for tens of
    milliseconds: a flood of guesses must wait its turn, not exhaust memory, and must not
    pile up a queue that makes every login time out. Threads, not an asyncio semaphore,
    so the gate serves every event loop of the process."""

    def __init__(self, workers: int, waiting: int):
        self.workers = workers
        self.waiting = waiting
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._lock = threading.Lock()
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """How many hashes are running or waiting now."""
        return self._admitted

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` in one of the gate's threads; Busy when the queue is full."""
        with self._lock:
            if self._admitted >= self.workers + self.waiting:
                raise Busy("the server is busy checking passwords", retry_after=BUSY_RETRY_AFTER)
            self._admitted += 1
        try:
            future = self._executor.submit(function, *args)
        except BaseException:
            self._release()
            raise
        # Released when the work ends (or is cancelled before it starts), not when the
        # caller stops waiting: a hash still running still counts.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _future: Future[Any] | None = None) -> None:
        with self._lock:
            self._admitted -= 1


# At most 8 at once even on a big machine: 8 × 64 MiB is already half a gigabyte.
HASH_WORKERS = max(1, min(_usable_cpus(), 8))
# A queued check waits for about (waiting / workers) × one hash: a second or two at most.
HASH_WAITING = 16 * HASH_WORKERS
_gate = HashingGate(HASH_WORKERS, HASH_WAITING)


def validate_username(username: str) -> str:
    """The canonical (lower-case) username, or InvalidInput saying what is wrong."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise InvalidInput(
            "a username is 1 to 30 characters: letters a-z, digits, _ and inner . or -",
            field="username",
        )
    if name in RESERVED_USERNAMES:
        raise InvalidInput("the username '%(name)s' is reserved", name=name, field="username")
    return name


def validate_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            "a password has %(min)s to %(max)s characters",
            min=MIN_PASSWORD_LENGTH,
            max=MAX_PASSWORD_LENGTH,
            field="password",
        )


async def hash_password(password: str) -> str:
    """An argon2id hash, computed through the hashing gate (it is deliberately slow).

    Raises Busy when too many hashes are already running and waiting."""
    return await _gate.run(_hasher.hash, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed in `password_hash`. With None (no such
    account), a dummy hash is checked all the same, so timing does not reveal which
    accounts exist. Raises Busy as hash_password does."""

    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return False

    return await _gate.run(check)


async def create_account(
    ctx: ServiceContext,
    username: str,
    password: str,
    *,
    email: str | None = None,
    admin: bool = False,
    approved: bool = True,
    display_name: str = "",
    locale: str | None = None,
    terms_version: str | None = None,
) -> tuple[Account, Actor]:
    """Create a resident: an account and its Person actor with fresh keys; with
    `terms_version`, their acceptance of those terms recorded in the same transaction."""
    name = validate_username(username)
    validate_password(password)
    if email is not None:
        email = email.strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise InvalidInput("this e-mail address is not valid", field="email")
    password_hash = await hash_password(password)
    pems = await generate_key_pems()
    urls = ctx.urls
    try:
        async with ctx.db.write() as conn:
            if await actor_store.get_local_actor(conn, name) is not None:
                raise Conflict("the username '%(name)s' is taken", name=name, field="username")
            actor = await actor_store.insert_local_actor(
                conn,
                role="resident",
                type="Person",
                username=name,
                domain=ctx.config.domain,
                display_name=display_name or name,
                **urls.actor_endpoints(name),
            )
            await store_actor_keys(conn, urls, actor, pems)
            account = await account_store.insert_account(
                conn,
                actor_id=actor.id,
                username=name,
                password_hash=password_hash,
                email=email,
                is_admin=admin,
                is_approved=approved,
                locale=locale,
            )
            if terms_version is not None:
                await legal_store.record_acceptance(
                    conn, account.id, terms_version, now=account.created_at
                )
    except IntegrityError:
        # Lost a race with a concurrent sign-up for the same name or e-mail.
        raise Conflict("this username or e-mail address is taken", field="username") from None
    return account, actor


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password")
