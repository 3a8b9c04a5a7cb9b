"""RFC 9421 HTTP Message Signatures: published vectors, cross-checks, Mastodon's rules."""

import datetime
import time
from dataclasses import dataclass, field

import http_message_signatures as hms
import pytest
from http_message_signatures import algorithms as hms_algorithms
from http_sfv import Dictionary
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers

from activitypub.digest import content_digest_header
from activitypub.httpsig import (
    SignatureError,
    algorithms,
    parse_request_signature,
    rfc9421,
    sign_request,
    verify_parsed_signature,
)
from activitypub.httpsig.request import request_view
from activitypub.keys import (
    generate_ed25519_key,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
)
from tests.activitypub import vectors

RSA_KEY = load_private_key_pem(vectors.TEST_KEY_RSA_PRIVATE)
RSA_PUBLIC = load_public_key_pem(vectors.TEST_KEY_RSA_PUBLIC)
ED_KEY = load_private_key_pem(vectors.TEST_KEY_ED25519_PRIVATE)
ED_PUBLIC = load_public_key_pem(vectors.TEST_KEY_ED25519_PUBLIC)
OTHER_RSA_KEY = generate_rsa_key()
OTHER_ED_KEY = generate_ed25519_key()

NOW = 1_700_000_000.0
KEY_ID = "https://remote.example/users/alice#main-key"
INBOX = "https://local.example/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/alice"}'
CT = "application/activity+json"


def inner_list(signature_input: str):
    parsed = Dictionary()
    parsed.parse(signature_input.encode())
    return next(iter(parsed.values()))


def b2_view(signature_input: str, signature: str):
    headers = {**vectors.B2_HEADERS, "Signature-Input": signature_input, "Signature": signature}
    return request_view(vectors.B2_METHOD, vectors.B2_URL, headers)


# --- RFC 9421 published vectors ---------------------------------------------


def test_b26_signature_base_is_reproduced_exactly():
    view = b2_view(vectors.SIG_B26_INPUT, vectors.SIG_B26_SIGNATURE)
    base = rfc9421.signature_base(view, inner_list(vectors.SIG_B26_INPUT))
    assert base == vectors.SIG_B26_BASE.encode()


def test_b26_ed25519_signature_verifies():
    parsed = rfc9421.parse_signature(b2_view(vectors.SIG_B26_INPUT, vectors.SIG_B26_SIGNATURE))
    assert parsed.scheme == "rfc9421"
    assert parsed.key_id == "test-key-ed25519"
    assert parsed.algorithm is None
    assert parsed.created == 1618884473
    assert parsed.covered == (
        "date",
        "@method",
        "@path",
        "@authority",
        "content-type",
        "content-length",
    )
    verify_parsed_signature(parsed, ED_PUBLIC)


def test_b26_fails_with_another_key_or_a_changed_message():
    parsed = rfc9421.parse_signature(b2_view(vectors.SIG_B26_INPUT, vectors.SIG_B26_SIGNATURE))
    with pytest.raises(SignatureError, match="signature does not verify"):
        verify_parsed_signature(parsed, OTHER_ED_KEY.public_key())
    headers = {
        **vectors.B2_HEADERS,
        "Content-Length": "19",
        "Signature-Input": vectors.SIG_B26_INPUT,
        "Signature": vectors.SIG_B26_SIGNATURE,
    }
    changed = rfc9421.parse_signature(request_view("POST", vectors.B2_URL, headers))
    with pytest.raises(SignatureError, match="signature does not verify"):
        verify_parsed_signature(changed, ED_PUBLIC)


def test_b26_is_reproduced_by_our_signer():
    # Ed25519 is deterministic: same key and base, same signature bytes.
    view = request_view(vectors.B2_METHOD, vectors.B2_URL, vectors.B2_HEADERS)
    out = rfc9421.sign_components(
        view,
        ["date", "@method", "@path", "@authority", "content-type", "content-length"],
        [("created", 1618884473), ("keyid", "test-key-ed25519")],
        ED_KEY,
        label="sig-b26",
    )
    assert out == {
        "Signature-Input": vectors.SIG_B26_INPUT,
        "Signature": vectors.SIG_B26_SIGNATURE,
    }


