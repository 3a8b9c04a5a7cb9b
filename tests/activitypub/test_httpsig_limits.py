"""What a stranger can make the signature checks read before any key is involved.

Oversized signature headers are refused up front, with a reason naming the header, so no
parser sees more than `MAX_HEADER_LENGTH` characters of them; values that would make a
parser raise something other than SignatureError, or repeat work, are refused cleanly.
"""

from __future__ import annotations

import pytest

from activitypub.httpsig import (
    MAX_HEADER_LENGTH,
    SignatureError,
    parse_request_signature,
    sign_request,
    verify_parsed_signature,
)
from activitypub.httpsig.request import normalise_headers
from activitypub.keys import generate_ed25519_key
from activitypub.webfinger import MAX_RESOURCE_LENGTH, parse_resource

NOW = 1_700_000_000.0
INBOX = "https://local.example/inbox"
BODY = b'{"type":"Follow"}'
KEY = generate_ed25519_key()
KEY_ID = "https://remote.example/users/alice#main-key"


def signed(scheme: str) -> dict[str, str]:
    return sign_request(
        "POST", INBOX, {}, BODY, key_id=KEY_ID, private_key=KEY, scheme=scheme, now=NOW
    )


def rejection(headers: dict[str, str]) -> str:
    with pytest.raises(SignatureError) as info:
        parse_request_signature("POST", INBOX, headers, BODY, now=NOW)
    return info.value.reason


# Each header padded the way its own syntax allows, so only the length is wrong.
PADDED = {
    ("cavage", "Signature"): lambda value, n: value + ',x="' + "a" * n + '"',
    ("cavage", "Date"): lambda value, n: value + " " + "x" * n,
    ("cavage", "Digest"): lambda value, n: value + ",md5=" + "A" * n,
    ("rfc9421", "Signature-Input"): lambda value, n: value + ",x=(" + '"a" ' * (n // 4) + ")",
    ("rfc9421", "Signature"): lambda value, n: value + ",x=:" + "A" * n + ":",
    ("rfc9421", "Content-Digest"): lambda value, n: value + ",md5=:" + "A" * n + ":",
}


@pytest.mark.parametrize(("scheme", "header"), PADDED, ids=[f"{s}-{h}" for s, h in PADDED])
def test_a_signature_header_longer_than_the_cap_is_refused(scheme: str, header: str) -> None:
    headers = signed(scheme)
    headers[header] = PADDED[scheme, header](headers[header], MAX_HEADER_LENGTH)
    assert len(headers[header]) > MAX_HEADER_LENGTH
    assert rejection(headers) == f"{header} header longer than {MAX_HEADER_LENGTH} bytes"


class _Multi:
    """A header mapping whose items() repeats names, as starlette's Headers does."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def items(self) -> list[tuple[str, str]]:
        return self._items


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_repeated_header_lines_count_towards_the_cap(scheme: str) -> None:
    # HTTP joins repeated lines with ", "; the cap applies to what the parsers would read.
    headers = list(signed(scheme).items())
    headers += [("Signature", "x=1")] * (MAX_HEADER_LENGTH // 5)
    with pytest.raises(SignatureError, match="Signature header longer than"):
        parse_request_signature("POST", INBOX, _Multi(headers), BODY, now=NOW)


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_a_signature_header_at_the_cap_still_verifies(scheme: str) -> None:
    # Padded with a parameter (cavage) or a member (RFC 9421) the verifier does not read.
    headers = signed(scheme)
    room = (MAX_HEADER_LENGTH - len(headers["Signature"]) - len(',x=""')) // 4 * 4
    headers["Signature"] += f',x="{"a" * room}"' if scheme == "cavage" else f",x=:{'A' * room}:"
    assert MAX_HEADER_LENGTH - 4 < len(headers["Signature"]) <= MAX_HEADER_LENGTH
    parsed = parse_request_signature("POST", INBOX, headers, BODY, now=NOW)
    verify_parsed_signature(parsed, KEY.public_key())


@pytest.mark.parametrize("name", ["created", "expires"])
def test_a_cavage_timestamp_with_thousands_of_digits_is_a_signature_error(name: str) -> None:
    # int() raises a plain ValueError past 4300 digits (a header can hold more), and a
    # shorter number is still far beyond any time: refused as malformed, never a 500.
    headers = signed("cavage")
    headers["Signature"] += f",{name}=" + "9" * 2000
    headers["Signature"] = headers["Signature"].replace('headers="', f'headers="({name}) ', 1)
    assert rejection(headers) == f"invalid {name} parameter in Signature header"


def test_a_cavage_header_list_naming_a_header_twice_is_refused() -> None:
    headers = signed("cavage")
    headers["Signature"] = headers["Signature"].replace(
        'headers="(request-target)', 'headers="(request-target) (request-target)', 1
    )
    assert rejection(headers) == "Signature header lists a signed header twice"


def test_repeated_header_lines_are_joined_in_order() -> None:
    lines = [("Accept", "a"), ("X-One", "1"), ("accept", " b "), ("ACCEPT", "c")]
    assert normalise_headers(_Multi(lines)) == {"accept": "a, b, c", "x-one": "1"}


def test_a_webfinger_resource_longer_than_the_cap_is_refused() -> None:
    host = "b." * ((MAX_RESOURCE_LENGTH - 3) // 2) + "c"
    assert parse_resource("a@" + host).host == host
    with pytest.raises(ValueError, match="longer than"):
        parse_resource("a@b." + host)
