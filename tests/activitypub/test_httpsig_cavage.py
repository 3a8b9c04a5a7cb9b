"""draft-cavage HTTP signatures: cross-checks with a reference signer and Mastodon's rules."""

import base64
import hashlib
import re
import string
import time
from email.utils import formatdate

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers

from activitypub.httpsig import (
    ParsedSignature,
    SignatureError,
    parse_request_signature,
    sign_request,
    verify_parsed_signature,
)
from activitypub.httpsig.cavage import parse_http_date
from activitypub.keys import generate_ed25519_key, generate_rsa_key, load_private_key_pem
from tests.activitypub import vectors

NOW = 1_700_000_000.0
RSA_KEY = load_private_key_pem(vectors.TEST_KEY_RSA_PRIVATE)
ED_KEY = load_private_key_pem(vectors.TEST_KEY_ED25519_PRIVATE)
OTHER_RSA_KEY = generate_rsa_key()
OTHER_ED_KEY = generate_ed25519_key()
KEY_ID = "https://remote.example/users/alice#main-key"
INBOX = "https://local.example/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/alice"}'
CT = "application/activity+json"


# --- An independent reference implementation, straight from the draft -------
# draft-cavage-http-signatures-12 §2.3: one "name: value" line per listed
# header, lower-case names, "(request-target)" as "<method> <path>", joined by
# "\n", signed with the key; the Signature header lists keyId, algorithm,
# headers and the base64 signature.


def ref_signing_string(
    method: str, target: str, headers: dict[str, str], names: list[str]
) -> bytes:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines).encode()


