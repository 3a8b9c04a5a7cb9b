"""WebFinger (RFC 7033, `acct:` RFC 7565): resource parsing, JRD documents and lookups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from .addressing import as_list, host_of
from .client import AP_CONTENT_TYPES, JSON_CONTENT_TYPES, fetch_json, media_type_allowed
from .fetch_errors import DiscoveryError

JRD_CONTENT_TYPE = "application/jrd+json"
JRD_ACCEPT = "application/jrd+json, application/json"
REL_SELF = "self"
REL_PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
REL_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
AP_LINK_TYPE = "application/activity+json"
# Longer than any handle (a DNS name is at most 253 characters) or sane actor URL; strangers
# type these into forms and query strings, so the parsers never see more.
MAX_RESOURCE_LENGTH = 2048

# A DNS name or an IPv4/bracketed IPv6 literal, with an optional port.
_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE,
)
# Anything but the separators that would make the handle ambiguous.
_USER = re.compile(r"[^@/?#\s:]+")


@dataclass(frozen=True)
class ResourceQuery:
    """A parsed WebFinger resource: an `acct:` handle or an http(s) URL."""

    kind: Literal["acct", "url"]
    host: str
    user: str | None = None
    url: str | None = None

    @property
    def resource(self) -> str:
        """The `resource` query value: `acct:user@host` or the URL."""
        if self.kind == "acct":
            return f"acct:{self.user}@{self.host}"
        assert self.url is not None
        return self.url


def _valid_host(host: str) -> str:
    match = _HOST.fullmatch(host)
    if not match or (match.group("port") and not 0 < int(match.group("port")) < 65536):
        raise ValueError(f"not a valid host: {host!r}")
    return host.lower()


def parse_resource(resource: str) -> ResourceQuery:
    """Parse `acct:user@host[:port]`, `@user@host`, `user@host` or an http(s) URL.

    Raises ValueError for anything else, including a resource longer than
    `MAX_RESOURCE_LENGTH` characters.
    """
    if len(resource) > MAX_RESOURCE_LENGTH:
        raise ValueError(f"resource longer than {MAX_RESOURCE_LENGTH} characters")
    text = resource.strip()
    if text.lower().startswith(("http://", "https://")):
        parts = urlsplit(text)
        if not parts.hostname or parts.username or parts.password:
            raise ValueError(f"not a usable URL resource: {resource!r}")
        return ResourceQuery(kind="url", host=_valid_host(host_of(text)), url=text)
    if text[:5].lower() == "acct:":
        text = text[5:]
    text = text.removeprefix("@")
    user, sep, host = text.rpartition("@")
    if not sep or not _USER.fullmatch(user):
        raise ValueError(f"not a WebFinger resource: {resource!r}")
    return ResourceQuery(kind="acct", user=user, host=_valid_host(host))


def parse_handle(handle: str) -> tuple[str, str]:
    """Split `@user@host[:port]` (or `user@host`, `acct:user@host`) into (user, host)."""
    query = parse_resource(handle)
    if query.kind != "acct" or query.user is None:
        raise ValueError(f"not a handle: {handle!r}")
    return query.user, query.host


def build_jrd(
    subject: str,
    *,
    actor_id: str,
    aliases: tuple[str, ...] | list[str] = (),
    profile_url: str | None = None,
    subscribe_template: str | None = None,
) -> dict[str, Any]:
    """Build the JRD for one actor, with exactly one `rel: self` link.

    Mastodon indexes links by `rel`, so a second `self` link (say, text/html) would hide
    the ActivityPub one.
    """
    links: list[dict[str, str]] = [{"rel": REL_SELF, "type": AP_LINK_TYPE, "href": actor_id}]
    if profile_url:
        links.append({"rel": REL_PROFILE_PAGE, "type": "text/html", "href": profile_url})
    if subscribe_template:
        links.append({"rel": REL_SUBSCRIBE, "template": subscribe_template})
    jrd: dict[str, Any] = {"subject": subject}
    unique_aliases = list(dict.fromkeys(aliases))
    if unique_aliases:
        jrd["aliases"] = unique_aliases
    jrd["links"] = links
    return jrd


async def fetch_jrd(
    client: httpx.AsyncClient, resource: str, *, scheme: Literal["https", "http"] = "https"
) -> dict[str, Any]:
    """GET `/.well-known/webfinger` for `resource` on its host and return the JRD."""
    query = parse_resource(resource)
    url = httpx.URL(
        f"{scheme}://{query.host}/.well-known/webfinger", params={"resource": query.resource}
    )
    jrd = await fetch_json(
        client,
        str(url),
        accept=JRD_ACCEPT,
        allowed_types=JSON_CONTENT_TYPES,
        max_bytes=256 * 1024,
        check_id=False,
    )
    if not isinstance(jrd.get("subject"), str):
        raise DiscoveryError(f"WebFinger answer for {resource} has no subject", url=str(url))
    return jrd


def _links(jrd: dict[str, Any]) -> list[dict[str, Any]]:
    return [link for link in as_list(jrd.get("links")) if isinstance(link, dict)]


def actor_id_from_jrd(jrd: dict[str, Any]) -> str | None:
    """The href of the JRD's ActivityPub `self` link, if any."""
    for link in _links(jrd):
        href = link.get("href")
        if (
            link.get("rel") == REL_SELF
            and isinstance(href, str)
            and media_type_allowed(link.get("type"), AP_CONTENT_TYPES)
        ):
            return href
    return None


async def lookup_actor_id(
    client: httpx.AsyncClient, handle: str, *, scheme: Literal["https", "http"] = "https"
) -> str:
    """WebFinger `handle` (`@user@host`, `acct:…` or an actor URL) and return the actor id.

    Raises `DiscoveryError` when the answer has no ActivityPub `self` link, and the
    `fetch_json` errors when the lookup itself fails.
    """
    jrd = await fetch_jrd(client, handle, scheme=scheme)
    actor_id = actor_id_from_jrd(jrd)
    if actor_id is None:
        raise DiscoveryError(f"WebFinger answer for {handle} has no ActivityPub self link")
    return actor_id


async def subscribe_template(
    client: httpx.AsyncClient, handle: str, *, scheme: Literal["https", "http"] = "https"
) -> str | None:
    """The remote-follow template (`…{uri}`) published for `handle`, or None."""
    jrd = await fetch_jrd(client, handle, scheme=scheme)
    for link in _links(jrd):
        template = link.get("template")
        if link.get("rel") == REL_SUBSCRIBE and isinstance(template, str) and "{uri}" in template:
            return template
    return None