def test_b21_rsa_pss_sha512_base_and_signature():
    parsed = rfc9421.parse_signature(b2_view(vectors.SIG_B21_INPUT, vectors.SIG_B21_SIGNATURE))
    assert parsed.covered == ()
    assert parsed._bases == (vectors.SIG_B21_BASE.encode(),)
    pss_public = load_public_key_pem(vectors.TEST_KEY_RSA_PSS_PUBLIC)
    # B.2.1 states no alg; the verifier is told rsa-pss-sha512 out of band.
    assert algorithms.verify(
        pss_public, algorithms.RSA_PSS_SHA512, parsed._signature, parsed._bases[0]
    )
    assert not algorithms.verify(
        pss_public, algorithms.RSA_V1_5_SHA256, parsed._signature, parsed._bases[0]
    )


def proxy_view():
    return request_view("POST", vectors.PROXY_URL, vectors.PROXY_HEADERS)


def test_proxy_sig_base_is_reproduced_exactly():
    parsed = rfc9421.parse_signature(proxy_view(), label="proxy_sig")
    assert parsed._bases == (vectors.PROXY_SIG_BASE.encode(),)
    assert parsed.algorithm == "rsa-v1_5-sha256"
    assert (parsed.created, parsed.expires) == (1618884480, 1618884540)


def test_proxy_sig_rsa_v1_5_sha256_verifies():
    parsed = rfc9421.parse_signature(proxy_view(), label="proxy_sig")
    verify_parsed_signature(parsed, RSA_PUBLIC)
    with pytest.raises(SignatureError):
        verify_parsed_signature(parsed, OTHER_RSA_KEY.public_key())


def test_proxy_sig_is_reproduced_byte_for_byte_by_our_signer():
    # RSASSA-PKCS1-v1_5 is deterministic: the golden rsa-v1_5-sha256 vector.
    out = rfc9421.sign_components(
        proxy_view(),
        vectors.PROXY_SIG_COMPONENTS,
        vectors.PROXY_SIG_PARAMS,
        RSA_KEY,
        label="proxy_sig",
    )
    assert out == {
        "Signature-Input": vectors.PROXY_SIG_INPUT,
        "Signature": vectors.PROXY_SIG_SIGNATURE,
    }


def test_proxy_request_fails_the_inbox_profile():
    # Two signatures, and neither covers @target-uri: Mastodon's rules refuse it.
    with pytest.raises(SignatureError, match="exactly one signature"):
        parse_request_signature(
            "POST", vectors.PROXY_URL, vectors.PROXY_HEADERS, vectors.B2_BODY, now=1618884500
        )
    only_proxy = {
        **vectors.PROXY_HEADERS,
        "Signature-Input": vectors.PROXY_SIG_INPUT,
        "Signature": vectors.PROXY_SIG_SIGNATURE,
    }
    with pytest.raises(SignatureError, match="must cover @target-uri"):
        parse_request_signature(
            "POST", vectors.PROXY_URL, only_proxy, vectors.B2_BODY, now=1618884500
        )


def test_alg_we_do_not_implement_is_refused_before_any_key_lookup():
    headers = {
        **vectors.B2_HEADERS,
        "Signature-Input": vectors.SIG_B26_INPUT.replace(
            'keyid="test-key-ed25519"', 'keyid="k";alg="ecdsa-p256-sha256"'
        ),
        "Signature": vectors.SIG_B26_SIGNATURE,
    }
    with pytest.raises(SignatureError, match="unsupported signature algorithm"):
        rfc9421.parse_signature(request_view("POST", vectors.B2_URL, headers))


# --- Cross-check with http_message_signatures -------------------------------


@dataclass
class Message:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


HMS_ALGORITHMS = {"rsa": hms_algorithms.RSA_V1_5_SHA256, "ed25519": hms_algorithms.ED25519}
KEYS = {"rsa": OTHER_RSA_KEY, "ed25519": OTHER_ED_KEY}


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "https://local.example:8443/users/bob/inbox", BODY),
        ("GET", "https://local.example/users/bob/outbox?page=2", None),
    ],
)
def test_our_signature_verifies_with_http_message_signatures(kind, method, url, body):
    key = KEYS[kind]
    request_headers = {"Content-Type": CT} if body else {"Accept": CT}
    added = sign_request(
        method, url, request_headers, body, key_id=KEY_ID, private_key=key, scheme="rfc9421"
    )
    message = Message(method, url, {**request_headers, **added})
    verifier = hms.HTTPMessageVerifier(
        signature_algorithm=HMS_ALGORITHMS[kind],
        key_resolver=hms.MappingKeyResolver(
            public_keys={KEY_ID: key.public_key()}, private_keys={}
        ),
    )
    required = ("@method", "@target-uri") + (("content-digest",) if body else ())
    results = verifier.verify(message, body=body, require_components=required)
    assert results[0].parameters["keyid"] == KEY_ID

    message.headers["Signature-Input"] = message.headers["Signature-Input"].replace(
        "@target-uri", "@authority"
    )
    with pytest.raises(hms.InvalidSignature):
        verifier.verify(message)


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_http_message_signatures_post_verifies_with_ours(kind):
    key = KEYS[kind]
    message = Message("POST", "https://local.example/users/bob/inbox", {"Content-Type": CT})
    signer = hms.HTTPMessageSigner(
        signature_algorithm=HMS_ALGORITHMS[kind],
        key_resolver=hms.MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key}),
    )
    signer.sign(
        message,
        key_id=KEY_ID,
        label="sig1",
        created=datetime.datetime.now(datetime.UTC),
        covered_component_ids=("@method", "@target-uri", "content-digest", "content-type"),
        body=BODY,
    )
    assert message.headers["Content-Digest"] == content_digest_header(BODY)
    parsed = parse_request_signature(message.method, message.url, message.headers, BODY)
    assert parsed.algorithm == ("rsa-v1_5-sha256" if kind == "rsa" else "ed25519")
    verify_parsed_signature(parsed, key.public_key())
    with pytest.raises(SignatureError, match="digest mismatch"):
        parse_request_signature(message.method, message.url, message.headers, BODY + b" ")


