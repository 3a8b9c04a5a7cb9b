"""The accepted time window for signatures, as Mastodon enforces it.

A signature is rejected when it was created more than an hour in the future,
or when the current time is more than an hour past its expiry. Expiry is
``created`` + 5 minutes unless the sender states one, and a stated expiry is
capped at ``created`` + 12 hours. Net effect: a ``Date`` up to ~65 minutes
old or 60 minutes in the future is accepted.
"""

from activitypub.errors import SignatureError

CLOCK_SKEW = 3600
DEFAULT_LIFETIME = 5 * 60
MAX_LIFETIME = 12 * 3600


def check_time_window(created: int, expires: int | None, now: float, *, source: str) -> None:
    """Raise SignatureError("<source> outside the accepted window") when out of bounds."""
    if created > now + CLOCK_SKEW:
        raise SignatureError(f"{source} outside the accepted window")
    expiry = created + DEFAULT_LIFETIME if expires is None else min(expires, created + MAX_LIFETIME)
    if now > expiry + CLOCK_SKEW:
        raise SignatureError(f"{source} outside the accepted window")