def ref_sign(key, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def ref_signed_headers(
    method: str,
    target: str,
    headers: dict[str, str],
    names: list[str],
    key,
    algorithm: str | None,
    key_id: str = KEY_ID,
) -> dict[str, str]:
    """Return ``headers`` plus a Signature header made by the reference signer."""
    signature = base64.b64encode(ref_sign(key, ref_signing_string(method, target, headers, names)))
    params = [f'keyId="{key_id}"']
    if algorithm is not None:
        params.append(f'algorithm="{algorithm}"')
    params += [f'headers="{" ".join(names)}"', f'signature="{signature.decode()}"']
    return {**headers, "signature": ",".join(params)}


def ref_verify(method: str, target: str, headers: dict[str, str], public_key) -> None:
    """Verify a Signature header with the reference rules; raise on failure."""
    lower = {k.lower(): v for k, v in headers.items()}
    params = dict(re.findall(r'(\w+)="([^"]*)"', lower["signature"]))
    names = params["headers"].split()
    data = ref_signing_string(method, target, lower, names)
    signature = base64.b64decode(params["signature"])
    if isinstance(public_key, rsa.RSAPublicKey):
        assert params["algorithm"] == "rsa-sha256"
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert params["algorithm"] == "hs2019"
        public_key.verify(signature, data)


def base_headers(when: float = NOW, host: str = "local.example") -> dict[str, str]:
    return {"host": host, "date": formatdate(when, usegmt=True)}


def post_headers(body: bytes = BODY, when: float = NOW) -> dict[str, str]:
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    return {**base_headers(when), "digest": digest, "content-type": CT}


def parse_and_verify(method, url, headers, body, public_key, now=NOW) -> ParsedSignature:
    parsed = parse_request_signature(method, url, headers, body, now=now)
    verify_parsed_signature(parsed, public_key)
    return parsed


# --- Reference signer -> our verifier ---------------------------------------


def test_mastodon_style_rsa_sha256_post_with_content_type():
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    headers = ref_signed_headers("POST", "/inbox", post_headers(), names, RSA_KEY, "rsa-sha256")
    parsed = parse_and_verify("POST", INBOX, headers, BODY, RSA_KEY.public_key())
    assert parsed.scheme == "cavage"
    assert parsed.key_id == KEY_ID
    assert parsed.algorithm == "rsa-sha256"
    assert parsed.covered == tuple(names)


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
def test_gotosocial_style_hs2019_post(key):
    names = ["(request-target)", "host", "date", "digest"]
    headers = ref_signed_headers("POST", "/inbox", post_headers(), names, key, "hs2019")
    parsed = parse_and_verify("POST", INBOX, headers, BODY, key.public_key())
    assert parsed.algorithm == "hs2019"


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
def test_gotosocial_style_hs2019_get(key):
    names = ["(request-target)", "host", "date"]
    url = "https://local.example/users/bob"
    headers = ref_signed_headers("GET", "/users/bob", base_headers(), names, key, "hs2019")
    parse_and_verify("GET", url, headers, None, key.public_key())


def test_missing_algorithm_means_hs2019():
    names = ["(request-target)", "host", "date"]
    headers = ref_signed_headers("GET", "/users/bob", base_headers(), names, RSA_KEY, None)
    parsed = parse_and_verify(
        "GET", "https://local.example/users/bob", headers, None, RSA_KEY.public_key()
    )
    assert parsed.algorithm is None


def test_wrong_key_does_not_verify():
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    headers = ref_signed_headers("POST", "/inbox", post_headers(), names, RSA_KEY, "rsa-sha256")
    parsed = parse_request_signature("POST", INBOX, headers, BODY, now=NOW)
    with pytest.raises(SignatureError) as info:
        verify_parsed_signature(parsed, OTHER_RSA_KEY.public_key())
    assert info.value.reason == "signature does not verify"


def test_rsa_sha256_with_an_ed25519_key_is_refused():
    names = ["(request-target)", "host", "date"]
    headers = ref_signed_headers("GET", "/x", base_headers(), names, ED_KEY, "rsa-sha256")
    parsed = parse_request_signature("GET", "https://local.example/x", headers, None, now=NOW)
    with pytest.raises(SignatureError):
        verify_parsed_signature(parsed, ED_KEY.public_key())


def test_tampered_signed_header_does_not_verify():
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    headers = ref_signed_headers("POST", "/inbox", post_headers(), names, RSA_KEY, "rsa-sha256")
    headers["content-type"] = "application/json"
    parsed = parse_request_signature("POST", INBOX, headers, BODY, now=NOW)
    with pytest.raises(SignatureError, match="signature does not verify"):
        verify_parsed_signature(parsed, RSA_KEY.public_key())


def test_signature_for_another_path_does_not_verify():
    names = ["(request-target)", "host", "date", "digest"]
    headers = ref_signed_headers("POST", "/inbox", post_headers(), names, RSA_KEY, "rsa-sha256")
    parsed = parse_request_signature(
        "POST", "https://local.example/users/bob/inbox", headers, BODY, now=NOW
    )
    with pytest.raises(SignatureError):
        verify_parsed_signature(parsed, RSA_KEY.public_key())


# --- Our signer -> reference verifier ---------------------------------------


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
def test_our_post_verifies_with_reference(key):
    url = "https://127.0.0.1:8001/users/bob/inbox"
    request_headers = {"Content-Type": CT}
    added = sign_request(
        "POST", url, request_headers, BODY, key_id=KEY_ID, private_key=key, now=NOW
    )
    assert set(added) == {"Host", "Date", "Digest", "Signature"}
    assert added["Host"] == "127.0.0.1:8001"
    assert added["Date"] == formatdate(NOW, usegmt=True)
    assert added["Digest"] == post_headers()["digest"]
    assert 'headers="(request-target) host date digest content-type"' in added["Signature"]
    expected_alg = "rsa-sha256" if isinstance(key, rsa.RSAPrivateKey) else "hs2019"
    assert f'algorithm="{expected_alg}"' in added["Signature"]
    ref_verify("POST", "/users/bob/inbox", {**request_headers, **added}, key.public_key())


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
def test_our_get_verifies_with_reference(key):
    url = "https://remote.example/users/alice?page=2"
    request_headers = {"Accept": CT}
    added = sign_request("GET", url, request_headers, None, key_id=KEY_ID, private_key=key, now=NOW)
    assert set(added) == {"Host", "Date", "Signature"}
    assert added["Host"] == "remote.example"
    assert 'headers="(request-target) host date accept"' in added["Signature"]
    ref_verify("GET", "/users/alice?page=2", {**request_headers, **added}, key.public_key())


def test_our_post_without_content_type_leaves_it_out():
    added = sign_request("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key=RSA_KEY, now=NOW)
    assert 'headers="(request-target) host date digest"' in added["Signature"]
    ref_verify("POST", "/inbox", added, RSA_KEY.public_key())


def test_reference_detects_tampering_of_our_signature():
    added = sign_request(
        "POST", INBOX, {"Content-Type": CT}, BODY, key_id=KEY_ID, private_key=RSA_KEY, now=NOW
    )
    added["Date"] = formatdate(NOW + 1, usegmt=True)
    with pytest.raises(InvalidSignature):
        ref_verify("POST", "/inbox", {"Content-Type": CT, **added}, RSA_KEY.public_key())


def test_rsa_sha256_is_deterministic_golden_value():
    # PKCS#1 v1.5 is deterministic, so the reference and our signer agree byte for byte.
    added = sign_request(
        "POST", INBOX, {"Content-Type": CT}, BODY, key_id=KEY_ID, private_key=RSA_KEY, now=NOW
    )
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    reference = ref_signed_headers("POST", "/inbox", post_headers(), names, RSA_KEY, "rsa-sha256")
    assert added["Signature"] == reference["signature"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://example.com/inbox", "example.com"),
        ("https://example.com:443/inbox", "example.com"),
        ("http://example.com:80/inbox", "example.com"),
        ("http://127.0.0.1:8001/inbox", "127.0.0.1:8001"),
        ("https://Example.COM:8443/inbox", "example.com:8443"),
        ("https://[::1]:8001/inbox", "[::1]:8001"),
    ],
)
def test_host_header_has_port_only_when_non_default(url, host):
    added = sign_request("GET", url, {}, None, key_id=KEY_ID, private_key=ED_KEY, now=NOW)
    assert added["Host"] == host


def test_key_id_with_a_quote_is_refused():
    with pytest.raises(ValueError):
        sign_request("GET", INBOX, {}, None, key_id='bad"id', private_key=ED_KEY, now=NOW)


# --- Query-string tolerance --------------------------------------------------


def test_signed_without_query_verifies_with_query_present():
    # Mastodon < 4.4 left the query out of (request-target).
    names = ["(request-target)", "host", "date"]
    headers = ref_signed_headers("GET", "/outbox", base_headers(), names, RSA_KEY, "rsa-sha256")
    parse_and_verify(
        "GET", "https://local.example/outbox?page=true", headers, None, RSA_KEY.public_key()
    )


def test_signed_with_query_verifies():
    names = ["(request-target)", "host", "date"]
    headers = ref_signed_headers(
        "GET", "/outbox?page=true", base_headers(), names, RSA_KEY, "rsa-sha256"
    )
    parse_and_verify(
        "GET", "https://local.example/outbox?page=true", headers, None, RSA_KEY.public_key()
    )


def test_signed_with_other_query_does_not_verify():
    names = ["(request-target)", "host", "date"]
    headers = ref_signed_headers(
        "GET", "/outbox?page=1", base_headers(), names, RSA_KEY, "rsa-sha256"
    )
    parsed = parse_request_signature(
        "GET", "https://local.example/outbox?page=2", headers, None, now=NOW
    )
    with pytest.raises(SignatureError):
        verify_parsed_signature(parsed, RSA_KEY.public_key())


# --- Header names: any case, any mapping ------------------------------------


def test_header_name_case_does_not_matter():
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    signed = ref_signed_headers("POST", "/inbox", post_headers(), names, RSA_KEY, "rsa-sha256")
    shouting = {
        "HOST": signed["host"],
        "Date": signed["date"],
        "DiGeSt": signed["digest"],
        "Content-TYPE": signed["content-type"],
        "SIGNATURE": signed["signature"],
    }
    parse_and_verify("POST", INBOX, shouting, BODY, RSA_KEY.public_key())


def test_header_list_in_signature_may_use_any_case():
    headers = post_headers()
    names = ["(request-target)", "host", "date", "digest"]
    signed = ref_signed_headers("POST", "/inbox", headers, names, RSA_KEY, "rsa-sha256")
    signed["signature"] = signed["signature"].replace(
        'headers="(request-target) host date digest"', 'headers="(Request-Target) Host Date Digest"'
    )
    parse_and_verify("POST", INBOX, signed, BODY, RSA_KEY.public_key())


def test_starlette_headers_are_accepted():
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    signed = ref_signed_headers("POST", "/inbox", post_headers(), names, RSA_KEY, "rsa-sha256")
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in signed.items()]
    raw.append((b"x-extra", b"1"))
    parse_and_verify("POST", INBOX, Headers(raw=raw), BODY, RSA_KEY.public_key())


