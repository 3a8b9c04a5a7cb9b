"""Errors raised by the signed HTTP client and the discovery clients built on it.

Every failure of an outgoing request surfaces as a `FetchError` subclass, so callers (the
delivery worker, the remote-object cache) can catch one type and still tell a permanent
refusal (`ForbiddenAddress`, `FetchGone`) from a transient one (`FetchTransportError`).
"""

from __future__ import annotations


class FetchError(Exception):
    """Base class: an outgoing request did not produce a usable document."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ForbiddenAddress(FetchError):
    """The target resolved to an address the SSRF guard refuses (private, loopback…)."""


class FetchTransportError(FetchError):
    """The request failed below HTTP: DNS, connection, TLS, timeout, protocol error."""


class TooManyRedirects(FetchError):
    """The redirect chain was longer than the client allows."""


class FetchStatusError(FetchError):
    """The server answered with a non-2xx status."""

    def __init__(self, message: str, *, url: str | None = None, status_code: int) -> None:
        super().__init__(message, url=url)
        self.status_code = status_code


class FetchGone(FetchStatusError):
    """The server answered 410 Gone: the object or account was deleted."""


class ResponseTooLarge(FetchError):
    """The response body exceeded the byte cap."""


class BadContentType(FetchError):
    """The response's Content-Type is not one the caller accepts."""

    def __init__(self, message: str, *, url: str | None = None, content_type: str) -> None:
        super().__init__(message, url=url)
        self.content_type = content_type


class MalformedDocument(FetchError):
    """The body is not a JSON object (bad UTF-8, bad JSON, too deep, not an object)."""


class IdMismatch(FetchError):
    """The fetched document's `id` differs from the URL it was fetched from."""

    def __init__(self, message: str, *, url: str | None = None, document_id: object) -> None:
        super().__init__(message, url=url)
        self.document_id = document_id


class DiscoveryError(FetchError):
    """A WebFinger or NodeInfo document lacked the link the caller needed."""
