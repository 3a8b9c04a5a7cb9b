"""Keys: generation, PEM round trips, FEP-521a Multikey and base58btc."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from activitypub.keys import (
    generate_ed25519_key,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
    multibase_to_public_key,
    private_key_to_pem,
    public_key_to_multibase,
    public_key_to_pem,
)
from activitypub.multibase import (
    MAX_DECODE_LENGTH,
    b58decode,
    b58encode,
    decode_base58btc,
    encode_base58btc,
)
from tests.activitypub import vectors

RSA_KEY = generate_rsa_key()
ED_KEY = generate_ed25519_key()


def _raw(public_key: ed25519.Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_generated_rsa_key_is_2048_bits_with_exponent_65537():
    assert RSA_KEY.key_size == 2048
    assert RSA_KEY.public_key().public_numbers().e == 65537


def test_generated_ed25519_key_type():
    assert isinstance(ED_KEY, ed25519.Ed25519PrivateKey)


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
def test_private_key_pem_is_pkcs8_and_round_trips(key):
    pem = private_key_to_pem(key)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    loaded = load_private_key_pem(pem)
    assert private_key_to_pem(loaded) == pem
    assert load_private_key_pem(pem.encode()) is not None


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
def test_public_key_pem_is_spki_and_round_trips(key):
    pem = public_key_to_pem(key.public_key())
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert public_key_to_pem(load_public_key_pem(pem)) == pem
    # Actor documents sometimes carry extra surrounding whitespace.
    assert public_key_to_pem(load_public_key_pem(f"\n  {pem}\n\n".encode())) == pem


def test_pkcs1_public_key_is_accepted_and_matches_its_private_key():
    public = load_public_key_pem(vectors.TEST_KEY_RSA_PUBLIC)
    private = load_private_key_pem(vectors.TEST_KEY_RSA_PRIVATE)
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.public_numbers() == private.public_key().public_numbers()


def test_rfc9421_ed25519_test_keys_agree():
    public = load_public_key_pem(vectors.TEST_KEY_ED25519_PUBLIC)
    private = load_private_key_pem(vectors.TEST_KEY_ED25519_PRIVATE)
    assert _raw(private.public_key()) == _raw(public)


def _ec_private_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _ec_public_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "junk",
        "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n",
        b"\xff\xfe",
        _ec_public_pem(),
    ],
    ids=["empty", "text", "bad-der", "binary", "ec-key"],
)
def test_load_public_key_rejects_junk(junk):
    with pytest.raises(ValueError):
        load_public_key_pem(junk)


@pytest.mark.parametrize(
    "junk",
    ["", "junk", vectors.TEST_KEY_RSA_PUBLIC, _ec_private_pem()],
    ids=["empty", "text", "public-key", "ec-key"],
)
def test_load_private_key_rejects_junk(junk):
    with pytest.raises(ValueError):
        load_private_key_pem(junk)


def test_ed25519_multikey_layout_and_round_trip():
    public = ED_KEY.public_key()
    value = public_key_to_multibase(public)
    assert value.startswith("z6Mk")  # every Ed25519 multikey starts like this
    data = decode_base58btc(value)
    assert data[:2] == b"\xed\x01"
    assert data[2:] == _raw(public)
    assert _raw(multibase_to_public_key(value)) == _raw(public)


def test_rsa_multikey_layout_and_round_trip():
    public = load_public_key_pem(vectors.TEST_KEY_RSA_PUBLIC)
    value = public_key_to_multibase(public)
    data = decode_base58btc(value)
    # varint(0x1205) followed by the DER PKCS#1 RSAPublicKey
    assert data[:2] == b"\x85\x24"
    assert data[2:] == public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    decoded = multibase_to_public_key(value)
    assert decoded.public_numbers() == public.public_numbers()


def test_w3c_vc_di_eddsa_example_key_pair():
    # The secret is multicodec ed25519-priv (varint 0x1300 = 0x80 0x26) + seed.
    secret = decode_base58btc(vectors.MULTIKEY_ED25519_SECRET)
    assert secret[:2] == b"\x80\x26"
    private = ed25519.Ed25519PrivateKey.from_private_bytes(secret[2:])
    assert public_key_to_multibase(private.public_key()) == vectors.MULTIKEY_ED25519_PUBLIC
    decoded = multibase_to_public_key(vectors.MULTIKEY_ED25519_PUBLIC)
    assert _raw(decoded) == _raw(private.public_key())


@pytest.mark.parametrize(
    "value",
    [
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        "u7QE",  # base64url multibase, not base58btc
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ0",  # '0' is not base58
        "zOIl",  # nor are 'O', 'I' and 'l'
        vectors.MULTIKEY_ED25519_SECRET,  # a private-key codec
        encode_base58btc(b"\xed\x01" + bytes(31)),  # Ed25519 key one byte short
        encode_base58btc(b"\x85\x24" + b"not der"),
    ],
)
def test_multibase_to_public_key_rejects_bad_values(value):
    with pytest.raises(ValueError):
        multibase_to_public_key(value)


def test_base58_known_values():
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert b58encode(b"\x00\x00\x01") == "112"
    assert b58encode(b"") == ""
    assert b58decode("StV1DL6CwTryKyV") == b"hello world"
    assert b58decode("112") == b"\x00\x00\x01"


@given(st.binary(max_size=300))
def test_base58btc_round_trip(data):
    assert decode_base58btc(encode_base58btc(data)) == data


def test_base58_longer_than_any_key_is_refused_before_decoding():
    # Decoding is quadratic in the length (a 1 MiB value took minutes) and these values
    # come from remote actor documents before any signature is checked.
    largest = encode_base58btc(b"\xff" * (MAX_DECODE_LENGTH * 5 // 7))
    assert len(largest) <= MAX_DECODE_LENGTH + 1
    assert decode_base58btc(largest) == b"\xff" * (MAX_DECODE_LENGTH * 5 // 7)
    with pytest.raises(ValueError, match="longer than"):
        b58decode("2" * (MAX_DECODE_LENGTH + 1))
    with pytest.raises(ValueError, match="longer than"):
        multibase_to_public_key("z" + "2" * (1 << 20))
