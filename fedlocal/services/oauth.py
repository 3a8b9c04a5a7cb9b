"""OAuth2 for the Mastodon client API: registering apps, authorization codes (PKCE S256),
the token grants (authorization code, password, client credentials), revocation, and
checking a Bearer token.

Secrets, codes and tokens are random and stored only as their SHA-256: a copy of the
database lets nobody act as a resident.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from ..oauth import (
    DEFAULT_SCOPES,
    AccessToken,
    OAuthApp,
    covers,
    parse_scopes,
    unknown_scopes,
)
from ..store import actors as actor_store
from ..store import oauth as oauth_store
from ..store.clock import utcnow
from . import login
from .context import ServiceContext
from .errors import Busy, InvalidInput, ServiceError

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
MAX_REDIRECT_URIS = 10
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "about"})
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*$")
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")

# RFC 6749 §5.2 error codes, with Doorkeeper's (Mastodon's) wording.
DESCRIPTIONS = {
    "invalid_client": "Client authentication failed due to unknown client, no client "
    "authentication included, or unsupported authentication method.",
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not "
    "match the redirection URI used in the authorization request, or was issued to another "
    "client.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "unsupported_grant_type": "The authorization grant type is not supported by the "
    "authorization server.",
    "invalid_request": "The request is missing a required parameter, includes an unsupported "
    "parameter value, or is otherwise malformed.",
    "invalid_redirect_uri": "The requested redirect uri is malformed or doesn't match client "
    "redirect URI.",
    "unauthorized_client": "The client is not authorized to perform this request using this "
    "method.",
    "access_denied": "The resource owner or authorization server denied the request.",
}


class OAuthError(ServiceError):
    """An OAuth protocol error: `error` is the RFC 6749 code; `retry_after` (seconds) when
    the same request may succeed later."""

    def __init__(
        self,
        error: str,
        description: str | None = None,
        *,
        status: int = 400,
        retry_after: int | None = None,
    ):
        super().__init__(description or DESCRIPTIONS.get(error, error))
        self.error = error
        self.status = status
        self.retry_after = retry_after


class TokenProblem(ServiceError):
    """A Bearer token that cannot be used (Mastodon's 401 messages)."""

    status = 401


@dataclass(frozen=True)
class Grant:
    """A freshly issued token: the only moment its value exists outside the client."""

    access_token: str
    token: AccessToken


@dataclass(frozen=True)
class Authorized:
    """Who a valid Bearer token acts for: an account, or the app alone (client credentials)."""

    token: AccessToken
    app: OAuthApp
    account: Account | None
    actor: Actor | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret() -> str:
    return secrets.token_urlsafe(32)


def valid_redirect_uri(uri: str) -> bool:
    """An absolute URI without fragment (custom app schemes allowed), or the OOB URN."""
    if uri == OOB:
        return True
    if len(uri) > 2000 or any(c.isspace() for c in uri) or "#" in uri:
        return False
    scheme, _, rest = uri.partition(":")
    if not rest or not _SCHEME.match(scheme) or scheme.lower() in FORBIDDEN_SCHEMES:
        return False
    if scheme.lower() in ("http", "https"):
        return bool(urlsplit(uri).netloc)
    return True


def redirect_uri_list(value: str | Sequence[str] | None) -> list[str]:
    """Redirect URIs as clients send them: one string (newline- or space-separated for
    several) or a list."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [uri for item in items for uri in str(item).split() if uri]


async def register_app(
    ctx: ServiceContext,
    *,
    name: str,
    redirect_uris: Sequence[str],
    scopes: Sequence[str],
    website: str | None = None,
) -> tuple[OAuthApp, str]:
    """Register a client application; returns it and its secret (shown only now)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(
            "Validation failed: Application name can't be blank", field="client_name"
        )
    if len(name) > 255:
        raise InvalidInput("Validation failed: Application name is too long", field="client_name")
    if not redirect_uris:
        raise InvalidInput("Validation failed: Redirect URI can't be blank", field="redirect_uris")
    if len(redirect_uris) > MAX_REDIRECT_URIS or not all(map(valid_redirect_uri, redirect_uris)):
        raise InvalidInput(
            "Validation failed: Redirect URI must be an absolute URI.", field="redirect_uris"
        )
    scopes = tuple(scopes) or DEFAULT_SCOPES
    if unknown_scopes(scopes):
        raise InvalidInput("Validation failed: Scopes are invalid", field="scopes")
    website = (website or "").strip() or None
    if website is not None and (
        len(website) > 2000 or not website.startswith(("https://", "http://"))
    ):
        website = None
    client_secret = _secret()
    async with ctx.db.write() as conn:
        app = await oauth_store.insert_app(
            conn,
            name=name,
            website=website,
            redirect_uris=list(dict.fromkeys(redirect_uris)),
            scopes=scopes,
            client_id=_secret(),
            client_secret_hash=digest(client_secret),
        )
    return app, client_secret


async def find_app(ctx: ServiceContext, client_id: str | None) -> OAuthApp | None:
    if not client_id:
        return None
    async with ctx.db.read() as conn:
        return await oauth_store.get_app_by_client_id(conn, client_id)


async def authenticate_client(
    ctx: ServiceContext, client_id: str | None, client_secret: str | None
) -> OAuthApp:
    """The app whose id and secret these are, or `invalid_client` (401)."""
    app = await find_app(ctx, client_id)
    if app is None or not client_secret:
        raise OAuthError("invalid_client", status=401)
    if not hmac.compare_digest(app.client_secret_hash, digest(client_secret)):
        raise OAuthError("invalid_client", status=401)
    return app


def requested_scopes(app: OAuthApp, scope: str | Sequence[str] | None) -> tuple[str, ...]:
    """The scopes asked for (the app's default `read` when none), or `invalid_scope` when
    they are unknown or beyond what the app registered."""
    scopes = parse_scopes(scope) or DEFAULT_SCOPES
    if unknown_scopes(scopes) or not covers(app.scopes, scopes):
        raise OAuthError("invalid_scope")
    return scopes


def check_redirect_uri(app: OAuthApp, redirect_uri: str | None) -> str:
    """The redirect URI to use: the one given if registered, the app's only one if none was
    given; else `invalid_redirect_uri`."""
    if not redirect_uri:
        if len(app.redirect_uris) == 1:
            return app.redirect_uris[0]
        raise OAuthError("invalid_redirect_uri")
    if redirect_uri not in app.redirect_uris:
        raise OAuthError("invalid_redirect_uri")
    return redirect_uri


def check_code_challenge(challenge: str | None, method: str | None) -> tuple[str, str] | None:
    """(challenge, "S256") for a PKCE request, None without one; plain is refused."""
    if not challenge:
        return None
    if (method or "plain") != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256")
    if not re.fullmatch(r"[A-Za-z0-9\-_]{43,128}", challenge):
        raise OAuthError("invalid_request", "code_challenge is malformed")
    return challenge, "S256"


async def issue_code(
    ctx: ServiceContext,
    app: OAuthApp,
    account: Account,
    *,
    redirect_uri: str,
    scopes: Sequence[str],
    pkce: tuple[str, str] | None,
) -> str:
    """An authorization code for `account`, bound to the app, the redirect URI, the scopes
    and the PKCE challenge."""
    code = _secret()
    async with ctx.db.write() as conn:
        await oauth_store.insert_code(
            conn,
            code_hash=digest(code),
            application_id=app.id,
            account_id=account.id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            code_challenge=pkce[0] if pkce else None,
            code_challenge_method=pkce[1] if pkce else None,
            expires_at=utcnow() + CODE_LIFETIME,
        )
    return code


def _pkce_matches(challenge: str, verifier: str | None) -> bool:
    if not verifier or not _VERIFIER.match(verifier):
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return hmac.compare_digest(computed.rstrip(b"=").decode(), challenge)


async def _issue_token(
    conn: AsyncConnection, app: OAuthApp, account_id: int | None, scopes: Sequence[str]
) -> Grant:
    value = _secret()
    token = await oauth_store.insert_token(
        conn,
        token_hash=digest(value),
        application_id=app.id,
        account_id=account_id,
        scopes=scopes,
    )
    return Grant(value, token)


async def exchange_code(
    ctx: ServiceContext,
    app: OAuthApp,
    *,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> Grant:
    """The authorization code grant. A code is used once; a replay fails."""
    if not code:
        raise OAuthError("invalid_request", "code is required")
    async with ctx.db.write() as conn:
        found = await oauth_store.get_code(conn, digest(code))
        if (
            found is None
            or found.application_id != app.id
            or found.used_at is not None
            or found.expires_at <= utcnow()
            or (redirect_uri or found.redirect_uri) != found.redirect_uri
            or (found.code_challenge and not _pkce_matches(found.code_challenge, code_verifier))
        ):
            raise OAuthError("invalid_grant")
        if not await oauth_store.use_code(conn, found.id):
            raise OAuthError("invalid_grant")
        # Suspended (or unapproved) since the code was issued: no token.
        account = await oauth_store.get_account(conn, found.account_id)
        if account is None or account.is_disabled or not account.is_approved:
            raise OAuthError("invalid_grant")
        return await _issue_token(conn, app, found.account_id, found.scopes)


async def password_grant(
    ctx: ServiceContext,
    app: OAuthApp,
    *,
    username: str | None,
    password: str | None,
    scope: str | Sequence[str] | None,
    address: str,
) -> Grant:
    """The (legacy) password grant: `username` is the username or the e-mail address,
    tried from the client address `address` under the same limit as every login.

    A refused login is `invalid_grant` (400) whatever the reason (wrong password,
    suspended, awaiting approval); a locked one `invalid_grant` with 429 and the wait, as
    Mastodon apps show `error_description` and treat 429 as "later"; a server too busy
    to check a password `temporarily_unavailable` (503)."""
    scopes = requested_scopes(app, scope)
    if not username or not password:
        raise OAuthError("invalid_request", "username and password are required")
    try:
        account = await login.log_in(ctx, username, password, address=address)
    except login.TooManyAttempts as exc:
        minutes = max(1, math.ceil(exc.retry_after / 60))
        raise OAuthError(
            "invalid_grant",
            f"Too many failed login attempts. Try again in {minutes} min.",
            status=429,
            retry_after=exc.retry_after,
        ) from None
    except Busy as exc:
        raise OAuthError(
            "temporarily_unavailable",
            "The server is busy. Try again in a moment.",
            status=503,
            retry_after=exc.retry_after,
        ) from None
    except (login.LoginRefused, login.AwaitingApproval):
        raise OAuthError("invalid_grant") from None
    async with ctx.db.write() as conn:
        return await _issue_token(conn, app, account.id, scopes)


async def client_credentials_grant(
    ctx: ServiceContext, app: OAuthApp, *, scope: str | Sequence[str] | None
) -> Grant:
    scopes = requested_scopes(app, scope)
    async with ctx.db.write() as conn:
        return await _issue_token(conn, app, None, scopes)


async def new_account_grant(
    ctx: ServiceContext, app: OAuthApp, account: Account, scopes: Sequence[str]
) -> Grant:
    """The token an app gets for the account it just signed up (Mastodon's
    `POST /api/v1/accounts`): the app token's scopes, for the new account. An account
    awaiting approval gets it too, and cannot use it until approved."""
    async with ctx.db.write() as conn:
        return await _issue_token(conn, app, account.id, scopes)


async def revoke(ctx: ServiceContext, app: OAuthApp, token: str | None) -> None:
    """Revoke one of the app's tokens. Unknown tokens are not an error (RFC 7009)."""
    if not token:
        raise OAuthError("invalid_request", "token is required")
    async with ctx.db.write() as conn:
        await oauth_store.revoke_token(conn, digest(token), app.id)


async def check_token(ctx: ServiceContext, value: str) -> Authorized:
    """Who the Bearer token `value` acts for; TokenProblem when it is unknown, revoked,
    expired, or its account can no longer log in."""
    async with ctx.db.read() as conn:
        token = await oauth_store.get_token(conn, digest(value))
        if token is None:
            raise TokenProblem("The access token is invalid")
        if token.revoked_at is not None:
            raise TokenProblem("The access token was revoked")
        if token.expires_at is not None and token.expires_at <= utcnow():
            raise TokenProblem("The access token expired")
        app = await oauth_store.get_app(conn, token.application_id)
        account = actor = None
        if token.account_id is not None:
            account = await oauth_store.get_account(conn, token.account_id)
            if account is not None and not account.is_approved and not account.is_disabled:
                raise TokenProblem("Your login is currently pending approval")
            if account is None or account.is_disabled or not account.is_approved:
                raise TokenProblem("Your login is currently disabled")
            actor = await actor_store.get_actor(conn, account.actor_id)
    assert app is not None
    return Authorized(token=token, app=app, account=account, actor=actor)
