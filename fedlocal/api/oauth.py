"""OAuth2 endpoints: app registration, the authorization page (log in and approve, with
PKCE S256, `state` passed back, the out-of-band code shown), the token endpoint
(authorization code, password, client credentials), revocation and RFC 8414 metadata.

The authorization form is protected from cross-site posts by a double-submit token: a
random value in a SameSite cookie that the form must repeat.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import secrets
from urllib.parse import unquote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..oauth import TOP_SCOPES, VALID_SCOPES, OAuthApp, parse_scopes
from ..services import login, oauth, push
from ..services.errors import Busy, ServiceError
from . import authorize_page, entities
from .auth import Call, endpoint, services_of
from .errors import from_service_error, oauth_error_response
from .params import Params, read_params

CSRF_COOKIE = "fedlocal_oauth_csrf"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; default-src 'self'",
    "Referrer-Policy": "no-referrer",
}
TOKEN_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GRANT_TYPES = ("authorization_code", "password", "client_credentials")
AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "lang",
)


@endpoint(who="none")
async def create_app(call: Call):
    p = call.params
    scopes = parse_scopes(p.list("scopes") if len(p.list("scopes")) > 1 else p.str("scopes"))
    redirect_value = p.list("redirect_uris") if "redirect_uris" in p else p.list("redirect_uri")
    app, secret = await oauth.register_app(
        call.ctx,
        name=p.str("client_name") or "",
        redirect_uris=oauth.redirect_uri_list(redirect_value),
        scopes=scopes,
        website=p.str("website"),
    )
    vapid_key = await push.vapid_public_key(call.ctx)
    return entities.application(app, client_secret=secret, vapid_key=vapid_key)


@endpoint(who="app")
async def verify_app(call: Call):
    assert call.auth is not None
    return entities.application(call.auth.app, vapid_key=await push.vapid_public_key(call.ctx))


# --- the authorization page ---------------------------------------------------------------


class _Refused(Exception):
    """The request cannot go on: answered on the page, never by redirecting."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


