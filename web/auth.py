"""Browser sessions: the cookie, the store row behind it, who is logged in.

The cookie holds 32 random bytes; the store keeps their SHA-256 only. Cookies are
HttpOnly and SameSite=Lax, and Secure when the instance is served over https. Logging in
replaces the session (a new token: no session fixation); logging out deletes it. A
session lives SESSION_LIFETIME from its last renewal; it is renewed, at most once a day,
while it is used. A visitor who has not logged in gets a session only when a page shows
them a form (the form's CSRF token needs the session's secret).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from fedlocal.config import Config
from fedlocal.models import Account, Actor
from fedlocal.store import Database
from fedlocal.store import actors as actor_store
from fedlocal.store import residents as resident_store
from fedlocal.store import sessions as session_store
from fedlocal.store.clock import utcnow
from fedlocal.store.sessions import WebSession

from . import csrf

COOKIE = "fedlocal_session"
SESSION_LIFETIME = timedelta(days=30)
ANONYMOUS_LIFETIME = csrf.TOKEN_LIFETIME
RENEW_AFTER = timedelta(days=1)
PURGE_EVERY_SECONDS = 600.0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Visitor:
    """Who is asking: their session (if any), and their account and actor when logged in."""

    session: WebSession | None = None
    account: Account | None = None
    actor: Actor | None = None
    # Set when the response must carry a new cookie, or clear the old one.
    new_token: str | None = None
    clear_cookie: bool = False
    # A secret chosen for forms rendered before the session exists (see Sessions.ensure).
    pending_secret: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.account is not None and self.actor is not None

    @property
    def csrf_secret(self) -> str:
        """The secret that signs this visitor's form tokens; a session is made for it
        after rendering when there is none yet."""
        if self.session is not None:
            return self.session.csrf_secret
        if self.pending_secret is None:
            self.pending_secret = csrf.new_secret()
        return self.pending_secret


class Sessions:
    def __init__(self, config: Config, db: Database):
        self.db = db
        self.secure = config.scheme == "https"
        self._last_purge = 0.0

    async def load(self, request: Request) -> Visitor:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 100:
            return Visitor()
        now = utcnow()
        async with self.db.read() as conn:
            session = await session_store.get_live(conn, token_hash(token), now=now)
            if session is None:
                return Visitor(clear_cookie=True)
            if session.account_id is None:
                return Visitor(session=session)
            account = await resident_store.get_account(conn, session.account_id)
            actor = await actor_store.get_actor(conn, account.actor_id) if account else None
        visitor = Visitor(session=session)
        usable = account is not None and account.is_approved and not account.is_disabled
        if usable and actor is not None:
            visitor.account, visitor.actor = account, actor
        if visitor.logged_in and session.expires_at - now < SESSION_LIFETIME - RENEW_AFTER:
            async with self.db.write() as conn:
                await session_store.extend(conn, session.id, now + SESSION_LIFETIME)
        return visitor

    async def ensure(self, visitor: Visitor) -> None:
        """Store an anonymous session for a visitor who was shown a form."""
        if visitor.session is not None or visitor.pending_secret is None:
            return
        visitor.session, visitor.new_token = await self._create(
            None, visitor.pending_secret, ANONYMOUS_LIFETIME
        )
        visitor.clear_cookie = False

    async def log_in(self, visitor: Visitor, account: Account, actor: Actor) -> None:
        """A fresh session for the account, replacing the visitor's old one."""
        if visitor.session is not None:
            async with self.db.write() as conn:
                await session_store.delete_session(conn, visitor.session.id)
        visitor.session, visitor.new_token = await self._create(
            account.id, csrf.new_secret(), SESSION_LIFETIME
        )
        visitor.account, visitor.actor = account, actor
        visitor.clear_cookie = False

    async def log_out(self, visitor: Visitor) -> None:
        if visitor.session is not None:
            async with self.db.write() as conn:
                await session_store.delete_session(conn, visitor.session.id)
        visitor.session = visitor.account = visitor.actor = None
        visitor.new_token = None
        visitor.clear_cookie = True

    async def end_other_sessions(self, visitor: Visitor) -> None:
        """After a password change: every other device is logged out."""
        assert visitor.account is not None and visitor.session is not None
        async with self.db.write() as conn:
            await session_store.delete_for_account(
                conn, visitor.account.id, keep=visitor.session.id
            )

    async def use_form_token(self, visitor: Visitor, token: str | None) -> None:
        """Accept a submitted form's token once; raises csrf.CsrfError otherwise."""
        secret = visitor.session.csrf_secret if visitor.session is not None else None
        now = utcnow()
        nonce_hash = csrf.verify(secret, token, now)
        assert visitor.session is not None
        async with self.db.write() as conn:
            if not await session_store.use_form_token(
                conn, visitor.session.id, nonce_hash, now=now
            ):
                raise csrf.CsrfError("replayed")

    def apply(self, visitor: Visitor, response: Response) -> None:
        """Set or clear the cookie on the way out."""
        if visitor.new_token is not None:
            max_age = SESSION_LIFETIME if visitor.account is not None else ANONYMOUS_LIFETIME
            response.set_cookie(
                COOKIE,
                visitor.new_token,
                max_age=int(max_age.total_seconds()),
                path="/",
                httponly=True,
                samesite="lax",
                secure=self.secure,
            )
        elif visitor.clear_cookie:
            response.delete_cookie(
                COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure
            )

    async def _create(
        self, account_id: int | None, secret: str, lifetime: timedelta
    ) -> tuple[WebSession, str]:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        async with self.db.write() as conn:
            await self._purge_now_and_then(conn, now)
            session = await session_store.create(
                conn,
                token_hash=token_hash(token),
                account_id=account_id,
                csrf_secret=secret,
                now=now,
                expires_at=now + lifetime,
            )
        return session, token

    async def _purge_now_and_then(self, conn, now: datetime) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = time.monotonic()
        await session_store.purge(conn, now=now, tokens_used_before=now - csrf.TOKEN_LIFETIME)