def test_http_message_signatures_derived_components_match_ours():
    # Every derived component we support, computed independently by the other library.
    url = "https://Local.Example:443/a/b%20c?x=1&y=%2F"
    message = Message("GET", url, {"Accept": CT, "X-Thing": "  spaced  "})
    signer = hms.HTTPMessageSigner(
        signature_algorithm=hms_algorithms.ED25519,
        key_resolver=hms.MappingKeyResolver(public_keys={}, private_keys={KEY_ID: OTHER_ED_KEY}),
    )
    signer.sign(
        message,
        key_id=KEY_ID,
        label="sig1",
        covered_component_ids=(
            "@method",
            "@target-uri",
            "@authority",
            "@scheme",
            "@request-target",
            "@path",
            "@query",
            "accept",
            "x-thing",
        ),
    )
    parsed = rfc9421.parse_signature(request_view("GET", url, message.headers))
    verify_parsed_signature(parsed, OTHER_ED_KEY.public_key())


def test_http_message_signatures_without_alg_verifies_by_key_type():
    message = Message("GET", "https://local.example/users/bob", {})
    signer = hms.HTTPMessageSigner(
        signature_algorithm=hms_algorithms.RSA_V1_5_SHA256,
        key_resolver=hms.MappingKeyResolver(public_keys={}, private_keys={KEY_ID: OTHER_RSA_KEY}),
    )
    signer.sign(
        message,
        key_id=KEY_ID,
        label="sig1",
        include_alg=False,
        covered_component_ids=("@method", "@target-uri"),
    )
    parsed = parse_request_signature(message.method, message.url, message.headers, None)
    assert parsed.algorithm is None
    verify_parsed_signature(parsed, OTHER_RSA_KEY.public_key())


# --- Our signer: output shape -----------------------------------------------


def test_sign_request_rfc9421_post_headers():
    added = sign_request(
        "POST",
        INBOX,
        {"content-type": CT},
        BODY,
        key_id=KEY_ID,
        private_key=RSA_KEY,
        scheme="rfc9421",
        now=NOW,
    )
    assert set(added) == {"Content-Digest", "Signature-Input", "Signature"}
    assert added["Content-Digest"] == content_digest_header(BODY)
    assert added["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "content-digest" "content-type")'
        f';created=1700000000;keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    assert added["Signature"].startswith("sig1=:") and added["Signature"].endswith(":")


def test_sign_request_rfc9421_get_headers():
    added = sign_request(
        "GET", INBOX, {}, None, key_id=KEY_ID, private_key=ED_KEY, scheme="rfc9421", now=NOW
    )
    assert set(added) == {"Signature-Input", "Signature"}
    assert added["Signature-Input"] == (
        f'sig1=("@method" "@target-uri");created=1700000000;keyid="{KEY_ID}";alg="ed25519"'
    )


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError):
        sign_request(
            "GET", INBOX, {}, None, key_id=KEY_ID, private_key=ED_KEY, scheme="nope", now=NOW
        )  # type: ignore[arg-type]


# --- Mastodon's rules ---------------------------------------------------------