def test_repeated_header_lines_are_joined():
    # Two Accept lines are signed as "accept: a, b" (RFC 9110 field combination).
    names = ["(request-target)", "host", "date", "accept"]
    headers = {**base_headers(), "accept": f"{CT}, application/ld+json"}
    signed = ref_signed_headers("GET", "/users/bob", headers, names, RSA_KEY, "rsa-sha256")
    raw = [(k.encode(), v.encode()) for k, v in signed.items() if k != "accept"]
    raw += [(b"accept", CT.encode()), (b"accept", b"application/ld+json")]
    parse_and_verify(
        "GET", "https://local.example/users/bob", Headers(raw=raw), None, RSA_KEY.public_key()
    )


# --- Signature header syntax -------------------------------------------------


def test_whitespace_and_bogus_prefix_are_tolerated():
    names = ["(request-target)", "host", "date"]
    signed = ref_signed_headers("GET", "/users/bob", base_headers(), names, RSA_KEY, "rsa-sha256")
    signed["signature"] = "Signature " + signed["signature"].replace(",", " , ")
    parse_and_verify("GET", "https://local.example/users/bob", signed, None, RSA_KEY.public_key())


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ('algorithm="rsa-sha256",headers="date",signature="AAAA"', "keyId"),
        ('keyId="k",algorithm="rsa-sha256",headers="date"', "lacks signature"),
        ('keyId="k",algorithm="hmac-sha256",headers="date",signature="AAAA"', "algorithm"),
        ('keyId="k",algorithm="rsa-sha256",headers="",signature="AAAA"', "headers"),
        ('keyId="k",keyId="j",headers="date",signature="AAAA"', "duplicate"),
        ('keyId="k",signature="not base64!"', "base64"),
        ("just garbage", "malformed"),
        ('keyId="k" signature="AAAA"', "malformed"),
    ],
)
def test_malformed_signature_headers(signature, reason):
    headers = {**base_headers(), "signature": signature}
    with pytest.raises(SignatureError) as info:
        parse_request_signature("GET", INBOX, headers, None, now=NOW)
    assert reason in info.value.reason


