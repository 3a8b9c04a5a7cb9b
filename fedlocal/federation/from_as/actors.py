"""Remote actor documents → RemoteActorData."""

from __future__ import annotations

from typing import Any

from activitypub import keys as key_codec
from activitypub.addressing import as_list, host_of, id_of

from ...models import ProfileField, RemoteActorData
from ...organizations import ORGANIZATION_KEYS
from ...sanitize import sanitize_html
from .shops import shop_from_as
from .values import (
    MAX_NAME,
    MAX_TEXT,
    InvalidDocument,
    first_type,
    http_url,
    optional_uri,
    require_uri,
    text,
)

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})


def actor_from_as(document: Any) -> RemoteActorData:
    """A remote actor from its fetched document."""
    if not isinstance(document, dict):
        raise InvalidDocument("an actor must be a JSON object")
    uri = require_uri(document)
    kind = first_type(document, ACTOR_TYPES)
    if kind is None:
        raise InvalidDocument(f"unexpected actor type {document.get('type')!r}")
    username = _username(document)
    inbox = require_uri(document, "inbox")
    endpoints = document.get("endpoints")
    shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    return RemoteActorData(
        uri=uri,
        type=kind,
        username=username,
        domain=host_of(uri),
        display_name=text(document.get("name"), MAX_NAME),
        summary=sanitize_html(text(document.get("summary"), MAX_TEXT)),
        inbox_url=inbox,
        shared_inbox_url=shared_inbox if isinstance(shared_inbox, str) else None,
        outbox_url=optional_uri(document.get("outbox")),
        followers_url=optional_uri(document.get("followers")),
        following_url=optional_uri(document.get("following")),
        url=http_url(document.get("url")),
        manually_approves_followers=document.get("manuallyApprovesFollowers") is True,
        keys=tuple(_keys(document, uri)),
        icon_url=http_url(_icon_url(document.get("icon"))),
        image_url=http_url(_icon_url(document.get("image"))),
        organization_type=_organization_type(document),
        fields=_fields(document.get("attachment")),
        shop=shop_from_as(document),
        also_known_as=_also_known_as(document.get("alsoKnownAs")),
        moved_to=http_url(id_of(document.get("movedTo"))),
    )


def _also_known_as(value: Any) -> tuple[str, ...]:
    """The other accounts an actor names (ids or embedded objects), a few at most."""
    found = (http_url(id_of(item)) for item in as_list(value))
    return tuple(dict.fromkeys(uri for uri in found if uri))[:MAX_ALSO_KNOWN_AS]


def _organization_type(document: dict[str, Any]) -> str | None:
    """`fedlocal:organizationType` when it names one of the types we know."""
    value = document.get("organizationType")
    return value if isinstance(value, str) and value in ORGANIZATION_KEYS else None


# Mastodon shows four fields; a document may carry a few more.
MAX_FIELDS = 8
MAX_ALSO_KNOWN_AS = 20


def _fields(attachment: Any) -> tuple[ProfileField, ...]:
    """Profile fields: the actor's `PropertyValue` attachments (name, HTML value)."""
    found = []
    for item in as_list(attachment):
        if not isinstance(item, dict) or item.get("type") != "PropertyValue":
            continue
        name, value = text(item.get("name"), MAX_NAME), text(item.get("value"), MAX_NAME * 4)
        if name or value:
            found.append(ProfileField(name=name, value=sanitize_html(value)))
    return tuple(found[:MAX_FIELDS])


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
