"""draft-cavage cross-checked against an independent implementation: the `httpsig` package.

Both directions, GET and POST, Mastodon's header set: what `httpsig` signs we verify, what
we sign `httpsig` verifies, and a changed byte fails both.
"""

from __future__ import annotations

import time
from email.utils import formatdate

import httpsig.sign
import httpsig.verify
import pytest

from activitypub.digest import digest_header
from activitypub.httpsig import (
    SignatureError,
    parse_request_signature,
    sign_request,
    verify_parsed_signature,
)
from activitypub.keys import generate_rsa_key, private_key_to_pem, public_key_to_pem

KEY_ID = "https://remote.example/users/alice#main-key"
BODY = b'{"type":"Create","id":"https://remote.example/a/1"}'


@pytest.fixture(scope="module")
def key():
    return generate_rsa_key()


def _their_signature(key, method: str, path: str, headers: dict[str, str], covered: list[str]):
    signer = httpsig.sign.HeaderSigner(
        KEY_ID, private_key_to_pem(key), algorithm="rsa-sha256", headers=covered,
        sign_header="signature",
    )  # fmt: skip
    return signer.sign(dict(headers), method=method, path=path)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_what_httpsig_signs_we_verify(key, method):
    # Given a request signed by httpsig with Mastodon's header set
    headers = {"Host": "inbox.example", "Date": formatdate(time.time(), usegmt=True)}
    covered = ["(request-target)", "host", "date"]
    body = None
    if method == "POST":
        body = BODY
        headers["Digest"] = digest_header(BODY)
        headers["Content-Type"] = "application/activity+json"
        covered += ["digest", "content-type"]
    signed = _their_signature(key, method, "/users/ana/inbox?x=1", headers, covered)

    # When we parse and verify it, Then it passes
    parsed = parse_request_signature(
        method, "https://inbox.example/users/ana/inbox?x=1", signed, body
    )
    assert parsed.key_id == KEY_ID
    verify_parsed_signature(parsed, key.public_key())

    # And with one byte of the signed path changed it fails
    parsed = parse_request_signature(
        method, "https://inbox.example/users/ana/inbox?x=2", signed, body
    )
    with pytest.raises(SignatureError):
        verify_parsed_signature(parsed, key.public_key())


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_what_we_sign_httpsig_verifies(key, method):
    # Given a request we sign
    url = "https://inbox.example/inbox?page=1"
    headers = {"Content-Type": "application/activity+json"} if method == "POST" else {}
    body = BODY if method == "POST" else None
    added = sign_request(method, url, headers, body, key_id=KEY_ID, private_key=key)
    sent = {**headers, **added}

    # When httpsig verifies it with our public key, Then it passes
    verifier = httpsig.verify.HeaderVerifier(
        sent, public_key_to_pem(key.public_key()), method=method, path="/inbox?page=1",
        sign_header="signature",
    )  # fmt: skip
    assert verifier.verify() is True

    # And a changed method fails
    tampered = httpsig.verify.HeaderVerifier(
        sent, public_key_to_pem(key.public_key()), method="PUT", path="/inbox?page=1",
        sign_header="signature",
    )  # fmt: skip
    assert tampered.verify() is False
