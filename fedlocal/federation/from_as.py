"""ActivityStreams JSON → internal model. Everything we read from other servers is shaped here.

Parsing is by plain JSON keys, not JSON-LD processing: it is what Mastodon does, and it
keeps the inbox fast. Inputs cross a trust boundary, so every field is type-checked,
HTML is sanitised, and anything unusable raises InvalidDocument with the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from activitypub import keys as key_codec
from activitypub.addressing import as_list, audience, host_of, id_of, is_public_address

from ..formatting import normalise_hashtag
from ..models import RemoteActorData, RemotePostData
from ..sanitize import sanitize_html
from .origin import http_host

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
POST_TYPES = frozenset({"Note", "Article", "Page", "Event", "Question", "Image", "Video", "Audio"})
MAX_TEXT = 100_000
MAX_NAME = 500


class InvalidDocument(ValueError):
    """A document we cannot use; the message says why."""


def first_type(document: dict[str, Any], allowed: frozenset[str]) -> str | None:
    """The first of the document's types (string or array) that is in `allowed`."""
    for kind in as_list(document.get("type")):
        if isinstance(kind, str) and kind in allowed:
            return kind
    return None


def _http_url(value: Any) -> str | None:
    """The first http(s) URL in a string, Link, or array of either (preferring text/html)."""
    candidates = as_list(value)
    html_first = sorted(
        candidates, key=lambda c: not (isinstance(c, dict) and c.get("mediaType") == "text/html")
    )
    for candidate in html_first:
        url = candidate.get("href") if isinstance(candidate, dict) else candidate
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url
    return None


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return value[:limit]


def _require_uri(document: dict[str, Any], key: str = "id") -> str:
    value = document.get(key)
    if http_host(value) is None:
        raise InvalidDocument(f"'{key}' must be an http(s) URI")
    return value


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from an RFC 3339 string, or None if absent or malformed."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def actor_from_as(document: Any) -> RemoteActorData:
    """A remote actor from its fetched document."""
    if not isinstance(document, dict):
        raise InvalidDocument("an actor must be a JSON object")
    uri = _require_uri(document)
    kind = first_type(document, ACTOR_TYPES)
    if kind is None:
        raise InvalidDocument(f"unexpected actor type {document.get('type')!r}")
    username = _username(document)
    inbox = _require_uri(document, "inbox")
    endpoints = document.get("endpoints")
    shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    return RemoteActorData(
        uri=uri,
        type=kind,
        username=username,
        domain=host_of(uri),
        display_name=_text(document.get("name"), MAX_NAME),
        summary=sanitize_html(_text(document.get("summary"), MAX_TEXT)),
        inbox_url=inbox,
        shared_inbox_url=shared_inbox if isinstance(shared_inbox, str) else None,
        outbox_url=_optional_uri(document.get("outbox")),
        followers_url=_optional_uri(document.get("followers")),
        following_url=_optional_uri(document.get("following")),
        url=_http_url(document.get("url")),
        manually_approves_followers=document.get("manuallyApprovesFollowers") is True,
        keys=tuple(_keys(document, uri)),
        data={"icon": _http_url(_icon_url(document.get("icon")))},
    )


def _optional_uri(value: Any) -> str | None:
    value = id_of(value)
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _icon_url(icon: Any) -> Any:
    for candidate in as_list(icon):
        if isinstance(candidate, dict):
            return candidate.get("url")
    return None


def _username(document: dict[str, Any]) -> str:
    # FEP-2c59: an explicit handle wins over preferredUsername (Mastodon 4.6 does the same).
    webfinger = document.get("webfinger")
    if isinstance(webfinger, str) and "@" in webfinger:
        return webfinger.removeprefix("acct:").split("@", 1)[0][:255]
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not username:
        raise InvalidDocument("an actor needs a preferredUsername")
    return username[:255]


