"""How each family of routes answers an error: one decision, used by the error boundary
and by the app's exception handlers alike.

- `/api/…` (the Mastodon client API): `{"error": message}` as Mastodon answers;
- `/oauth/token` and `/oauth/revoke`: OAuth's `{"error": code, "error_description": …}`;
- paths only machines use (inboxes, collections, discovery, feeds — the app says which):
  `{"error": message}`;
- every other path is a page, or a page and a document (actors and objects): the web
  app's error page in the visitor's language, unless the client asks for JSON
  (ActivityStreams, or `application/json` without HTML).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html import escape

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Scope

from activitypub.client import accepts_activitypub

from .problems import STATUS_CODES, InputProblem
from .request_id import current_request_id

log = logging.getLogger(__name__)

OAUTH_PATHS = frozenset({"/oauth/token", "/oauth/revoke"})
# OAuth 2.0 (RFC 6749 §5.2) has no code for "too large" or "server error": the closest.
_OAUTH_CODES = {429: "slow_down", 500: "server_error", 503: "temporarily_unavailable"}


@dataclass(frozen=True)
class Problem:
    """An error answer before it takes a route family's shape."""

    status: int
    message: str
    code: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: InputProblem) -> Problem:
        return cls(exc.status, exc.message, exc.code)

    @property
    def key(self) -> str:
        """The stable code residents' messages are chosen by."""
        return self.code or STATUS_CODES.get(self.status, "bad_request")


HtmlRenderer = Callable[[Request, Problem], Awaitable[Response]]


def wants_json(accept: str) -> bool:
    """Whether an `Accept` header asks for JSON rather than a page."""
    if accepts_activitypub(accept):
        return True
    return "json" in accept and "text/html" not in accept


class ErrorAnswers:
    """Turns a `Problem` into the answer the request's route family expects.

    `html` renders the web app's error page; `machine_path(path)` tells the paths that
    never serve a page."""

    def __init__(
        self,
        html: HtmlRenderer | None = None,
        machine_path: Callable[[str], bool] = lambda path: False,
    ):
        self.html = html
        self.machine_path = machine_path

    def family(self, scope: Scope) -> str:
        """ "api", "oauth", "json" or "html" for this request."""
        path = scope.get("path", "")
        if path in OAUTH_PATHS:
            return "oauth"
        if path.startswith("/api/"):
            return "api"
        if self.machine_path(path) or wants_json(Headers(scope=scope).get("accept", "")):
            return "json"
        return "html"

    async def answer(self, scope: Scope, problem: Problem) -> Response:
        family = self.family(scope)
        request_id = current_request_id()
        if family == "html":
            response = await self._html(scope, problem, request_id)
        elif family == "oauth":
            response = JSONResponse(
                {
                    "error": _OAUTH_CODES.get(problem.status, "invalid_request"),
                    "error_description": problem.message,
                },
                status_code=problem.status,
            )
        else:
            body = {"error": problem.message}
            if problem.status >= 500:
                body["request_id"] = request_id
            response = JSONResponse(body, status_code=problem.status)
        for name, value in problem.headers.items():
            response.headers[name] = value
        return response

    async def _html(self, scope: Scope, problem: Problem, request_id: str) -> Response:
        if self.html is not None:
            try:
                return await self.html(Request(scope), problem)
            except Exception:
                # The page needs the database (the visitor's session); when that is what
                # failed, a plain page still answers.
                log.exception("the error page could not be rendered")
        return HTMLResponse(_plain_page(problem, request_id), status_code=problem.status)


def _plain_page(problem: Problem, request_id: str) -> str:
    """A page in both languages that needs nothing but this module."""
    fr, en = _PLAIN_WORDS.get(problem.status, _PLAIN_WORDS[500])
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(fr)}</title></head><body><main><h1>{escape(fr)}</h1>"
        f'<p lang="en">{escape(en)}</p><p><a href="/">Accueil · Home</a></p>'
        f"<p><small>Référence · Reference: {escape(request_id)}</small></p></main></body></html>"
    )


_PLAIN_WORDS = {
    400: ("Cette demande n'a pas pu être comprise.", "This request could not be understood."),
    404: ("Cette page n'existe pas.", "This page does not exist."),
    405: ("Cette adresse ne s'utilise pas ainsi.", "This address is not used that way."),
    413: ("Ce qui a été envoyé est trop volumineux.", "What was sent is too large."),
    415: ("Ce format n'est pas accepté ici.", "This format is not accepted here."),
    429: ("Trop d'essais : réessayez dans un moment.", "Too many attempts: try again later."),
    500: (
        "Une erreur s'est produite de notre côté.",
        "Something went wrong on our side.",
    ),
    503: (
        "Le service est momentanément indisponible.",
        "The service is briefly unavailable.",
    ),
}