def test_no_signature_at_all():
    with pytest.raises(SignatureError) as info:
        parse_request_signature("POST", INBOX, post_headers(), BODY, now=NOW)
    assert info.value.reason == "missing signature"


# --- Mastodon's strength rules -------------------------------------------------


def _rule_error(
    method,
    names,
    headers,
    body=None,
    algorithm="rsa-sha256",
    url=INBOX,
    target="/inbox",
    extra_params="",
):
    signed = ref_signed_headers(method, target, headers, names, RSA_KEY, algorithm)
    signed["signature"] += extra_params
    with pytest.raises(SignatureError) as info:
        parse_request_signature(method, url, signed, body, now=NOW)
    return info.value.reason


def test_get_without_host_is_rejected():
    reason = _rule_error("GET", ["(request-target)", "date"], base_headers())
    assert reason == "GET signature must cover host"


def test_post_without_digest_is_rejected():
    headers = post_headers()
    reason = _rule_error(
        "POST", ["(request-target)", "host", "date", "content-type"], headers, BODY
    )
    assert reason == "POST signature must cover digest"


def test_signature_without_date_or_created_is_rejected():
    reason = _rule_error("GET", ["(request-target)", "host"], base_headers())
    assert reason == "signature must cover date or (created)"


def test_signature_without_request_target_or_digest_is_rejected():
    reason = _rule_error("GET", ["host", "date"], base_headers())
    assert reason == "signature must cover (request-target) or digest"


