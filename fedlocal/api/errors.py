"""Errors as Mastodon answers them: `{"error": "..."}` with its status codes, and OAuth's
`{"error": code, "error_description": text}`."""

from __future__ import annotations

from starlette.responses import JSONResponse

from ..services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from ..services.new_accounts import NewAccountLimit
from ..services.oauth import OAuthError

NOT_FOUND = "Record not found"
OUT_OF_SCOPE = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"
INVALID_TOKEN = "The access token is invalid"  # noqa: S105 (a message, not a secret)


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def oauth_error_response(exc: OAuthError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_client"'} if exc.status == 401 else None
    return JSONResponse(
        {"error": exc.error, "error_description": exc.message},
        status_code=exc.status,
        headers=headers,
    )


def from_service_error(exc: ServiceError) -> JSONResponse:
    """A service's refusal in Mastodon's words: 404 Record not found, 422 Validation
    failed, 403 for what one may not do."""
    if isinstance(exc, OAuthError):
        return oauth_error_response(exc)
    if isinstance(exc, NotFound):
        return error_response(404, NOT_FOUND)
    if isinstance(exc, NewAccountLimit):
        return _rate_limited(exc)
    if isinstance(exc, InvalidInput):
        message = exc.message
        if not message.startswith("Validation failed"):
            message = f"Validation failed: {message}"
        return error_response(422, message)
    if isinstance(exc, Conflict):
        return error_response(422, exc.message)
    if isinstance(exc, Forbidden):
        return error_response(403, exc.message)
    return error_response(exc.status, exc.message)


def _rate_limited(exc: NewAccountLimit) -> JSONResponse:
    """A new account's daily limit as Mastodon answers its own rate limits: 429, with
    the limit and when it resets in `X-RateLimit-*` headers (the reset as ISO 8601) and
    `Retry-After`; the error says it in a sentence an app can show."""
    response = error_response(429, exc.message)
    response.headers["Retry-After"] = str(exc.retry_after)
    response.headers["X-RateLimit-Limit"] = str(exc.limit)
    response.headers["X-RateLimit-Remaining"] = "0"
    response.headers["X-RateLimit-Reset"] = exc.until.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )
    return response
