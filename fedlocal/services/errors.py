"""Errors services raise; each way in maps them to its own response (HTTP 4xx, CLI line)."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be carried out, with a message fit to show to the person.

    The message is a fixed English sentence, its variable parts named in `%(name)s`
    placeholders and given as `params` (`Conflict("the name '%(name)s' is taken",
    name=name)`): the web app translates `template` and fills it in; the API and the CLI
    show `message`, the English sentence filled in."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, **params: object):
        filled = message % params if params else message
        super().__init__(filled)
        self.template = message
        self.params = params
        self.message = filled
        self.field = field


class InvalidInput(ServiceError):
    status = 422


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class RemoteFailure(ServiceError):
    """A remote server could not be reached or gave something we cannot use.

    `detail` (the HTTP status, the connection error) is for the log and the queues'
    failure lists: `str(exc)` carries it, `message` (shown to people) does not."""

    status = 502

    def __init__(
        self, message: str, *, field: str | None = None, detail: str = "", **params: object
    ):
        super().__init__(message, field=field, **params)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message}: {self.detail}" if self.detail else self.message


class Busy(ServiceError):
    """The server cannot take this on now; the request may be sent again after
    `retry_after` seconds."""

    status = 503

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
