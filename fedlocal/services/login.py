"""Checking a resident's password, rate limited: the one way every password check goes
(the web login form, the OAuth password grant and authorization page, the password
change in settings).

At most MAX_FAILURES_PER_ACCOUNT failed attempts per account (or per login name typed,
when no account has it) and MAX_FAILURES_PER_ADDRESS per client address within WINDOW;
beyond that every attempt is refused without checking the password, right or wrong, until
the oldest failure leaves the window. A success forgets the account's failures.

An attempt is counted as failed before its password is checked, in the transaction that
found room for it, and uncounted once the password proves right: guesses sent all at once
cannot all slip under the limit while their hashes are being computed.

Addresses and logins are stored as keyed hashes (HMAC-SHA256 under the instance's secret),
never in clear. An IPv6 address counts by its /64 network, as Mastodon's limits do: one
machine usually has a whole /64 to pick addresses from.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account
from ..store import accounts as account_store
from ..store import login_attempts as attempt_store
from ..store import residents as resident_store
from ..store.clock import utcnow
from .accounts import MAX_PASSWORD_LENGTH, password_matches
from .context import ServiceContext
from .errors import Busy, Forbidden, ServiceError

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
# Higher: a household or an office shares one address.
MAX_FAILURES_PER_ADDRESS = 20
MAX_LOGIN_LENGTH = 320
HASH_HEX_LENGTH = 32  # 128 bits: plenty to tell addresses apart, nothing to read back


class LoginRefused(ServiceError):
    """Wrong login or password (never says which)."""

    status = 401


class TooManyAttempts(ServiceError):
    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class AwaitingApproval(Forbidden):
    """The password is right, but the sign-up is not approved yet (by an admin, or in
    the `vouch` mode by enough neighbours): `account` is the one waiting."""

    account: Account | None = None


async def log_in(ctx: ServiceContext, login: str, password: str, *, address: str) -> Account:
    """The account whose login (username or e-mail) and password these are, tried from
    the client address `address`.

    Raises TooManyAttempts, LoginRefused or AwaitingApproval (a suspended account is
    refused like a wrong password), or Busy when the server cannot check one more
    password now.
    """
    login = login.strip().lower()
    if not login or len(login) > MAX_LOGIN_LENGTH:
        raise LoginRefused("wrong username or password")
    async with ctx.db.read() as conn:
        account = await account_store.get_account_by_login(conn, login)
    right = await _limited_check(
        ctx,
        subject=account.username if account is not None else login,
        address=address,
        password_hash=(
            account.password_hash if account is not None and not account.is_disabled else None
        ),
        password=password,
    )
    if not right:
        raise LoginRefused("wrong username or password")
    assert account is not None  # no hash, no match
    if not account.is_approved:
        waiting = AwaitingApproval("this account is waiting for an administrator's approval")
        waiting.account = account
        raise waiting
    async with ctx.db.write() as conn:
        await resident_store.record_login(conn, account.id, now=utcnow())
    return account


async def check_password(
    ctx: ServiceContext, account: Account, password: str, *, address: str
) -> bool:
    """Whether `password` is `account`'s (for a resident confirming a change), counted by
    the same limit as logins: a wrong one here is a failed login for the account.

    Raises TooManyAttempts or Busy as log_in does."""
    return await _limited_check(
        ctx,
        subject=account.username,
        address=address,
        password_hash=None if account.is_disabled else account.password_hash,
        password=password,
    )


async def _limited_check(
    ctx: ServiceContext,
    *,
    subject: str,
    address: str,
    password_hash: str | None,
    password: str,
) -> bool:
    """Whether `password` matches `password_hash` (None: nothing matches), if the limit
    for `subject` and `address` allows one more try; TooManyAttempts when it does not."""
    now = utcnow()
    login_key = keyed_hash(ctx, "login", subject)
    address_key = keyed_hash(ctx, "address", address_network(address))
    async with ctx.db.write() as conn:
        await attempt_store.lock(conn, (login_key, address_key))
        retry_after = await _blocked_for(conn, login_key, address_key, now)
        if retry_after is None:
            attempt = await attempt_store.record_failure(
                conn, address_hash=address_key, login_hash=login_key, now=now
            )
            await attempt_store.purge(conn, before=now - WINDOW)
    if retry_after is not None:
        raise TooManyAttempts("too many failed attempts", retry_after=retry_after)
    try:
        right = len(password) <= MAX_PASSWORD_LENGTH and await password_matches(
            password_hash, password
        )
    except Busy:
        async with ctx.db.write() as conn:
            await attempt_store.forget(conn, attempt)
        raise
    if right:
        async with ctx.db.write() as conn:
            await attempt_store.clear(conn, login_hash=login_key)
    return right


async def _blocked_for(
    conn: AsyncConnection, login_key: str, address_key: str, now: datetime
) -> int | None:
    """Seconds until one more attempt is allowed, or None when it is allowed now."""
    since = now - WINDOW
    per_login, oldest_login = await attempt_store.failures_since(
        conn, since=since, login_hash=login_key
    )
    per_address, oldest_address = await attempt_store.failures_since(
        conn, since=since, address_hash=address_key
    )
    blocking = [
        oldest
        for count, limit, oldest in (
            (per_login, MAX_FAILURES_PER_ACCOUNT, oldest_login),
            (per_address, MAX_FAILURES_PER_ADDRESS, oldest_address),
        )
        if count >= limit and oldest is not None
    ]
    if not blocking:
        return None
    free_at = max(blocking) + WINDOW
    return max(1, math.ceil((free_at - now).total_seconds()))


def address_network(address: str) -> str:
    """What the per-address limit counts: an IPv4 address, an IPv6 address's /64 network
    (an IPv4-mapped one as its IPv4 address); anything else as it is."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def keyed_hash(ctx: ServiceContext, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under the instance's secret, for `purpose`, in hex (truncated):
    equal values give equal hashes, and without the secret nothing leads back to them."""
    digest = hmac.new(ctx.secret, f"{purpose}\n{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:HASH_HEX_LENGTH]
