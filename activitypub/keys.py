"""Key generation, PEM encoding and FEP-521a Multikey encoding.

Only RSA and Ed25519 keys exist in our federation profile: RSA for draft-cavage
and RFC 9421 signatures that Mastodon can verify, Ed25519 for FEP-8b32 proofs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, TypeAlias

from activitypub.multibase import decode_base58btc, encode_base58btc

# cryptography (its Rust extension, with OpenSSL inside: 10 MiB of resident memory) is
# imported by the first function here that needs it, not with this module: a server at
# rest has signed and verified nothing yet (docs/performance.md "Memory at rest").
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    PublicKey: TypeAlias = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
    PrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def _uvarint(value: int) -> bytes:
    """Unsigned LEB128, the varint that multicodec prefixes use."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


# Multicodec table entries "ed25519-pub" (0xed) and "rsa-pub" (0x1205).
_ED25519_PREFIX = _uvarint(0xED)  # b"\xed\x01"
_RSA_PREFIX = _uvarint(0x1205)  # b"\x85\x24"


def generate_rsa_key() -> rsa.RSAPrivateKey:
    """Generate an RSA-2048 private key with public exponent 65537."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate_ed25519_key() -> ed25519.Ed25519PrivateKey:
    """Generate an Ed25519 private key."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


def private_key_to_pem(key: PrivateKey) -> str:
    """Serialise a private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY")."""
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_to_pem(public_key: PublicKey) -> str:
    """Serialise a public key as SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY")."""
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode("ascii")


def _as_bytes(pem: str | bytes) -> bytes:
    return (pem.encode("ascii", "replace") if isinstance(pem, str) else pem).strip()


def load_private_key_pem(pem: str | bytes) -> PrivateKey:
    """Load an unencrypted RSA or Ed25519 private key (PKCS#8 or PKCS#1 PEM).

    For the server's own keys, made by `generate_rsa_key` and stored by it: the
    consistency check of an RSA key's parts, which takes about 50 ms of CPU, is skipped
    (a key we generated passes it; one damaged on disk gives signatures that peers
    refuse, as any wrong key would). Raises ValueError for anything else. A key loaded
    once is kept: a server loads the same few keys again and again (its instance actor's
    at every start, an actor's for each delivery signer).
    """
    return _load_private_key(_as_bytes(pem))


@lru_cache(maxsize=256)
def _load_private_key(pem: bytes) -> PrivateKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        key = serialization.load_pem_private_key(
            pem, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a usable PEM private key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError(f"unsupported private key type {type(key).__name__}")
    return key


def load_public_key_pem(pem: str | bytes) -> PublicKey:
    """Load an RSA or Ed25519 public key from PEM.

    Accepts SubjectPublicKeyInfo ("BEGIN PUBLIC KEY") and PKCS#1
    ("BEGIN RSA PUBLIC KEY"), which some older servers still publish.
    Raises ValueError for anything else.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        key = serialization.load_pem_public_key(_as_bytes(pem))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a usable PEM public key: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ValueError(f"unsupported public key type {type(key).__name__}")
    return key


def public_key_to_multibase(public_key: PublicKey) -> str:
    """Encode a public key as a FEP-521a ``publicKeyMultibase`` value.

    Ed25519: 'z' + base58btc(0xed01 ‖ 32 raw bytes).
    RSA: 'z' + base58btc(varint 0x1205 ‖ DER PKCS#1 RSAPublicKey).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return encode_base58btc(_ED25519_PREFIX + raw)
    if isinstance(public_key, rsa.RSAPublicKey):
        der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
        return encode_base58btc(_RSA_PREFIX + der)
    raise TypeError(f"unsupported public key type {type(public_key).__name__}")


def multibase_to_public_key(value: str) -> PublicKey:
    """Decode a FEP-521a ``publicKeyMultibase`` value; raise ValueError if it is not one."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    data = decode_base58btc(value)
    if data.startswith(_ED25519_PREFIX):
        raw = data[len(_ED25519_PREFIX) :]
        if len(raw) != 32:
            raise ValueError(f"Ed25519 multikey must hold 32 bytes, not {len(raw)}")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if data.startswith(_RSA_PREFIX):
        try:
            key = serialization.load_der_public_key(data[len(_RSA_PREFIX) :])
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise ValueError(f"invalid RSA multikey: {exc}") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("RSA multikey does not hold an RSA key")
        return key
    raise ValueError("unsupported multicodec prefix (expected ed25519-pub or rsa-pub)")