def signed(
    method="POST",
    url=INBOX,
    body=BODY,
    key=RSA_KEY,
    components=None,
    params=None,
    extra_headers=None,
    now=NOW,
):
    """Headers for a request signed with chosen components and parameters."""
    headers = {"Content-Type": CT, **(extra_headers or {})}
    if body is not None:
        headers["Content-Digest"] = content_digest_header(body)
    if components is None:
        components = ["@method", "@target-uri"] + (["content-digest"] if body is not None else [])
    if params is None:
        params = [("created", int(now)), ("keyid", KEY_ID)]
    view = request_view(method, url, headers)
    return {**headers, **rfc9421.sign_components(view, components, params, key)}


def rejection(headers, method="POST", url=INBOX, body=BODY, now=NOW) -> str:
    with pytest.raises(SignatureError) as info:
        parse_request_signature(method, url, headers, body, now=now)
    return info.value.reason


def test_minimal_valid_request_passes():
    parsed = parse_request_signature("POST", INBOX, signed(), BODY, now=NOW)
    verify_parsed_signature(parsed, RSA_KEY.public_key())


def test_missing_created_is_rejected():
    headers = signed(params=[("keyid", KEY_ID)])
    assert rejection(headers) == "signature lacks the created parameter"


def test_missing_keyid_is_rejected():
    headers = signed(params=[("created", int(NOW))])
    assert rejection(headers) == "signature lacks the keyid parameter"


@pytest.mark.parametrize("missing", ["@method", "@target-uri"])
def test_method_and_target_uri_must_be_covered(missing):
    components = [c for c in ["@method", "@target-uri", "content-digest"] if c != missing]
    assert rejection(signed(components=components)) == f"signature must cover {missing}"


def test_post_must_cover_content_digest():
    headers = signed(components=["@method", "@target-uri", "content-type"])
    assert rejection(headers) == "POST signature must cover content-digest"


def test_get_needs_no_content_digest():
    headers = signed(method="GET", body=None)
    parsed = parse_request_signature("GET", INBOX, headers, None, now=NOW)
    verify_parsed_signature(parsed, RSA_KEY.public_key())


def test_two_signatures_are_rejected():
    first = signed()
    second = signed(key=ED_KEY)
    headers = {
        **first,
        "Signature-Input": f"{first['Signature-Input']}, "
        f"sig2={second['Signature-Input'].removeprefix('sig1=')}",
        "Signature": f"{first['Signature']}, sig2={second['Signature'].removeprefix('sig1=')}",
    }
    assert rejection(headers) == "expected exactly one signature in Signature-Input"


@pytest.mark.parametrize("alg", ["hmac-sha256", "ecdsa-p256-sha256", "rsa-sha256", "hs2019"])
def test_unsupported_alg_is_rejected(alg):
    headers = signed()
    headers["Signature-Input"] = headers["Signature-Input"] + f';alg="{alg}"'
    assert rejection(headers) == f"unsupported signature algorithm {alg}"


def test_alg_that_does_not_fit_the_key_is_rejected():
    headers = signed(
        params=[("created", int(NOW)), ("keyid", KEY_ID), ("alg", "ed25519")], key=ED_KEY
    )
    parsed = parse_request_signature("POST", INBOX, headers, BODY, now=NOW)
    verify_parsed_signature(parsed, ED_KEY.public_key())
    with pytest.raises(SignatureError, match="does not match"):
        verify_parsed_signature(parsed, RSA_KEY.public_key())


def test_rsa_pss_sha512_round_trip():
    params = [("created", int(NOW)), ("keyid", KEY_ID), ("alg", "rsa-pss-sha512")]
    headers = signed(params=params)
    parsed = parse_request_signature("POST", INBOX, headers, BODY, now=NOW)
    verify_parsed_signature(parsed, RSA_KEY.public_key())


@pytest.mark.parametrize(
    ("signature_input", "reason"),
    [
        ('sig1=("@method" "@target-uri");created="1";keyid="k"', "created parameter"),
        ('sig1=("@method" "@target-uri");created;keyid="k"', "created parameter"),
        ('sig1=("@method" "@target-uri");created=1;keyid=1', "keyid"),
        ('sig1="not-a-list";created=1;keyid="k"', "inner list"),
        ('sig1=("@method" "@target-uri";req);created=1;keyid="k"', "unsupported parameters"),
        ('sig1=("@method" "@query-param";name="x");created=1;keyid="k"', "parameters"),
        ('sig1=("@method" "@status");created=1;keyid="k"', "unsupported covered component"),
        ('sig1=("@method" "@method");created=1;keyid="k"', "twice"),
        ('sig1=("@method" "Content-Type");created=1;keyid="k"', "lower-case"),
        ('sig1=("@method" "x-missing");created=1;keyid="k"', "x-missing is missing"),
        ('sig1=(method);created=1;keyid="k"', "strings"),
        ("sig1=(", "malformed Signature-Input"),
        ('sig2=("@method");created=1;keyid="k"', "labelled sig2"),
    ],
)
def test_malformed_signature_input(signature_input, reason):
    headers = {
        "Content-Type": CT,
        "Signature-Input": signature_input,
        "Signature": "sig1=:AAAA:",
    }
    with pytest.raises(SignatureError) as info:
        parse_request_signature("GET", INBOX, headers, None, now=NOW)
    assert reason in info.value.reason


