"""Web Push's cryptography, with maintained libraries: messages encrypted for the
subscriber (http-ece) and signed by the instance's VAPID key (py-vapid).

Two encodings, as Mastodon sends them: the standard one (RFC 8291 `aes128gcm`, RFC 8292
`Authorization: vapid t=…,k=…`), and the draft one Mastodon used before 4.4 and most apps
still subscribe with (`aesgcm`, with `Encryption: salt=…` and `Crypto-Key: dh=…;
p256ecdsa=…` headers and `Authorization: WebPush …`).
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from urllib.parse import urlsplit

# cryptography, http-ece and py-vapid are imported by the function that needs them (for
# http-ece and py-vapid, `encrypt`, the first push): an instance whose residents use no
# Mastodon app never loads the last two, and one at rest none (activitypub/keys.py).

# How long a push service keeps a message for an offline device (Mastodon: 48 hours).
TTL_SECONDS = 48 * 3600
# py-vapid accepts only `mailto:` and https subjects unless told otherwise: an instance
# without a contact address on plain http (the demo, tests) names itself by its URL.
_LENIENT = {"no-strict": True}
# A VAPID token's lifetime (RFC 8292: at most 24 hours).
TOKEN_SECONDS = 12 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    """Base64 as browsers and apps send keys: URL-safe or not, padded or not. Raises
    ValueError on anything else."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def generate_key() -> tuple[str, str]:
    """A new P-256 key pair for VAPID: (private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def public_key_text(public_pem: str) -> str:
    """The public key as Mastodon shows it (`vapid_key`, `server_key`): the uncompressed
    point, base64url."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return b64url(
        key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def valid_keys(p256dh: str, auth: str) -> bool:
    """Whether a subscription's keys can be encrypted for: a P-256 point and a 16-byte
    secret."""
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        point, secret = b64decode(p256dh), b64decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return len(secret) == 16


def encrypt(
    payload: bytes,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    standard: bool,
    vapid_private_pem: str,
    subject: str,
    urgency: str = "normal",
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the push for one subscription."""
    import http_ece
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from py_vapid import Vapid01, Vapid02

    receiver = b64decode(p256dh)
    secret = b64decode(auth)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    signing_key = serialization.load_pem_private_key(vapid_private_pem.encode(), None)
    target = urlsplit(endpoint)
    claims = {
        "aud": f"{target.scheme}://{target.netloc}",
        "exp": int(time.time()) + TOKEN_SECONDS,
        "sub": subject,
    }
    headers = {
        "TTL": str(TTL_SECONDS),
        "Urgency": urgency,
        "Content-Type": "application/octet-stream",
    }
    if standard:
        body = http_ece.encrypt(
            payload, private_key=ephemeral, dh=receiver, auth_secret=secret, version="aes128gcm"
        )
        headers["Content-Encoding"] = "aes128gcm"
        headers.update(Vapid02(private_key=signing_key, conf=_LENIENT).sign(claims))
        return body, headers
    salt = os.urandom(16)
    body = http_ece.encrypt(
        payload,
        salt=salt,
        private_key=ephemeral,
        dh=receiver,
        auth_secret=secret,
        keylabel="P-256",
        version="aesgcm",
    )
    dh = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    headers["Content-Encoding"] = "aesgcm"
    headers["Encryption"] = f"salt={b64url(salt)}"
    headers.update(
        Vapid01(private_key=signing_key, conf=_LENIENT).sign(claims, crypto_key=f"dh={b64url(dh)}")
    )
    return body, headers