def _redirect_with(uri: str, values: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in values.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def _page(request: Request, kind: str, *, status: int = 200, **context) -> HTMLResponse:
    ctx = services_of(request)
    given = context.pop("lang", None)
    lang = authorize_page.language(
        given or request.query_params.get("lang"),
        request.headers.get("accept-language"),
        ctx.config.default_language,
    )
    context.setdefault("instance", ctx.config.name)
    return HTMLResponse(
        authorize_page.render(kind, lang, **context), status_code=status, headers=PAGE_HEADERS
    )


def _refusal(request: Request, error: str) -> Response:
    """An invalid request that must not redirect (unknown app, unregistered redirect)."""
    description = oauth.DESCRIPTIONS.get(error, error)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": error, "error_description": description}, status_code=400)
    return _page(request, "error", status=400, error=error, description=description)


async def _checked_request(request: Request, p: Params):
    """(app, redirect URI) of an authorization request, or _Refused: an unknown app or an
    unregistered redirect URI is never redirected to."""
    ctx = services_of(request)
    app = await oauth.find_app(ctx, p.str("client_id"))
    if app is None:
        raise _Refused("invalid_client")
    try:
        redirect_uri = oauth.check_redirect_uri(app, p.str("redirect_uri"))
    except oauth.OAuthError as exc:
        raise _Refused(exc.error) from None
    return app, redirect_uri


def _oauth_failure(request: Request, redirect_uri: str, error: str, state: str | None):
    if redirect_uri == oauth.OOB:
        return _refusal(request, error)
    return RedirectResponse(
        _redirect_with(redirect_uri, {"error": error, "state": state}), status_code=302
    )


def _csrf_cookie(request: Request) -> str:
    return services_of(request).config.cookie_name(CSRF_COOKIE)


async def authorize_form(request: Request) -> Response:
    p = await read_params(request)
    try:
        app, redirect_uri = await _checked_request(request, p)
    except _Refused as refused:
        return _refusal(request, refused.error)
    state = p.str("state")
    try:
        if (p.str("response_type") or "code") != "code":
            raise oauth.OAuthError("unsupported_response_type")
        scopes = oauth.requested_scopes(app, p.str("scope"))
        oauth.check_code_challenge(p.str("code_challenge"), p.str("code_challenge_method"))
    except oauth.OAuthError as exc:
        return _oauth_failure(request, redirect_uri, exc.error, state)
    csrf = request.cookies.get(_csrf_cookie(request)) or secrets.token_urlsafe(32)
    response = _form(request, app, p, scopes, csrf, redirect_uri=redirect_uri)
    response.set_cookie(
        _csrf_cookie(request),
        csrf,
        httponly=True,
        samesite="lax",
        secure=services_of(request).config.scheme == "https",
        path="/oauth",
    )
    return response


def _form(
    request: Request,
    app: OAuthApp,
    p: Params,
    scopes: tuple[str, ...],
    csrf: str,
    *,
    redirect_uri: str,
    status: int = 200,
    problem: str | None = None,
    retry_after: int | None = None,
    username: str = "",
) -> HTMLResponse:
    """The login-and-approve form; `problem` (a key of the page's words) says why the
    last try did not go through."""
    hidden = [(name, p.str(name)) for name in AUTHORIZE_FIELDS if p.str(name)]
    hidden = [(n, v) for n, v in hidden if n != "redirect_uri"] + [("redirect_uri", redirect_uri)]
    hidden.append(("csrf_token", csrf))
    response = _page(
        request,
        "form",
        status=status,
        app_name=app.name,
        scopes=scopes,
        hidden=hidden,
        action=request.url.path,
        problem=problem,
        minutes=max(1, math.ceil(retry_after / 60)) if retry_after else None,
        username=username,
        lang=p.str("lang"),
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


# Why a login on the authorization page did not go through, as the page words it.
_PROBLEMS: dict[type[ServiceError], str] = {
    login.LoginRefused: "failed",
    login.AwaitingApproval: "pending",
    login.TooManyAttempts: "locked",
    Busy: "busy",
}


def _client_address(request: Request) -> str:
    """The client's address, for the login limit (behind the reverse proxy, uvicorn has
    already put its `X-Forwarded-For` here: `fedlocal serve` runs it with proxy headers)."""
    return request.client.host if request.client else "unknown"


async def authorize_submit(request: Request) -> Response:
    p = await read_params(request)
    cookie = request.cookies.get(_csrf_cookie(request), "")
    sent = p.str("csrf_token") or ""
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        return _page(
            request,
            "error",
            status=403,
            error="invalid_request",
            description="The form has expired or did not come from this site: try again.",
        )
    try:
        app, redirect_uri = await _checked_request(request, p)
    except _Refused as refused:
        return _refusal(request, refused.error)
    state = p.str("state")
    ctx = services_of(request)
    try:
        scopes = oauth.requested_scopes(app, p.str("scope"))
        pkce = oauth.check_code_challenge(p.str("code_challenge"), p.str("code_challenge_method"))
    except oauth.OAuthError as exc:
        return _oauth_failure(request, redirect_uri, exc.error, state)
    if p.str("decision") == "deny":
        if redirect_uri == oauth.OOB:
            return _page(request, "denied", lang=p.str("lang"))
        return _oauth_failure(request, redirect_uri, "access_denied", state)
    typed = (p.str("username") or "").strip()
    try:
        account = await login.log_in(
            ctx, typed, p.str("password") or "", address=_client_address(request)
        )
    except (login.LoginRefused, login.AwaitingApproval, login.TooManyAttempts, Busy) as exc:
        return _form(
            request,
            app,
            p,
            scopes,
            cookie,
            redirect_uri=redirect_uri,
            status=exc.status,
            problem=_PROBLEMS[type(exc)],
            retry_after=getattr(exc, "retry_after", None),
            username=typed,
        )
    code = await oauth.issue_code(
        ctx, app, account, redirect_uri=redirect_uri, scopes=scopes, pkce=pkce
    )
    if redirect_uri == oauth.OOB:
        return _page(request, "code", code=code, lang=p.str("lang"))
    return RedirectResponse(
        _redirect_with(redirect_uri, {"code": code, "state": state}),
        status_code=302,
        headers={"Cache-Control": "no-store"},
    )


# --- tokens ---------------------------------------------------------------------------------


def _client_credentials(request: Request, p: Params) -> tuple[str | None, str | None]:
    """client_id and client_secret from HTTP Basic auth, else from the parameters."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return p.str("client_id"), p.str("client_secret")


async def token(request: Request) -> Response:
    try:
        p = await read_params(request)
        ctx = services_of(request)
        grant_type = p.str("grant_type")
        if grant_type not in GRANT_TYPES:
            raise oauth.OAuthError("unsupported_grant_type" if grant_type else "invalid_request")
        app = await oauth.authenticate_client(ctx, *_client_credentials(request, p))
        if grant_type == "authorization_code":
            grant = await oauth.exchange_code(
                ctx,
                app,
                code=p.str("code"),
                redirect_uri=p.str("redirect_uri"),
                code_verifier=p.str("code_verifier"),
            )
        elif grant_type == "password":
            grant = await oauth.password_grant(
                ctx,
                app,
                username=p.str("username"),
                password=p.str("password"),
                scope=p.str("scope"),
                address=_client_address(request),
            )
        else:
            grant = await oauth.client_credentials_grant(ctx, app, scope=p.str("scope"))
    except oauth.OAuthError as exc:
        response = oauth_error_response(exc)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except ServiceError as exc:
        return from_service_error(exc)
    return token_response(grant)


def token_response(grant: oauth.Grant) -> JSONResponse:
    """Mastodon's Token entity for a freshly issued token."""
    return JSONResponse(
        {
            "access_token": grant.access_token,
            "token_type": "Bearer",
            "scope": " ".join(grant.token.scopes),
            "created_at": int(grant.token.created_at.timestamp()),
        },
        headers=TOKEN_HEADERS,
    )


async def revoke(request: Request) -> Response:
    p = await read_params(request)
    ctx = services_of(request)
    try:
        app = await oauth.authenticate_client(ctx, *_client_credentials(request, p))
    except oauth.OAuthError:
        return JSONResponse(
            {
                "error": "unauthorized_client",
                "error_description": "You are not authorized to revoke this token",
            },
            status_code=403,
        )
    try:
        await oauth.revoke(ctx, app, p.str("token"))
    except oauth.OAuthError as exc:
        return oauth_error_response(exc)
    return JSONResponse({})


async def server_metadata(request: Request) -> Response:
    """RFC 8414 metadata (Mastodon 4.3+). Mastodon.py checks `grant_types_supported`
    before the password flow, and refuses http:// endpoints unless told `allow_http`."""
    base = services_of(request).config.base_url
    return JSONResponse(
        {
            "issuer": f"{base}/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "scopes_supported": [*TOP_SCOPES, *sorted(VALID_SCOPES - set(TOP_SCOPES))],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": list(GRANT_TYPES),
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
        }
    )


routes = [
    Route("/api/v1/apps", create_app, methods=["POST"]),
    Route("/api/v1/apps/verify_credentials", verify_app, methods=["GET"]),
    Route("/oauth/authorize", authorize_form, methods=["GET"]),
    Route("/oauth/authorize/", authorize_form, methods=["GET"]),
    Route("/oauth/authorize", authorize_submit, methods=["POST"]),
    Route("/oauth/authorize/", authorize_submit, methods=["POST"]),
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/.well-known/oauth-authorization-server", server_metadata, methods=["GET"]),
]
