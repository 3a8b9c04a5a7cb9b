"""Logging in with a password, rate limited.

At most MAX_FAILURES_PER_ACCOUNT failed attempts per account (or per login name typed,
when no account has it) and MAX_FAILURES_PER_ADDRESS per client address within WINDOW;
beyond that every attempt is refused without checking the password, right or wrong, until
the oldest failure leaves the window. A success forgets the account's failures.
"""

from __future__ import annotations

import math
from datetime import timedelta

from ..models import Account
from ..store import accounts as account_store
from ..store import login_attempts as attempt_store
from ..store import residents as resident_store
from ..store.clock import utcnow
from .accounts import MAX_PASSWORD_LENGTH, authenticate
from .context import ServiceContext
from .errors import Forbidden, ServiceError

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
# Higher: a household or an office shares one address.
MAX_FAILURES_PER_ADDRESS = 20
MAX_LOGIN_LENGTH = 320


class LoginRefused(ServiceError):
    """Wrong login or password (never says which)."""

    status = 401


class TooManyAttempts(ServiceError):
    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class AwaitingApproval(Forbidden):
    """The password is right, but an admin has not approved the sign-up yet."""


async def log_in(ctx: ServiceContext, login: str, password: str, *, ip: str) -> Account:
    """The account whose login (username or e-mail) and password these are.

    Raises TooManyAttempts, LoginRefused or AwaitingApproval (a suspended account is
    refused like a wrong password).
    """
    login = login.strip().lower()
    if not login or len(login) > MAX_LOGIN_LENGTH:
        raise LoginRefused("wrong username or password")
    now = utcnow()
    since = now - WINDOW
    async with ctx.db.read() as conn:
        account = await account_store.get_account_by_login(conn, login)
        subject = account.username if account is not None else login
        per_account, oldest_account = await attempt_store.failures_since(
            conn, since=since, login=subject
        )
        per_address, oldest_address = await attempt_store.failures_since(conn, since=since, ip=ip)
    blocking = [
        oldest
        for count, limit, oldest in (
            (per_account, MAX_FAILURES_PER_ACCOUNT, oldest_account),
            (per_address, MAX_FAILURES_PER_ADDRESS, oldest_address),
        )
        if count >= limit and oldest is not None
    ]
    if blocking:
        free_at = max(blocking) + WINDOW
        retry_after = max(1, math.ceil((free_at - now).total_seconds()))
        raise TooManyAttempts("too many failed attempts", retry_after=retry_after)
    found = None
    if len(password) <= MAX_PASSWORD_LENGTH:
        found = await authenticate(ctx, login, password)
    if found is None:
        async with ctx.db.write() as conn:
            await attempt_store.record_failure(conn, ip=ip, login=subject, now=now)
            await attempt_store.purge(conn, before=now - WINDOW)
        raise LoginRefused("wrong username or password")
    if not found.is_approved:
        raise AwaitingApproval("this account is waiting for an administrator's approval")
    async with ctx.db.write() as conn:
        await attempt_store.clear(conn, login=subject)
        await resident_store.record_login(conn, found.id, now=now)
    return found
