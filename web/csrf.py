"""CSRF protection: a one-time token in every form, signed with its session's secret.

A token is `<issued>.<nonce>.<mac>`: when it was issued (Unix seconds), a random nonce,
and an HMAC-SHA256 of both under the session's `csrf_secret`. A submission is accepted
when the token is present, its MAC matches this session's secret (so a token from another
session or a forged one fails), it is younger than TOKEN_LIFETIME, and its nonce has not
been used before (the store records used nonces: the same form sent twice is a replay and
is refused). Nonces are kept only as long as a token can live.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from fedlocal.services.maintenance import FORM_TOKEN_LIFETIME

FIELD = "csrf_token"
# The maintenance worker forgets used nonces past it.
TOKEN_LIFETIME = FORM_TOKEN_LIFETIME
# A token "from the future" beyond this is forged or from a badly wrong clock.
CLOCK_SKEW = timedelta(minutes=5)


class CsrfError(Exception):
    """Why a form's token was refused: missing, invalid, expired or replayed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_secret() -> str:
    return secrets.token_hex(32)


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def issue(secret: str, now: datetime) -> str:
    payload = f"{int(now.timestamp())}.{secrets.token_urlsafe(18)}"
    return f"{payload}.{_mac(secret, payload)}"


def verify(secret: str | None, token: str | None, now: datetime) -> str:
    """The token's nonce hash, to be recorded as used; CsrfError when it is not valid."""
    if not token:
        raise CsrfError("missing")
    if secret is None:
        # No session: the browser did not send our cookie back (or it expired).
        raise CsrfError("no-session")
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(token) > 200:
        raise CsrfError("invalid")
    issued_text, nonce, mac = parts
    if not hmac.compare_digest(_mac(secret, f"{issued_text}.{nonce}"), mac):
        raise CsrfError("invalid")
    issued = int(issued_text)
    age = now.timestamp() - issued
    if age > TOKEN_LIFETIME.total_seconds() or age < -CLOCK_SKEW.total_seconds():
        raise CsrfError("expired")
    return hashlib.sha256(nonce.encode()).hexdigest()
