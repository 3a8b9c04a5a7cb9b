"""Addressing helpers: public collection spellings, recipients, hosts and origins."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activitypub.addressing import (
    PUBLIC,
    _origin,
    as_list,
    audience,
    host_of,
    id_of,
    is_public,
    is_public_address,
    same_origin,
)


@pytest.mark.parametrize("value", [PUBLIC, "as:Public", "Public", {"id": PUBLIC}])
def test_public_spellings(value) -> None:
    assert is_public_address(value)


@pytest.mark.parametrize(
    "value",
    [
        "https://www.w3.org/ns/activitystreams",
        "http://www.w3.org/ns/activitystreams#Public#",
        "public",
        "https://example.org/users/ana/followers",
        None,
        42,
        {"type": "Collection"},
    ],
)
def test_not_public(value) -> None:
    assert not is_public_address(value)


def test_as_list() -> None:
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list({"id": "a"}) == [{"id": "a"}]
    assert as_list(["a", "b"]) == ["a", "b"]
    assert as_list(("a",)) == ["a"]
    assert as_list([]) == []


def test_id_of() -> None:
    assert id_of("https://a.example/1") == "https://a.example/1"
    assert id_of({"id": "https://a.example/1", "type": "Note"}) == "https://a.example/1"
    assert id_of({"@id": "https://a.example/2"}) == "https://a.example/2"
    assert id_of({"type": "Note"}) is None
    assert id_of({"id": 3}) is None
    assert id_of(None) is None
    assert id_of(7) is None


def test_audience_collects_every_field_once() -> None:
    activity = {
        "to": PUBLIC,
        "cc": ["https://a.example/followers", {"id": "https://b.example/users/bo"}],
        "bto": "https://c.example/users/cy",
        "bcc": [{"type": "Link"}, "https://a.example/followers"],
        "audience": {"id": "https://g.example/groups/quartier"},
        "object": {"to": "https://ignored.example/x"},
    }
    assert audience(activity) == [
        PUBLIC,
        "https://a.example/followers",
        "https://b.example/users/bo",
        "https://c.example/users/cy",
        "https://g.example/groups/quartier",
    ]
    assert audience({}) == []


@pytest.mark.parametrize(
    ("activity", "expected"),
    [
        ({"to": [PUBLIC]}, True),
        ({"cc": "as:Public"}, True),
        ({"to": "https://a.example/followers", "cc": ["Public"]}, True),
        ({"audience": {"id": PUBLIC}}, True),
        ({"to": ["https://a.example/followers"]}, False),
        ({}, False),
    ],
)
def test_is_public(activity, expected) -> None:
    assert is_public(activity) is expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8001/users/ana", "127.0.0.1:8001"),
        ("https://example.org/x", "example.org"),
        ("https://Example.ORG:443/x", "example.org"),
        ("http://example.org:80/", "example.org"),
        ("http://example.org:443/", "example.org:443"),
        ("https://example.org:8443", "example.org:8443"),
        ("http://[::1]:8001/x", "[::1]:8001"),
        ("https://user:pw@example.org/x", "example.org"),
    ],
)
def test_host_of(url, host) -> None:
    assert host_of(url) == host


@pytest.mark.parametrize("url", ["/relative", "example.org", "", "http://example.org:port/"])
def test_host_of_rejects_junk(url) -> None:
    with pytest.raises(ValueError):
        host_of(url)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://example.org/a", "https://EXAMPLE.org:443/b?c", True),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b", True),
        ("http://example.org/a", "https://example.org/a", False),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a", False),
        ("https://example.org/a", "https://sub.example.org/a", False),
        ("https://example.org/a", "not a url", False),
    ],
)
def test_same_origin(a, b, expected) -> None:
    assert same_origin(a, b) is expected


# The origin of a URL is read by a regular expression for the common shape and by
# urlsplit for the rest: both must give the same answer for any string.
URL_PIECES = st.sampled_from(
    [
        "http",
        "https",
        "HTTPS",
        "ftp",
        "://",
        ":",
        "/",
        "?",
        "#",
        "@",
        "[",
        "]",
        "%",
        " ",
        "\t",
        "\n",
        "\x00",
        "é",
        "example.org",
        "Example.ORG",
        "a",
        "-",
        ".",
        "0",
        "80",
        "443",
        "8001",
        "65535",
        "65536",
        "99999",
        "00080",
        "user:pw",
        "::1",
    ]
)


def _origin_by_urlsplit(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname
    if not scheme or not host:
        raise ValueError(url)
    port = parts.port
    return scheme, host, {"http": 80, "https": 443}.get(scheme) if port is None else port


def _outcome(function, url: str):
    try:
        return function(url)
    except ValueError:
        return "refused"


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(URL_PIECES, max_size=8).map("".join))
def test_the_origins_fast_path_agrees_with_urlsplit(url: str) -> None:
    assert _outcome(_origin, url) == _outcome(_origin_by_urlsplit, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/users/ana",
        "HTTP://Example.ORG:00080/x?y#z",
        "http://127.0.0.1:65535",
        "http://127.0.0.1:65536/",
        "https://host:/x",
        "https:///x",
        "https://a\tb.example/x",
        " https://example.org/",
        "https://example.org\n",
    ],
)
def test_the_origins_fast_path_agrees_with_urlsplit_on_edges(url: str) -> None:
    assert _outcome(_origin, url) == _outcome(_origin_by_urlsplit, url)
