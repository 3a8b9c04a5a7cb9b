"""Multibase base58btc ('z' prefix), as used by FEP-521a Multikey values."""

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}


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
    """Decode Bitcoin base58 text; raise ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        try:
            number = number * 58 + _INDEX[char]
        except KeyError:
            raise ValueError(f"invalid base58 character {char!r}") from None
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
