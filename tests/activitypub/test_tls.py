"""Outgoing TLS trusts the system's store and `SSL_CERT_FILE`, not only certifi: an
instance behind a private certificate authority (or a TLS-inspecting proxy) federates
once the operator adds its root."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from activitypub import tls
from activitypub.client import make_client


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_test_ca(directory: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 it signed: (ca, cert, key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("fedlocal test CA"))
        .issuer_name(_name("fedlocal test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def test_ca(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_test_ca(tmp_path)


@pytest.fixture
async def https_server(test_ca) -> AsyncIterator[str]:
    """A tiny HTTPS server on loopback, with a certificate from the test CA."""
    _, cert, key = test_ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}/"
    finally:
        server.close()


async def _get(url: str) -> httpx.Response:
    async with make_client(key_id=None, allow_private=True, user_agent="t") as client:
        return await client.get(url)


async def test_a_private_ca_given_in_ssl_cert_file_is_trusted(
    https_server: str, test_ca, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the operator's CA in SSL_CERT_FILE
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca[0]))
    # When the server fetches from a host whose certificate that CA signed
    response = await _get(https_server)
    # Then the connection is trusted
    assert response.status_code == 200
    assert response.text == "ok"


async def test_without_the_ca_the_certificate_is_refused(
    https_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await _get(https_server)


def test_the_system_store_is_loaded_and_certifi_only_without_one(monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    if tls.system_store_present():
        paths = ssl.get_default_verify_paths()
        system = ssl.create_default_context()
        assert tls.outgoing_ssl_context().cert_store_stats() == system.cert_store_stats(), paths
    # A bare container: no store at all, certifi's list keeps federation working.
    monkeypatch.setattr(tls, "system_store_present", lambda: False)
    assert tls.outgoing_ssl_context().cert_store_stats()["x509_ca"] > 50
