"""HTTP request signatures: draft-cavage (what Mastodon sends) and RFC 9421.

Verification is split in two so the caller can resolve the key in between:
``parse_request_signature`` does every check that needs no key (structure,
required coverage, time window, body digest) and tells the caller the
``key_id``; ``verify_parsed_signature`` then does the cryptography.

Everything before the cryptography reads what a stranger sent, so it refuses
oversized signature headers up front and parses the rest in linear time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from activitypub.errors import SignatureError
from activitypub.httpsig import algorithms, cavage, rfc9421
from activitypub.httpsig.parsed import ParsedSignature
from activitypub.httpsig.request import request_view

if TYPE_CHECKING:
    from activitypub.keys import PrivateKey, PublicKey

__all__ = [
    "MAX_HEADER_LENGTH",
    "ParsedSignature",
    "SignatureError",
    "parse_request_signature",
    "sign_request",
    "verify_parsed_signature",
]


# Real signature headers stay under 1 KiB (an RSA-4096 signature is 684 base64 characters);
# the cap keeps the parsers (http-sfv's is quadratic in the number of members) cheap.
MAX_HEADER_LENGTH = 4096
_BOUNDED_HEADERS = {
    "signature": "Signature",
    "signature-input": "Signature-Input",
    "date": "Date",
    "digest": "Digest",
    "content-digest": "Content-Digest",
}


def _refuse_oversized(headers: Mapping[str, str]) -> None:
    for name, shown in _BOUNDED_HEADERS.items():
        value = headers.get(name)
        if value is not None and len(value) > MAX_HEADER_LENGTH:
            raise SignatureError(f"{shown} header longer than {MAX_HEADER_LENGTH} bytes")


def parse_request_signature(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: float | None = None,
) -> ParsedSignature:
    """Parse a request's signature and run every check that needs no key.

    Picks RFC 9421 when ``Signature-Input`` is present, else draft-cavage
    ``Signature``. ``url`` is the absolute URL as received; ``headers`` is any
    mapping (name case does not matter); ``body`` is the raw body, or None to
    skip the digest check. Raises SignatureError with a reason fit for a 401,
    among others when a signature-related header (``Signature``,
    ``Signature-Input``, ``Date``, ``Digest``, ``Content-Digest``) is longer
    than ``MAX_HEADER_LENGTH``.
    """
    view = request_view(method, url, headers)
    _refuse_oversized(view.headers)
    when = time.time() if now is None else now
    if "signature-input" in view.headers:
        return rfc9421.parse_request(view, body, when)
    if "signature" in view.headers:
        return cavage.parse_request(view, body, when)
    raise SignatureError("missing signature")


def verify_parsed_signature(parsed: ParsedSignature, public_key: PublicKey) -> None:
    """Check the signature cryptographically with the signer's loaded public key.

    Raises SignatureError("signature does not verify") on failure, or a
    SignatureError naming the mismatch when the key cannot fit the algorithm.
    """
    algorithm = parsed._verify_with or algorithms.algorithm_for_key(public_key)
    for base in parsed._bases:
        if algorithms.verify(public_key, algorithm, parsed._signature, base):
            return
    raise SignatureError("signature does not verify")


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    scheme: Literal["cavage", "rfc9421"] = "cavage",
    now: float | None = None,
) -> dict[str, str]:
    """Sign an outgoing request and return the headers to add to it.

    cavage: Host, Date, Digest (POST or any body) and Signature, with
    ``algorithm="rsa-sha256"`` for RSA keys and ``"hs2019"`` for Ed25519.
    rfc9421: Content-Digest (POST or any body), Signature-Input and Signature
    labelled ``sig1``. ``headers`` are the request's other headers; a present
    ``Content-Type`` (and ``Accept`` on cavage requests without a body) is signed.
    """
    view = request_view(method, url, headers)
    when = time.time() if now is None else now
    if scheme == "cavage":
        return cavage.sign(view, body, key_id=key_id, private_key=private_key, now=when)
    if scheme == "rfc9421":
        return rfc9421.sign(view, body, key_id=key_id, private_key=private_key, now=when)
    raise ValueError(f"unknown signature scheme {scheme!r}")
