"""Addressing helpers: the public collection in all its spellings, recipients, origins."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# JSON-LD compaction against the AS2 context can turn the full IRI into a compact IRI or,
# with some processors, the bare term; ActivityPub §5.6 asks receivers to accept all three.
_PUBLIC_SPELLINGS = frozenset({PUBLIC, "as:Public", "Public"})

ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_PORT = 65535
# The common shape of an id, `http(s)://host[:port]` then a path, query, fragment or
# nothing, with a host of letters, digits, dots and hyphens: its origin read without
# urlsplit, which costs several times more and runs several times per received activity.
# Anything else (user info, IPv6, escapes, spaces, another scheme) goes to urlsplit.
_PLAIN_AUTHORITY = re.compile(
    r"(https?)://([a-z0-9.-]+)(?::([0-9]{1,5}))?(?=[/?#]|\Z)", re.I | re.A
)


def as_list(value: Any) -> list[Any]:
    """Return an AS2 property value as a list: None → [], a list as is, a scalar → [scalar]."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def id_of(value: Any) -> str | None:
    """The id of a reference: the string itself, or the `id` of an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        ident = value.get("id", value.get("@id"))
        if isinstance(ident, str):
            return ident
    return None


def is_public_address(value: Any) -> bool:
    """True if `value` (a string or an embedded object) names the public collection."""
    return id_of(value) in _PUBLIC_SPELLINGS


def audience(activity: Mapping[str, Any]) -> list[str]:
    """Every addressee id in to/cc/bto/bcc/audience, deduplicated, in order of appearance."""
    seen: dict[str, None] = {}
    for field in ADDRESS_FIELDS:
        for item in as_list(activity.get(field)):
            ident = id_of(item)
            if ident is not None:
                seen.setdefault(ident, None)
    return list(seen)


def is_public(obj: Mapping[str, Any]) -> bool:
    """True if the object or activity is addressed to the public collection."""
    return any(is_public_address(ident) for ident in audience(obj))


def _origin(url: str) -> tuple[str, str, int | None]:
    plain = _PLAIN_AUTHORITY.match(url)
    if plain is not None:
        scheme, host, digits = plain.groups()
        scheme = scheme.lower()
        given = int(digits) if digits else _DEFAULT_PORTS[scheme]
        if given <= _MAX_PORT:
            return scheme, host.lower(), given
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname  # already lower-cased, IPv6 brackets removed
    if not scheme or not host:
        raise ValueError(f"not an absolute URL: {url!r}")
    port = parts.port  # raises ValueError for a malformed port
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    return scheme, host, port


def host_of(url: str) -> str:
    """The URL's host, lower-cased, with its port when not the scheme's default.

    `http://127.0.0.1:8001/x` → `127.0.0.1:8001`, `https://Example.org:443/` → `example.org`.
    IPv6 hosts keep their brackets. Raises ValueError for a URL without scheme or host.
    """
    scheme, host, port = _origin(url)
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return host
    return f"{host}:{port}"


def same_origin(a: str, b: str) -> bool:
    """True if both URLs share scheme, host and (effective) port; False for junk."""
    try:
        return _origin(a) == _origin(b)
    except ValueError:
        return False
