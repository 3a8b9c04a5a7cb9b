"""The signature primitives both HTTP signature schemes share.

Names follow the RFC 9421 algorithm registry; draft-cavage maps onto them
(``rsa-sha256`` is rsa-v1_5-sha256, ``hs2019`` is chosen by key type).

cryptography is imported at the first signature made or checked rather than with this
module (activitypub/keys.py says why).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from activitypub.errors import SignatureError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.padding import PSS, PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA256, SHA512

RSA_V1_5_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ED25519 = "ed25519"

SUPPORTED = frozenset({RSA_V1_5_SHA256, RSA_PSS_SHA512, ED25519})


class _Parameters(NamedTuple):
    pkcs1: PKCS1v15
    pss: PSS
    sha256: SHA256
    sha512: SHA512


@cache
def _parameters() -> _Parameters:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return _Parameters(
        pkcs1=padding.PKCS1v15(),
        # RFC 9421 §3.3.1: MGF1 with SHA-512 and a 64-byte salt.
        pss=padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64),
        sha256=hashes.SHA256(),
        sha512=hashes.SHA512(),
    )


def algorithm_for_key(key: object) -> str:
    """The algorithm to use when the message does not name one."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return RSA_V1_5_SHA256
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return ED25519
    raise SignatureError(f"unsupported key type {type(key).__name__}")


def sign(private_key: object, algorithm: str, data: bytes) -> bytes:
    """Sign ``data`` with ``algorithm``; raise SignatureError if the key does not fit."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if algorithm == ED25519 and isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(data)
    if isinstance(private_key, rsa.RSAPrivateKey):
        p = _parameters()
        if algorithm == RSA_V1_5_SHA256:
            return private_key.sign(data, p.pkcs1, p.sha256)
        if algorithm == RSA_PSS_SHA512:
            return private_key.sign(data, p.pss, p.sha512)
    raise SignatureError(f"key type does not match algorithm {algorithm}")


def verify(public_key: object, algorithm: str, signature: bytes, data: bytes) -> bool:
    """Return whether ``signature`` over ``data`` verifies.

    Raises SignatureError when the key type cannot be used with ``algorithm``.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        if algorithm == ED25519 and isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
            return True
        if isinstance(public_key, rsa.RSAPublicKey):
            p = _parameters()
            if algorithm == RSA_V1_5_SHA256:
                public_key.verify(signature, data, p.pkcs1, p.sha256)
                return True
            if algorithm == RSA_PSS_SHA512:
                public_key.verify(signature, data, p.pss, p.sha512)
                return True
    except InvalidSignature:
        return False
    raise SignatureError(f"key type does not match algorithm {algorithm}")
