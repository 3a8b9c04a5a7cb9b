"""The error boundary: an ASGI middleware around every route.

For each HTTP request it
1. gives the request an id (`X-Request-Id`, and `request_id` in every log record);
2. caps the body before anything reads it: a `Content-Length` over the route's limit is
   answered 413 at once, and a body that streams past it stops with `BodyTooLarge` at
   the chunk that crosses it, so no route ever holds more than its limit in memory;
3. turns whatever a route lets escape into an answer in the route's format
   (`answers.ErrorAnswers`):
   - `InputProblem` (the parsers' refusals): its own status;
   - the exceptions of malformed data (`ValueError`, `TypeError`, `KeyError`,
     `IndexError`, `OverflowError`, `RecursionError`, `AttributeError`): 400 — a parser
     should have refused the input, so these are also logged with their traceback;
   - a database that is unreachable or busy past its timeout: 503 with `Retry-After`;
   - anything else: 500, logged.
   A client that went away gets no answer; an exception after the answer has started is
   logged and the connection closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .answers import ErrorAnswers, Problem
from .problems import BAD_REQUEST, SERVER_ERROR, UNAVAILABLE, BodyTooLarge, InputProblem
from .request_id import HEADER, REQUEST_ID, new_request_id

log = logging.getLogger(__name__)

MALFORMED_DATA = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    RecursionError,
    AttributeError,
)
RETRY_AFTER_SECONDS = 30


def problem_for(exc: BaseException) -> Problem:
    """The answer an escaped exception gets (see the module's docstring)."""
    if isinstance(exc, InputProblem):
        return Problem.of(exc)
    if isinstance(exc, OperationalError | TimeoutError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return Problem(
            503,
            "the service is briefly unavailable, try again shortly",
            UNAVAILABLE,
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, MALFORMED_DATA):
        return Problem(400, "the request could not be understood", BAD_REQUEST)
    return Problem(500, "something went wrong on our side", SERVER_ERROR)


class ErrorBoundary:
    """See the module docstring. `body_limit(path)` is each path's body limit in bytes."""

    def __init__(self, app: ASGIApp, *, body_limit: Callable[[str], int], answers: ErrorAnswers):
        self.app = app
        self.body_limit = body_limit
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = REQUEST_ID.set(new_request_id())
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = REQUEST_ID.get()
        limit = self.body_limit(scope["path"])
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        declared = Headers(scope=scope).get("content-length")
        early: InputProblem | None = None
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()) or len(declared) > 19:
                early = InputProblem(400, "malformed Content-Length header", code=BAD_REQUEST)
            elif int(declared) > limit:
                early = BodyTooLarge(limit)
        if early is not None:
            await self._answer(scope, receive, send_with_id, Problem.of(early))
            return

        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, capped_receive, send_with_id)
        except ClientDisconnect:
            return
        except Exception as exc:
            problem = problem_for(exc)
            if not isinstance(exc, InputProblem):
                log.error(
                    "%s %s failed with %s (answered %s)",
                    scope.get("method"),
                    scope.get("path"),
                    type(exc).__name__,
                    problem.status,
                    exc_info=exc,
                )
            if started:
                raise
            await self._answer(scope, receive, send_with_id, problem)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
        response = await self.answers.answer(scope, problem)
        await response(scope, receive, send)