def test_created_pseudo_header_needs_hs2019():
    # The reference signer reads pseudo-header values from the mapping it is given.
    headers = {**base_headers(), "(created)": str(int(NOW))}
    reason = _rule_error(
        "GET",
        ["(request-target)", "host", "(created)"],
        headers,
        extra_params=f",created={int(NOW)}",
    )
    assert "hs2019" in reason


def test_default_headers_are_too_weak():
    # Without a headers list, rsa-sha256 covers only date: not enough.
    signed = ref_signed_headers("GET", "/x", base_headers(), ["date"], RSA_KEY, "rsa-sha256")
    signed["signature"] = re.sub(r',headers="[^"]*"', "", signed["signature"])
    with pytest.raises(SignatureError, match=r"\(request-target\) or digest"):
        parse_request_signature("GET", "https://local.example/x", signed, None, now=NOW)


def test_signed_header_missing_from_request():
    names = ["(request-target)", "host", "date", "accept"]
    headers = {**base_headers(), "accept": CT}
    signed = ref_signed_headers("GET", "/x", headers, names, RSA_KEY, "rsa-sha256")
    del signed["accept"]
    with pytest.raises(SignatureError, match="accept is missing"):
        parse_request_signature("GET", "https://local.example/x", signed, None, now=NOW)


def test_missing_host_header_falls_back_to_url_authority():
    # HTTP/2 requests carry :authority instead of Host.
    names = ["(request-target)", "host", "date"]
    headers = base_headers(host="local.example:8443")
    signed = ref_signed_headers("GET", "/x", headers, names, RSA_KEY, "rsa-sha256")
    del signed["host"]
    parse_and_verify("GET", "https://local.example:8443/x", signed, None, RSA_KEY.public_key())


# --- Time window --------------------------------------------------------------
# One hour either side of now, whatever created/expires say, and a parameter counts only
# when the signature covers it.


def _signed_get_at(when: float) -> dict[str, str]:
    names = ["(request-target)", "host", "date"]
    return ref_signed_headers("GET", "/x", base_headers(when), names, RSA_KEY, "rsa-sha256")


def _window_rejection(signed: dict[str, str]) -> str:
    with pytest.raises(SignatureError) as info:
        parse_request_signature("GET", "https://local.example/x", signed, None, now=NOW)
    return info.value.reason


@pytest.mark.parametrize("minutes", [0, 5, 30, 59, 60, -59, -60])
def test_date_inside_window_is_accepted(minutes):
    signed = _signed_get_at(NOW - minutes * 60)
    parse_and_verify("GET", "https://local.example/x", signed, None, RSA_KEY.public_key())


@pytest.mark.parametrize("minutes", [61, 66, 24 * 60, -61])
def test_date_outside_window_is_rejected(minutes):
    signed = _signed_get_at(NOW - minutes * 60)
    assert _window_rejection(signed) == "Date outside the accepted window"


def test_invalid_date_is_rejected():
    names = ["(request-target)", "host", "date"]
    headers = {**base_headers(), "date": "yesterday"}
    signed = ref_signed_headers("GET", "/x", headers, names, RSA_KEY, "rsa-sha256")
    with pytest.raises(SignatureError, match="invalid Date"):
        parse_request_signature("GET", "https://local.example/x", signed, None, now=NOW)


