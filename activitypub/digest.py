"""Body digests: the legacy ``Digest`` header and RFC 9530 ``Content-Digest``.

Both are computed over the raw body bytes exactly as received, before any JSON
parsing: re-serialising changes bytes and breaks the signer's digest.
"""

import base64
import binascii
import hashlib

from activitypub.errors import SignatureError


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def digest_header(body: bytes) -> str:
    """Return a ``Digest`` header value: ``SHA-256=<base64>``."""
    return "SHA-256=" + _b64(hashlib.sha256(body).digest())


def content_digest_header(body: bytes) -> str:
    """Return an RFC 9530 ``Content-Digest`` value: ``sha-256=:<base64>:``."""
    return "sha-256=:" + _b64(hashlib.sha256(body).digest()) + ":"


def _check(received: str, actual: bytes, expected: str, header: str, shown: str) -> None:
    """Compare one received base64 SHA-256 value with the body's hash."""
    try:
        decoded = base64.b64decode(received, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != 32 or decoded != actual:
        raise SignatureError(f"digest mismatch: {header} expected {expected}, received {shown}")


def verify_digest_header(value: str, body: bytes) -> None:
    """Check a ``Digest`` header against the raw body.

    Several comma-separated ``algorithm=value`` pairs may be present; algorithm
    names compare case-insensitively, only SHA-256 is honoured and it must be
    present and match. Raises SignatureError otherwise.
    """
    actual = hashlib.sha256(body).digest()
    expected = "SHA-256=" + _b64(actual)
    found = False
    for part in value.split(","):
        algorithm, sep, encoded = part.strip().partition("=")
        if sep and algorithm.strip().lower() == "sha-256":
            found = True
            encoded = encoded.strip()
            _check(encoded, actual, expected, "Digest", f"SHA-256={encoded}")
    if not found:
        raise SignatureError(
            f"digest mismatch: Digest expected {expected}, received {value.strip()!r} "
            "(no SHA-256 value)"
        )


def verify_content_digest(value: str, body: bytes) -> None:
    """Check an RFC 9530 ``Content-Digest`` dictionary against the raw body.

    Only ``sha-256`` is honoured (other algorithms are ignored); it must be
    present, be a byte sequence (``:base64:``) and match. Raises SignatureError.
    """
    actual = hashlib.sha256(body).digest()
    expected = "sha-256=:" + _b64(actual) + ":"
    found = False
    for part in value.split(","):
        algorithm, sep, item = part.strip().partition("=")
        if not sep or algorithm.strip().lower() != "sha-256":
            continue
        found = True
        item = item.strip()
        # Parameters after the byte sequence are legal in RFC 8941 and ignored here.
        item = item.split(";", 1)[0]
        if len(item) < 2 or item[0] != ":" or item[-1] != ":":
            raise SignatureError(
                f"digest mismatch: Content-Digest expected {expected}, "
                f"received sha-256={item} (not a byte sequence)"
            )
        _check(item[1:-1], actual, expected, "Content-Digest", f"sha-256={item}")
    if not found:
        raise SignatureError(
            f"digest mismatch: Content-Digest expected {expected}, "
            f"received {value.strip()!r} (no sha-256 value)"
        )
