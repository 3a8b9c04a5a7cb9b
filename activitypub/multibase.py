"""Multibase base58btc ('z' prefix), as used by FEP-521a Multikey values."""

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
_CHUNK = 10
_CHUNK_BASE = [58**size for size in range(_CHUNK + 1)]
# Enough for an RSA key of 16384 bits (about 2 800 characters), the largest OpenSSL
# verifies; an Ed25519 multikey takes 48.
MAX_DECODE_LENGTH = 3072


def b58encode(data: bytes) -> str:
    """Encode bytes in the Bitcoin base58 alphabet (no prefix)."""
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    # Leading zero bytes carry no numeric value, so base58 spells each as '1'.
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Decode Bitcoin base58 text.

    Raises ValueError on a character outside the alphabet or on text longer than
    `MAX_DECODE_LENGTH` characters.
    """
    # Remote actor documents carry these values and are read before any signature is
    # checked; decoding costs time quadratic in the length, so the length is capped.
    if len(text) > MAX_DECODE_LENGTH:
        raise ValueError(f"base58 text longer than {MAX_DECODE_LENGTH} characters")
    number = 0
    # Ten digits at a time into a machine-sized int, then one big-int step per chunk:
    # the quadratic part of the work shrinks tenfold.
    for start in range(0, len(text), _CHUNK):
        chunk = text[start : start + _CHUNK]
        value = 0
        for char in chunk:
            try:
                value = value * 58 + _INDEX[char]
            except KeyError:
                raise ValueError(f"invalid base58 character {char!r}") from None
        number = number * _CHUNK_BASE[len(chunk)] + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * zeros + body


def encode_base58btc(data: bytes) -> str:
    """Return the multibase base58btc form of ``data``: 'z' followed by base58."""
    return "z" + b58encode(data)


def decode_base58btc(value: str) -> bytes:
    """Decode a multibase base58btc string; raise ValueError unless it starts with 'z'."""
    if not value.startswith("z"):
        raise ValueError("multibase value must use base58btc (prefix 'z')")
    return b58decode(value[1:])