@pytest.mark.parametrize("signature", ["sig1=AAAA", "sig1=(:AAAA:)", "sig1=:AAAA", "other=:AA==:"])
def test_malformed_signature_field(signature):
    headers = signed(method="GET", body=None)
    headers["Signature"] = signature
    with pytest.raises(SignatureError):
        parse_request_signature("GET", INBOX, headers, None, now=NOW)


def test_target_uri_must_match():
    headers = signed()
    parsed = parse_request_signature(
        "POST", "https://local.example/other-inbox", headers, BODY, now=NOW
    )
    with pytest.raises(SignatureError, match="signature does not verify"):
        verify_parsed_signature(parsed, RSA_KEY.public_key())


def test_header_name_case_and_starlette_headers():
    headers = signed(
        extra_headers={"X-Custom": "v"},
        components=["@method", "@target-uri", "content-digest", "x-custom"],
    )
    shouting = {name.upper(): value for name, value in headers.items()}
    parsed = parse_request_signature("post", INBOX, shouting, BODY, now=NOW)
    verify_parsed_signature(parsed, RSA_KEY.public_key())
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    parsed = parse_request_signature("POST", INBOX, Headers(raw=raw), BODY, now=NOW)
    verify_parsed_signature(parsed, RSA_KEY.public_key())


# --- Time window and digest ---------------------------------------------------


@pytest.mark.parametrize("minutes", [0, 30, 59, 60, -59, -60])
def test_created_inside_window(minutes):
    headers = signed(now=NOW - minutes * 60)
    parse_request_signature("POST", INBOX, headers, BODY, now=NOW)


@pytest.mark.parametrize("minutes", [61, 66, -61])
def test_created_outside_window(minutes):
    headers = signed(now=NOW - minutes * 60)
    assert rejection(headers) == "created outside the accepted window"


def test_a_far_expiry_does_not_extend_the_hour():
    # expires is covered by @signature-params, so it counts, but only to shorten.
    created = int(NOW) - 5 * 3600
    params = [("created", created), ("keyid", KEY_ID), ("expires", int(NOW) + 3600)]
    assert rejection(signed(params=params)) == "created outside the accepted window"
    created = int(NOW) - 59 * 60
    params = [("created", created), ("keyid", KEY_ID), ("expires", created + 48 * 3600)]
    parsed = parse_request_signature("POST", INBOX, signed(params=params), BODY, now=NOW)
    assert parsed.expires == created + 48 * 3600


def test_an_expiry_in_the_past_is_refused_beyond_the_skew():
    created = int(NOW) - 10 * 60
    params = [("created", created), ("keyid", KEY_ID), ("expires", int(NOW) - 6 * 60)]
    assert rejection(signed(params=params)) == "signature expired"
    params = [("created", created), ("keyid", KEY_ID), ("expires", int(NOW) - 4 * 60)]
    parse_request_signature("POST", INBOX, signed(params=params), BODY, now=NOW)


def test_tampered_body_fails_content_digest():
    headers = signed()
    assert rejection(headers, body=BODY.replace(b"Follow", b"Delete")).startswith("digest mismatch")


def test_content_digest_without_sha256_is_rejected():
    headers = signed(extra_headers={})
    headers["Content-Digest"] = "sha-512=:" + "A" * 86 + "==:"
    assert rejection(headers).startswith("digest mismatch")


# --- Property -----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    path=st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~%/", max_size=30),
    body=st.binary(min_size=1, max_size=200),
    data=st.data(),
)
def test_property_round_trip_and_body_flip(path, body, data):
    url = f"https://local.example/{path}"
    added = sign_request(
        "POST", url, {}, body, key_id=KEY_ID, private_key=OTHER_ED_KEY, scheme="rfc9421"
    )
    parsed = parse_request_signature("POST", url, added, body, now=time.time())
    verify_parsed_signature(parsed, OTHER_ED_KEY.public_key())
    index = data.draw(st.integers(0, len(body) - 1))
    flipped = bytearray(body)
    flipped[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(SignatureError, match="digest mismatch"):
        parse_request_signature("POST", url, added, bytes(flipped))
