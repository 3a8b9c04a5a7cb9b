"""The accepted time window for signatures: one hour either side of now.

Only what a signature covers counts: a draft-cavage ``created`` or ``expires``
parameter is read only when ``(created)``/``(expires)`` is among the signed
headers (RFC 9421 always covers its parameters through ``@signature-params``).
An unsigned parameter could be added or changed by anyone replaying the
request, so it is ignored.

The signing time (a signed ``created``, or the signed ``Date`` header) must lie
within ``WINDOW`` seconds of now in either direction, whatever ``expires``
says: a signed expiry can shorten the life of a signature, never lengthen it.
A signed expiry more than ``EXPIRY_SKEW`` seconds in the past refuses the
signature; the skew absorbs small clock differences between servers.

Mastodon accepts a ``Date`` up to about 65 minutes old (an hour past a default
five-minute expiry) and honours a stated expiry up to 12 hours; we accept one
hour flat. Senders sign each request (and each retry) as they send it, so a
fresh signature is at most seconds old plus clock skew.
"""

from activitypub.errors import SignatureError

WINDOW = 3600
EXPIRY_SKEW = 300


def check_time_window(created: int, expires: int | None, now: float, *, source: str) -> None:
    """Refuse a signing time `created` outside now ± `WINDOW`, or a signed `expires` past.

    `source` names where `created` came from (``Date``, ``(created)``, ``created``) in
    the SignatureError's reason; `expires` must be None unless the signature covers it.
    """
    if not now - WINDOW <= created <= now + WINDOW:
        raise SignatureError(f"{source} outside the accepted window")
    if expires is not None and expires < now - EXPIRY_SKEW:
        raise SignatureError("signature expired")
