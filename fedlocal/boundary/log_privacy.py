"""No client address in the logs: uvicorn writes the client's address (its `host:port`,
or the `X-Forwarded-For` address behind the reverse proxy) in its access log and in its
WebSocket lines; this filter puts "-" in its place before any handler writes the record.
Our own log lines never name a client's address (docs/security.md)."""

from __future__ import annotations

import ipaddress
import logging

# The loggers of uvicorn that may name a client.
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")


class NoClientAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_scrubbed(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _scrubbed(value) for key, value in record.args.items()}
        return True


def _scrubbed(value: object) -> object:
    return "-" if isinstance(value, str) and _is_address(value) else value


def _is_address(text: str) -> bool:
    """`203.0.113.7`, `203.0.113.7:5123`, `[2001:db8::1]:443` or `2001:db8::1`."""
    host = text.strip()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def install() -> None:
    """Filter uvicorn's loggers (after uvicorn configured its logging). Idempotent."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoClientAddresses) for f in logger.filters):
            logger.addFilter(NoClientAddresses())
