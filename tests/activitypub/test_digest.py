"""Digest and Content-Digest over raw body bytes."""

import base64
import hashlib

import pytest

from activitypub.digest import (
    content_digest_header,
    digest_header,
    verify_content_digest,
    verify_digest_header,
)
from activitypub.errors import SignatureError
from tests.activitypub import vectors

BODY = vectors.B2_BODY
SHA256 = vectors.B2_BODY_SHA256_B64
OTHER = base64.b64encode(hashlib.sha256(b"other").digest()).decode()


def test_signature_error_carries_reason():
    error = SignatureError("missing signature")
    assert error.reason == "missing signature"
    assert str(error) == "missing signature"


def test_digest_header_matches_published_value():
    assert digest_header(BODY) == f"SHA-256={SHA256}"


def test_content_digest_header_matches_published_value():
    assert content_digest_header(BODY) == f"sha-256=:{SHA256}:"


@pytest.mark.parametrize(
    "value",
    [
        f"SHA-256={SHA256}",
        f"sha-256={SHA256}",
        f"Sha-256 = {SHA256}",
        f"SHA-512=AAAA, SHA-256={SHA256}",
        f"SHA-256={SHA256},MD5=nonsense",
    ],
)
def test_digest_header_accepts(value):
    verify_digest_header(value, BODY)


def test_digest_mismatch_names_both_values():
    with pytest.raises(SignatureError) as info:
        verify_digest_header(f"SHA-256={OTHER}", BODY)
    assert info.value.reason.startswith("digest mismatch")
    assert SHA256 in info.value.reason
    assert OTHER in info.value.reason


@pytest.mark.parametrize(
    "value",
    [
        f"SHA-512={SHA256}",  # SHA-256 absent
        "SHA-256=" + base64.b64encode(bytes(16)).decode(),  # wrong length
        "SHA-256=not*base64",
        "SHA-256=",
        "",
        f"SHA-256={SHA256}, SHA-256={OTHER}",  # a second, wrong SHA-256 value
    ],
)
def test_digest_header_rejects(value):
    with pytest.raises(SignatureError) as info:
        verify_digest_header(value, BODY)
    assert SHA256 in info.value.reason


def test_digest_is_over_raw_bytes_not_reserialised_json():
    # Same JSON document, different bytes: the digest must not match.
    with pytest.raises(SignatureError):
        verify_digest_header(digest_header(b'{"hello":"world"}'), BODY)


@pytest.mark.parametrize(
    "value",
    [
        f"sha-256=:{SHA256}:",
        f"SHA-256=:{SHA256}:",
        f"{vectors.B2_CONTENT_DIGEST_SHA512}, sha-256=:{SHA256}:",
        f"sha-256=:{SHA256}:;note=1",
    ],
)
def test_content_digest_accepts(value):
    verify_content_digest(value, BODY)


def test_content_digest_mismatch_names_both_values():
    with pytest.raises(SignatureError) as info:
        verify_content_digest(f"sha-256=:{OTHER}:", BODY)
    assert info.value.reason.startswith("digest mismatch")
    assert SHA256 in info.value.reason
    assert OTHER in info.value.reason


@pytest.mark.parametrize(
    "value",
    [
        vectors.B2_CONTENT_DIGEST_SHA512,  # only sha-512: correct, but not honoured
        f"sha-256={SHA256}",  # a token, not a byte sequence
        "sha-256=:" + base64.b64encode(bytes(31)).decode() + ":",
        "sha-256=::",
        "",
    ],
)
def test_content_digest_rejects(value):
    with pytest.raises(SignatureError):
        verify_content_digest(value, BODY)


def test_rfc9421_sha512_digest_value_is_of_the_test_body():
    # Sanity link between the B.2 request header and its body.
    expected = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    assert f"sha-512=:{expected}:" == vectors.B2_CONTENT_DIGEST_SHA512
