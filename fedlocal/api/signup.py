"""In-app sign-up: `POST /api/v1/accounts` (`username`, `email`, `password`,
`agreement`, `locale`, `reason`, `invite_code`), with an app token (client credentials)
holding `write:accounts`, as Mastodon.

The instance's sign-up mode decides, by the same service as the web form
(services/signup.py): `open` answers a token that works at once; `approval` answers a
token refused ("pending approval") until an admin approves the account; `invite` needs a
valid `invite_code`. Sign-ups are limited per client address."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..services import oauth, rate_limits, signup
from ..services.errors import ServiceError
from ..services.login import address_network
from .auth import Call, endpoint
from .oauth import _client_address, token_response

# Mastodon's error codes in `details`, by the service's field.
_CODES = {"username": "ERR_TAKEN", "invite_code": "ERR_INVALID"}


def _refusal(exc: ServiceError) -> JSONResponse:
    body: dict[str, Any] = {"error": f"Validation failed: {exc.message}"}
    if exc.field:
        code = _CODES.get(exc.field, "ERR_INVALID") if exc.status == 409 else "ERR_INVALID"
        body["details"] = {exc.field: [{"error": code, "description": exc.message}]}
    return JSONResponse(body, status_code=422 if exc.status in (400, 409, 422) else exc.status)


def _locale(call: Call, asked: str | None) -> str | None:
    """The app's language (`fr`, `fr-FR`) if the instance speaks it."""
    language = (asked or "").split("-")[0].split("_")[0].lower()
    return language if language in call.config.languages else None


@endpoint("write:accounts", who="app")
async def create(call: Call):
    p = call.params
    if not p.bool("agreement"):
        return JSONResponse(
            {
                "error": "Validation failed: Agreement must be accepted",
                "details": {
                    "agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}]
                },
            },
            status_code=422,
        )
    # Per client address, counted in the database: every web process shares the limit.
    address = address_network(_client_address(call.request))
    if wait := await rate_limits.allow(call.ctx, rate_limits.API_SIGN_UPS, address):
        return JSONResponse(
            {"error": "Too many requests"}, status_code=429, headers={"Retry-After": str(int(wait))}
        )
    assert call.auth is not None
    try:
        account, _actor = await signup.sign_up(
            call.ctx,
            username=(p.str("username") or "").strip().lower(),
            password=p.str("password") or "",
            email=(p.str("email") or "").strip() or None,
            invite_code=p.str("invite_code"),
            locale=_locale(call, p.str("locale")),
            # Mastodon's `reason` is the newcomer's word to whoever approves: in the
            # vouch mode, the presentation residents read.
            presentation=p.str("reason"),
            agreement=True,
        )
    except ServiceError as exc:
        return _refusal(exc)
    grant = await oauth.new_account_grant(call.ctx, call.auth.app, account, call.auth.token.scopes)
    return token_response(grant)


routes = [Route("/api/v1/accounts", create, methods=["POST"])]