def _hs2019(
    created: int, expires: int | None = None, *, also: tuple[str, ...] = (), date: float = NOW
) -> dict[str, str]:
    """A GET signed with hs2019 over (created), (expires) when given, and `also`."""
    names = ["(request-target)", "host", "(created)", *also]
    params = {"(created)": str(created)}
    extra = f",created={created}"
    if expires is not None:
        names.append("(expires)")
        params["(expires)"] = str(expires)
        extra += f",expires={expires}"
    headers = {**base_headers(date), **params}
    signed = ref_signed_headers("GET", "/x", headers, names, ED_KEY, "hs2019")
    for name in params:
        del signed[name]
    signed["signature"] += extra
    return signed


def test_hs2019_created_is_used_for_the_window():
    signed = _hs2019(int(NOW) - 60)
    parsed = parse_and_verify("GET", "https://local.example/x", signed, None, ED_KEY.public_key())
    assert parsed.created == int(NOW) - 60
    assert _window_rejection(_hs2019(int(NOW) - 61 * 60)) == "(created) outside the accepted window"
    assert _window_rejection(_hs2019(int(NOW) + 61 * 60)) == "(created) outside the accepted window"


def test_an_unsigned_expires_does_not_revive_a_five_hour_old_date():
    # The replay from the issue: Mastodon-style rsa-sha256 over a Date five hours old, with
    # an expires parameter anyone could append, since nothing signs it.
    signed = _signed_get_at(NOW - 5 * 3600)
    signed["signature"] += f",expires={int(NOW) + 3600}"
    assert _window_rejection(signed) == "Date outside the accepted window"


def test_an_unsigned_expires_does_not_revive_a_five_hour_old_created():
    signed = _hs2019(int(NOW) - 5 * 3600)
    signed["signature"] += f",expires={int(NOW) + 3600}"
    assert _window_rejection(signed) == "(created) outside the accepted window"


def test_an_unsigned_created_does_not_stand_in_for_an_old_signed_date():
    names = ["(request-target)", "host", "date"]
    signed = ref_signed_headers("GET", "/x", base_headers(NOW - 5 * 3600), names, ED_KEY, "hs2019")
    signed["signature"] += f",created={int(NOW)}"
    assert _window_rejection(signed) == "Date outside the accepted window"
    fresh = ref_signed_headers("GET", "/x", base_headers(NOW), names, ED_KEY, "hs2019")
    fresh["signature"] += f",created={int(NOW) - 5 * 3600},expires={int(NOW) - 3600}"
    parsed = parse_and_verify("GET", "https://local.example/x", fresh, None, ED_KEY.public_key())
    assert (parsed.created, parsed.expires) == (None, None)


def test_a_signed_far_expiry_does_not_extend_the_hour():
    created = int(NOW) - 2 * 3600
    assert (
        _window_rejection(_hs2019(created, created + 48 * 3600))
        == "(created) outside the accepted window"
    )
    created = int(NOW) - 59 * 60
    signed = _hs2019(created, created + 48 * 3600)
    parsed = parse_and_verify("GET", "https://local.example/x", signed, None, ED_KEY.public_key())
    assert parsed.expires == created + 48 * 3600


def test_a_signed_expiry_in_the_past_is_refused_beyond_the_skew():
    created = int(NOW) - 10 * 60
    assert _window_rejection(_hs2019(created, int(NOW) - 6 * 60)) == "signature expired"
    within_skew = _hs2019(created, int(NOW) - 4 * 60)
    parse_and_verify("GET", "https://local.example/x", within_skew, None, ED_KEY.public_key())


def test_every_signed_time_must_be_in_the_window():
    # Both (created) and Date signed: a stale Date is not excused by a fresh (created).
    signed = _hs2019(int(NOW), also=("date",), date=NOW - 2 * 3600)
    assert _window_rejection(signed) == "Date outside the accepted window"
    signed = _hs2019(int(NOW), also=("date",), date=NOW - 60)
    parse_and_verify("GET", "https://local.example/x", signed, None, ED_KEY.public_key())


