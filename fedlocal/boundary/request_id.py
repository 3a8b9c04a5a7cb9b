"""A short random id for each request: in the `X-Request-Id` answer header, in error
answers, and in every log line written while the request runs, so a resident's "reference
a1b2c3…" leads the operator to the log."""

from __future__ import annotations

import logging
import secrets
from contextvars import ContextVar

REQUEST_ID: ContextVar[str] = ContextVar("fedlocal_request_id", default="-")
HEADER = "X-Request-Id"


def new_request_id() -> str:
    """Sixteen hex digits: unique enough to find one request in a day's log."""
    return secrets.token_hex(8)


def current_request_id() -> str:
    """The running request's id, or "-" outside a request (workers, the CLI)."""
    return REQUEST_ID.get()


def install_log_record_factory() -> None:
    """Give every log record a `request_id` attribute (for `%(request_id)s` in formats).
    Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