def _keys(document: dict[str, Any], actor_uri: str) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for entry in as_list(document.get("publicKey")):
        if not isinstance(entry, dict):
            continue
        key_id, pem = entry.get("id"), entry.get("publicKeyPem")
        owner = entry.get("owner", actor_uri)
        if not isinstance(key_id, str) or not isinstance(pem, str) or owner != actor_uri:
            continue
        try:
            public_key = key_codec.load_public_key_pem(pem)
        except ValueError:
            continue
        found.append((key_id, _algorithm(public_key), key_codec.public_key_to_pem(public_key)))
    for entry in as_list(document.get("assertionMethod")):
        if not isinstance(entry, dict) or entry.get("controller", actor_uri) != actor_uri:
            continue
        key_id, multibase = entry.get("id"), entry.get("publicKeyMultibase")
        if not isinstance(key_id, str) or not isinstance(multibase, str):
            continue
        try:
            public_key = key_codec.multibase_to_public_key(multibase)
        except ValueError:
            continue
        found.append((key_id, _algorithm(public_key), key_codec.public_key_to_pem(public_key)))
    unique = {key_id: (key_id, algorithm, pem) for key_id, algorithm, pem in found}
    return list(unique.values())


def _algorithm(public_key: Any) -> str:
    return "rsa" if hasattr(public_key, "key_size") else "ed25519"


def post_from_as(document: Any) -> RemotePostData:
    """A remote post (Note, Article, Event…) from an object document."""
    if not isinstance(document, dict):
        raise InvalidDocument("an object must be a JSON object")
    uri = _require_uri(document)
    kind = first_type(document, POST_TYPES)
    if kind is None:
        raise InvalidDocument(f"unsupported object type {document.get('type')!r}")
    attributed_to = _attributed_to(document)
    content, language = _content(document)
    published = parse_datetime(document.get("published")) or datetime.now(UTC)
    recipients = tuple(a for a in audience(document) if not is_public_address(a))
    tags = [t for t in as_list(document.get("tag")) if isinstance(t, dict)]
    hashtags = [
        normalise_hashtag(t["name"])
        for t in tags
        if t.get("type") == "Hashtag" and isinstance(t.get("name"), str)
    ]
    mentions = [
        t["href"] for t in tags if t.get("type") == "Mention" and isinstance(t.get("href"), str)
    ]
    summary = document.get("summary")
    return RemotePostData(
        uri=uri,
        type=kind,
        kind="note",
        attributed_to=attributed_to,
        visibility=_visibility(document),
        content=content,
        published=published,
        recipients=recipients,
        in_reply_to_uri=_optional_uri(document.get("inReplyTo")),
        name=_text(document.get("name"), MAX_NAME) or None,
        summary=sanitize_html(_text(summary, MAX_TEXT)) if isinstance(summary, str) else None,
        sensitive=document.get("sensitive") is True,
        language=language,
        url=_http_url(document.get("url")),
        edited_at=parse_datetime(document.get("updated")),
        data={"hashtags": hashtags, "mentions": mentions},
    )


def _attributed_to(document: dict[str, Any]) -> str:
    for candidate in as_list(document.get("attributedTo")):
        uri = id_of(candidate)
        if isinstance(uri, str) and uri.startswith(("https://", "http://")):
            return uri
    raise InvalidDocument("an object needs attributedTo")


def _content(document: dict[str, Any]) -> tuple[str, str | None]:
    content = document.get("content")
    language = None
    content_map = document.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        language, mapped = next(iter(content_map.items()))
        if not isinstance(content, str):
            content = mapped
    if not isinstance(content, str):
        content = ""
    if not isinstance(language, str) or len(language) > 16:
        language = None
    return sanitize_html(content[:MAX_TEXT]), language


def _visibility(document: dict[str, Any]) -> str:
    to = [id_of(v) for v in as_list(document.get("to"))]
    cc = [id_of(v) for v in as_list(document.get("cc"))]
    if any(is_public_address(v) for v in to):
        return "public"
    if any(is_public_address(v) for v in cc):
        return "unlisted"
    if any(isinstance(v, str) and v.endswith("/followers") for v in to + cc):
        return "followers"
    return "direct"
