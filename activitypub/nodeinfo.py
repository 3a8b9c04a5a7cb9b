"""NodeInfo 2.0/2.1 documents, the well-known index, and FEP-2677 instance-actor discovery."""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urljoin

import httpx

from .addressing import as_list
from .client import JSON_CONTENT_TYPES, fetch_json
from .fetch_errors import DiscoveryError

SCHEMA_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
SCHEMA_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
# FEP-2677: the link relation naming the instance (application) actor.
REL_APPLICATION = "https://www.w3.org/ns/activitystreams#Application"

NODEINFO_CONTENT_TYPES: dict[str, str] = {
    "2.0": f'application/json; profile="{SCHEMA_20}#"',
    "2.1": f'application/json; profile="{SCHEMA_21}#"',
}
# Mobilizon refuses a well-known index not typed application/json.
WELL_KNOWN_CONTENT_TYPE = "application/json"

_SOFTWARE_NAME = re.compile(r"[a-z0-9-]+")


def well_known_nodeinfo(base_url: str, *, instance_actor_url: str) -> dict[str, Any]:
    """The `/.well-known/nodeinfo` index: 2.0 and 2.1 documents and the instance actor.

    The documents are expected at `{base_url}/nodeinfo/2.0` and `{base_url}/nodeinfo/2.1`.
    """
    base = base_url.rstrip("/")
    return {
        "links": [
            {"rel": SCHEMA_20, "href": f"{base}/nodeinfo/2.0"},
            {"rel": SCHEMA_21, "href": f"{base}/nodeinfo/2.1"},
            {"rel": REL_APPLICATION, "href": instance_actor_url},
        ]
    }


def nodeinfo_document(
    version: Literal["2.0", "2.1"],
    *,
    software_name: str,
    software_version: str,
    repository: str | None = None,
    homepage: str | None = None,
    total_users: int,
    active_month: int,
    active_halfyear: int,
    local_posts: int,
    open_registrations: bool,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """Build a NodeInfo document. `repository`/`homepage` appear only in 2.1.

    Raises ValueError for an unknown version or a software name outside `[a-z0-9-]+`.
    """
    if version not in NODEINFO_CONTENT_TYPES:
        raise ValueError(f"unsupported NodeInfo version {version!r}")
    if not _SOFTWARE_NAME.fullmatch(software_name):
        raise ValueError(f"NodeInfo software name must match [a-z0-9-]+: {software_name!r}")
    software: dict[str, Any] = {"name": software_name, "version": software_version}
    if version == "2.1":
        if repository:
            software["repository"] = repository
        if homepage:
            software["homepage"] = homepage
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {
                "total": total_users,
                "activeMonth": active_month,
                "activeHalfyear": active_halfyear,
            },
            "localPosts": local_posts,
        },
        "metadata": metadata,
    }


def _rel_key(rel: str) -> str:
    # Some servers write the schema rel with https or a trailing '#'.
    return rel.rstrip("#").removeprefix("https://").removeprefix("http://")


async def _well_known(client: httpx.AsyncClient, base_url: str) -> list[dict[str, Any]]:
    index_url = f"{base_url.rstrip('/')}/.well-known/nodeinfo"
    index = await fetch_json(
        client,
        index_url,
        accept="application/json",
        allowed_types=JSON_CONTENT_TYPES,
        max_bytes=64 * 1024,
        check_id=False,
    )
    links = [link for link in as_list(index.get("links")) if isinstance(link, dict)]
    # A few servers publish relative hrefs; resolve them against the index.
    for link in links:
        if isinstance(link.get("href"), str):
            link["href"] = urljoin(index_url, link["href"])
    return links


def _href(links: list[dict[str, Any]], rel: str) -> str | None:
    for link in links:
        rel_value, href = link.get("rel"), link.get("href")
        if isinstance(rel_value, str) and isinstance(href, str) and _rel_key(rel_value) == rel:
            return href
    return None


async def fetch_nodeinfo(client: httpx.AsyncClient, base_url: str) -> dict[str, Any]:
    """Follow `/.well-known/nodeinfo` to the NodeInfo document, preferring 2.1 over 2.0."""
    links = await _well_known(client, base_url)
    for schema in (SCHEMA_21, SCHEMA_20):
        href = _href(links, _rel_key(schema))
        if href is not None:
            return await fetch_json(
                client,
                href,
                accept="application/json",
                allowed_types=JSON_CONTENT_TYPES,
                max_bytes=256 * 1024,
                check_id=False,
            )
    raise DiscoveryError(f"{base_url} publishes no NodeInfo 2.0/2.1 link", url=base_url)


async def find_instance_actor(client: httpx.AsyncClient, base_url: str) -> str | None:
    """The instance actor URL from the FEP-2677 NodeInfo link, or None."""
    links = await _well_known(client, base_url)
    return _href(links, _rel_key(REL_APPLICATION))
