"""Bearer tokens and scopes, and the `endpoint` wrapper every API route goes through:
parameters read, token checked, errors answered as Mastodon does.

- no token where one is needed, or an unknown, revoked or expired one: 401;
- a token without the scope the endpoint needs: 403;
- an app's own token (client credentials) where a user is needed: 422.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from ..boundary.ids import parse_id
from ..config import Config
from ..models import Account, Actor
from ..oauth import covers
from ..services import oauth
from ..services.context import ServiceContext
from ..services.errors import ServiceError
from ..urls import Urls
from .errors import (
    INVALID_TOKEN,
    NEEDS_USER,
    NOT_FOUND,
    OUT_OF_SCOPE,
    ApiError,
    error_response,
    from_service_error,
)
from .params import Params, read_params

Who = Literal["user", "optional", "app", "none"]


def services_of(connection: HTTPConnection) -> ServiceContext:
    """The services app.py gives the API (`app.state.services`)."""
    return connection.app.state.services


def bearer_token(request: Request, params: Params | None = None) -> str | None:
    """The token from `Authorization: Bearer …`, else the `access_token` parameter."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if params is not None:
        return params.str("access_token") or None
    return request.query_params.get("access_token") or None


async def authorize(
    ctx: ServiceContext, token: str | None, scope: str | None, who: Who
) -> oauth.Authorized | None:
    if who == "none":
        return None
    if token is None:
        if who == "optional":
            return None
        raise ApiError(401, INVALID_TOKEN)
    try:
        found = await oauth.check_token(ctx, token)
    except oauth.TokenProblem as exc:
        raise ApiError(401, exc.message) from None
    if scope is not None and not covers(found.token.scopes, [scope]):
        raise ApiError(403, OUT_OF_SCOPE)
    if who == "user" and found.actor is None:
        raise ApiError(422, NEEDS_USER)
    return found


@dataclass
class Call:
    """One API request: its parameters, who makes it, and what the app offers."""

    request: Request
    params: Params
    auth: oauth.Authorized | None

    @property
    def ctx(self) -> ServiceContext:
        return services_of(self.request)

    @property
    def config(self) -> Config:
        return self.ctx.config

    @property
    def urls(self) -> Urls:
        return self.ctx.urls

    @property
    def viewer(self) -> Actor | None:
        return self.auth.actor if self.auth is not None else None

    @property
    def actor(self) -> Actor:
        assert self.auth is not None and self.auth.actor is not None
        return self.auth.actor

    @property
    def account(self) -> Account:
        assert self.auth is not None and self.auth.account is not None
        return self.auth.account

    def path_id(self, name: str = "id") -> int:
        """A numeric id from the path; anything else is an unknown record (404)."""
        found = parse_id(self.request.path_params.get(name))
        if found is None:
            raise ApiError(404, NOT_FOUND)
        return found


Handler = Callable[[Call], Awaitable[Response | Any]]


def endpoint(scope: str | None = None, *, who: Who = "user") -> Callable[[Handler], Any]:
    """Wrap a handler taking a Call; a handler may return a Response or JSON-able data."""

    def wrap(handler: Handler):
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            try:
                params = await read_params(request)
                ctx = services_of(request)
                auth = await authorize(ctx, bearer_token(request, params), scope, who)
                result = await handler(Call(request, params, auth))
            except ApiError as exc:
                return error_response(exc.status, exc.message)
            except ServiceError as exc:
                return from_service_error(exc)
            return result if isinstance(result, Response) else JSONResponse(result)

        return route

    return wrap
