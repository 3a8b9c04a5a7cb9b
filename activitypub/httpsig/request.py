"""A normalised, read-only view of the request parts that signatures cover."""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


@dataclass(frozen=True, slots=True)
class RequestView:
    """Method, URL pieces and headers, normalised once per request.

    ``headers`` has lower-case names; repeated field lines are joined with
    ", " as HTTP allows, and values are stripped of surrounding whitespace.
    """

    method: str
    target_uri: str
    scheme: str
    authority: str
    path: str
    query: str
    headers: dict[str, str]

    @property
    def request_target(self) -> str:
        """Origin-form request target: path plus '?query' when there is one."""
        return f"{self.path}?{self.query}" if self.query else self.path


def normalise_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case the names of any header mapping, joining repeated lines.

    Works for plain dicts with arbitrary name case and for multi-valued
    mappings such as starlette's ``Headers`` whose ``items()`` repeats names.
    """
    lines: dict[str, list[str]] = {}
    for name, value in headers.items():
        lines.setdefault(name.lower(), []).append(value.strip())
    # Joined once per name: appending line by line would copy the value once per line.
    return {name: ", ".join(values) for name, values in lines.items()}


def authority_of(scheme: str, netloc: str) -> str:
    """Lower-case host with the port only when it is not the scheme's default."""
    authority = netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and authority.endswith(default):
        authority = authority[: -len(default)]
    return authority


def request_view(method: str, url: str, headers: Mapping[str, str]) -> RequestView:
    """Build a RequestView from an absolute URL as received and any header mapping."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    authority = authority_of(scheme, parts.netloc)
    path = parts.path or "/"
    target_uri = url.partition("#")[0]
    if not parts.path:
        # An absent path means "/" (RFC 9110 §4.2.1); spell it so both sides agree.
        target_uri = f"{parts.scheme}://{parts.netloc}/" + (
            f"?{parts.query}" if parts.query else ""
        )
    return RequestView(
        method=method.upper(),
        target_uri=target_uri,
        scheme=scheme,
        authority=authority,
        path=path,
        query=parts.query,
        headers=normalise_headers(headers),
    )


def to_bytes(text: str) -> bytes:
    """Encode a signature base the way the header bytes arrived.

    ASGI servers decode header bytes as Latin-1, so encoding back with Latin-1
    restores the octets the sender signed; UTF-8 covers callers that passed
    characters beyond Latin-1.
    """
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")
