"""Accounts: creating residents and checking their passwords."""

from __future__ import annotations

import asyncio
import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from ..models import Account, Actor
from ..store import accounts as account_store
from ..store import actors as actor_store
from .context import ServiceContext
from .errors import Conflict, InvalidInput
from .keys import generate_key_pems, store_actor_keys

# Mastodon's mention parser only links this shape (interop.md §1.1).
USERNAME_PATTERN = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?$")
RESERVED_USERNAMES = frozenset(
    {"admin", "actor", "inbox", "outbox", "relay", "root", "support", "www", "api", "about"}
)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


def validate_username(username: str) -> str:
    """The canonical (lower-case) username, or InvalidInput saying what is wrong."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise InvalidInput(
            "a username is 1 to 30 characters: letters a-z, digits, _ and inner . or -",
            field="username",
        )
    if name in RESERVED_USERNAMES:
        raise InvalidInput(f"the username '{name}' is reserved", field="username")
    return name


def validate_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field="password",
        )


async def hash_password(password: str) -> str:
    """An argon2id hash, computed in a thread (it is deliberately slow)."""
    return await asyncio.to_thread(_hasher.hash, password)


async def password_matches(password_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


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
) -> tuple[Account, Actor]:
    """Create a resident: an account and its Person actor with fresh keys."""
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
                raise Conflict(f"the username '{name}' is taken", field="username")
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
    except IntegrityError:
        # Lost a race with a concurrent sign-up for the same name or e-mail.
        raise Conflict("this username or e-mail address is taken", field="username") from None
    return account, actor


async def authenticate(ctx: ServiceContext, login: str, password: str) -> Account | None:
    """The account if `login` (username or e-mail) and `password` match, else None."""
    async with ctx.db.read() as conn:
        account = await account_store.get_account_by_login(conn, login)
    if account is None or account.is_disabled:
        # Hash anyway so timing does not reveal which usernames exist.
        await password_matches(_dummy_hash(), password)
        return None
    return account if await password_matches(account.password_hash, password) else None


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password")