def test_sign_request_dates_are_checked_against_now():
    added = sign_request(
        "GET", INBOX, {}, None, key_id=KEY_ID, private_key=RSA_KEY, now=NOW - 61 * 60
    )
    with pytest.raises(SignatureError, match="Date outside"):
        parse_request_signature("GET", INBOX, added, None, now=NOW)
    added = sign_request(
        "GET", INBOX, {}, None, key_id=KEY_ID, private_key=RSA_KEY, now=NOW - 59 * 60
    )
    parse_and_verify("GET", INBOX, added, None, RSA_KEY.public_key())


# --- Digest -------------------------------------------------------------------


def test_tampered_body_fails_the_digest_check():
    added = sign_request(
        "POST", INBOX, {"Content-Type": CT}, BODY, key_id=KEY_ID, private_key=RSA_KEY, now=NOW
    )
    with pytest.raises(SignatureError) as info:
        parse_request_signature(
            "POST",
            INBOX,
            {"Content-Type": CT, **added},
            BODY.replace(b"Follow", b"Block!"),
            now=NOW,
        )
    assert info.value.reason.startswith("digest mismatch")


def test_body_none_skips_the_digest_check():
    added = sign_request(
        "POST", INBOX, {"Content-Type": CT}, BODY, key_id=KEY_ID, private_key=RSA_KEY, now=NOW
    )
    parse_and_verify("POST", INBOX, {"Content-Type": CT, **added}, None, RSA_KEY.public_key())


def test_replaced_digest_header_fails_the_signature():
    other = b'{"type":"Block"}'
    added = sign_request(
        "POST", INBOX, {"Content-Type": CT}, BODY, key_id=KEY_ID, private_key=RSA_KEY, now=NOW
    )
    added["Digest"] = post_headers(other)["digest"]
    parsed = parse_request_signature("POST", INBOX, {"Content-Type": CT, **added}, other, now=NOW)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed_signature(parsed, RSA_KEY.public_key())


# --- Property: sign -> parse -> verify, and any body change is caught -------

# RFC 3986 path/query characters (no '?' or '#').
_PATH_CHARS = string.ascii_letters + string.digits + "-._~%!$&'()*+,;=:@/"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.text(_PATH_CHARS, max_size=40),
    query=st.text(_PATH_CHARS, max_size=20),
    body=st.binary(min_size=1, max_size=300),
    data=st.data(),
    key=st.sampled_from([RSA_KEY, OTHER_ED_KEY]),
)
def test_property_round_trip_and_body_flip(path, query, body, data, key):
    url = "https://local.example/" + path + (f"?{query}" if query else "")
    added = sign_request(
        "POST", url, {"Content-Type": CT}, body, key_id=KEY_ID, private_key=key, now=NOW
    )
    headers = {"Content-Type": CT, **added}
    parse_and_verify("POST", url, headers, body, key.public_key())

    index = data.draw(st.integers(0, len(body) - 1))
    flipped = bytearray(body)
    flipped[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(SignatureError, match="digest mismatch"):
        parse_request_signature("POST", url, headers, bytes(flipped), now=NOW)


def test_parsed_signature_is_frozen():
    added = sign_request("GET", INBOX, {}, None, key_id=KEY_ID, private_key=RSA_KEY, now=NOW)
    parsed = parse_request_signature("GET", INBOX, added, None, now=NOW)
    with pytest.raises(AttributeError):
        parsed.key_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "value",
    [
        "Tue, 14 Nov 2023 22:13:20 GMT",  # IMF-fixdate
        "Tuesday, 14-Nov-23 22:13:20 GMT",  # RFC 850
        "Tue, 14 Nov 2023 22:13:20",  # no zone: GMT, not the server's local time
    ],
)
def test_http_dates_are_read_as_gmt(value, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert parse_http_date(value) == 1_700_000_000
    finally:
        monkeypatch.undo()
        time.tzset()
