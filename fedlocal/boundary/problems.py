"""What the input parsers raise: a status, a stable code and a message for the log."""

from __future__ import annotations

# The codes a route family turns into words (the web app translates them; the JSON
# answers carry the message).
BAD_REQUEST = "bad_request"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
TOO_LARGE = "too_large"
UNSUPPORTED_TYPE = "unsupported_type"
TOO_MANY = "too_many_requests"
SERVER_ERROR = "server_error"
UNAVAILABLE = "unavailable"

STATUS_CODES = {
    400: BAD_REQUEST,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: TOO_LARGE,
    415: UNSUPPORTED_TYPE,
    429: TOO_MANY,
    500: SERVER_ERROR,
    503: UNAVAILABLE,
}


class InputProblem(Exception):
    """Input refused at the boundary: answered with `status` in the route's format.

    `message` is plain English for API clients and the log; residents see a translated
    sentence chosen by `code`.
    """

    def __init__(self, status: int, message: str, *, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or STATUS_CODES.get(status, BAD_REQUEST)


class BodyTooLarge(InputProblem):
    """A body over its route's limit (by Content-Length, or while it streams in)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the body exceeds {limit} bytes", code=TOO_LARGE)
        self.limit = limit


def bad_request(message: str) -> InputProblem:
    return InputProblem(400, message, code=BAD_REQUEST)


def not_found(message: str = "not found") -> InputProblem:
    return InputProblem(404, message, code=NOT_FOUND)
