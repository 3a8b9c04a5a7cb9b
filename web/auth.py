"""Browser sessions: the cookie, the stored session behind it, who is logged in.

The cookie holds 32 random bytes; the store keeps their SHA-256 only. Cookies are
HttpOnly and SameSite=Lax, and Secure when the instance is served over https. Logging in
replaces the session (a new token: no session fixation); logging out deletes it. A
session lives `session_retention_days` (the config) from its last renewal; it is renewed,
at most once a day, while it is used, and the maintenance worker forgets it once expired.
A visitor who has not logged in gets a session only when a page shows them a form (the
form's CSRF token needs the session's secret).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from fedlocal.clock import utcnow
from fedlocal.config import Config
from fedlocal.models import Account, Actor, WebSession
from fedlocal.services import sessions as session_service
from fedlocal.services.context import ServiceContext

from . import csrf

COOKIE = "fedlocal_session"
ANONYMOUS_LIFETIME = csrf.TOKEN_LIFETIME
RENEW_AFTER = timedelta(days=1)
PURGE_EVERY_SECONDS = 600.0


def cookie_name(config: Config, base: str) -> str:
    """The name of the cookie `base` on this instance (`Config.cookie_name`)."""
    return config.cookie_name(base)


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
    def __init__(self, config: Config, services: ServiceContext):
        self.services = services
        self.secure = config.scheme == "https"
        self.cookie = cookie_name(config, COOKIE)
        self.lifetime = timedelta(days=config.session_retention_days)
        self._last_purge = 0.0

    async def load(self, request: Request) -> Visitor:
        token = request.cookies.get(self.cookie)
        if not token or len(token) > 100:
            return Visitor()
        found = await session_service.resume(
            self.services,
            token_hash(token),
            now=utcnow(),
            lifetime=self.lifetime,
            renew_after=RENEW_AFTER,
        )
        if found is None:
            return Visitor(clear_cookie=True)
        return Visitor(session=found.session, account=found.account, actor=found.actor)

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
        visitor.session, visitor.new_token = await self._create(
            account.id, csrf.new_secret(), self.lifetime, replacing=visitor.session
        )
        visitor.account, visitor.actor = account, actor
        visitor.clear_cookie = False

    async def log_out(self, visitor: Visitor) -> None:
        if visitor.session is not None:
            await session_service.end(self.services, visitor.session.id)
        visitor.session = visitor.account = visitor.actor = None
        visitor.new_token = None
        visitor.clear_cookie = True

    async def end_other_sessions(self, visitor: Visitor) -> None:
        """After a password change: every other device is logged out."""
        assert visitor.account is not None and visitor.session is not None
        await session_service.end_others(self.services, visitor.account.id, keep=visitor.session.id)

    async def use_form_token(self, visitor: Visitor, token: str | None) -> None:
        """Accept a submitted form's token once; raises csrf.CsrfError otherwise."""
        secret = visitor.session.csrf_secret if visitor.session is not None else None
        now = utcnow()
        nonce_hash = csrf.verify(secret, token, now)
        assert visitor.session is not None
        if not await session_service.use_form_token(
            self.services, visitor.session.id, nonce_hash, now=now
        ):
            raise csrf.CsrfError("replayed")

    def apply(self, visitor: Visitor, response: Response) -> None:
        """Set or clear the cookie on the way out."""
        if visitor.new_token is not None:
            max_age = self.lifetime if visitor.account is not None else ANONYMOUS_LIFETIME
            response.set_cookie(
                self.cookie,
                visitor.new_token,
                max_age=int(max_age.total_seconds()),
                path="/",
                httponly=True,
                samesite="lax",
                secure=self.secure,
            )
        elif visitor.clear_cookie:
            response.delete_cookie(
                self.cookie, path="/", httponly=True, samesite="lax", secure=self.secure
            )

    async def _create(
        self,
        account_id: int | None,
        secret: str,
        lifetime: timedelta,
        replacing: WebSession | None = None,
    ) -> tuple[WebSession, str]:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        purge = time.monotonic() - self._last_purge >= PURGE_EVERY_SECONDS
        if purge:
            self._last_purge = time.monotonic()
        session = await session_service.start(
            self.services,
            token_hash=token_hash(token),
            account_id=account_id,
            csrf_secret=secret,
            now=now,
            lifetime=lifetime,
            replacing=replacing.id if replacing is not None else None,
            purge_tokens_used_before=now - csrf.TOKEN_LIFETIME if purge else None,
        )
        return session, token
