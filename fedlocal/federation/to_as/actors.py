"""Actor documents (interop.md §1.3, §1.4)."""

from __future__ import annotations

from typing import Any

from activitypub import keys as key_codec

from ...models import Actor, ActorKey
from ...organizations import organization_type
from ...urls import Urls
from .attachments import image_document
from .common import iso
from .shops import shop_fields, shop_property_values
from .vocabulary import ACTOR_CONTEXT

# Fields Mastodon restricts its instance actor to, so key fetches cannot loop.
_INSTANCE_ACTOR_FIELDS = [
    "@context",
    "id",
    "type",
    "preferredUsername",
    "name",
    "inbox",
    "outbox",
    "publicKey",
    # FEP-521a: its Ed25519 key, as every actor of ours (not fetched to verify a fetch).
    "assertionMethod",
    "endpoints",
    "url",
    "manuallyApprovesFollowers",
]


def featured_url(actor: Actor) -> str:
    """The actor's pinned posts (`featured`), where Mastodon keeps them."""
    return f"{actor.uri}/collections/featured"


def actor_document(actor: Actor, actor_keys: list[ActorKey], urls: Urls) -> dict[str, Any]:
    """The actor document served at the actor's URI."""
    organization = organization_type(actor.organization_type)
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": actor.uri,
        # Mastodon shows an Organization as an ordinary profile (a Service would be a bot).
        "type": "Organization" if organization and actor.role == "resident" else actor.type,
        "preferredUsername": actor.username,
        "name": actor.display_name or actor.username,
        "summary": actor.summary,
        "url": actor.url or actor.uri,
        "inbox": actor.inbox_url,
        "outbox": actor.outbox_url,
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "endpoints": {"sharedInbox": actor.shared_inbox_url or urls.shared_inbox},
        "published": iso(actor.created_at),
    }
    if actor.icon_url:
        document["icon"] = image_document(actor.icon_url)
    if actor.image_url:
        document["image"] = image_document(actor.image_url)
    # Mastodon's profile fields: schema.org PropertyValues, the value in HTML; an
    # organisation's type first, then the resident's own, then a shop's hours.
    attachment = [{"type": "PropertyValue", "name": f.name, "value": f.value} for f in actor.fields]
    if actor.followers_url:
        document["followers"] = actor.followers_url
    if actor.following_url:
        document["following"] = actor.following_url
    if actor.role == "resident":
        document["featured"] = featured_url(actor)
        # Moving house, as Mastodon reads it: the other accounts that are the same
        # person's, and the one this account moved to.
        if actor.also_known_as:
            document["alsoKnownAs"] = list(actor.also_known_as)
        if actor.moved_to:
            document["movedTo"] = actor.moved_to
    if organization is not None:
        document["organizationType"] = organization.key
        attachment.insert(
            0, {"type": "PropertyValue", "name": "Organisation", "value": organization.fr}
        )
        if actor.shop is not None:
            document.update(shop_fields(actor.shop))
            attachment.extend(shop_property_values(actor.shop))
    if attachment:
        document["attachment"] = attachment
    if actor.role in ("resident", "community", "group"):
        document["discoverable"] = True
        document["indexable"] = True
        document["webfinger"] = f"acct:{actor.handle}"
    for key in actor_keys:
        public_key = key_codec.load_public_key_pem(key.public_pem)
        if key.algorithm == "rsa":
            document["publicKey"] = {
                "id": key.key_id,
                "owner": actor.uri,
                "publicKeyPem": key.public_pem,
            }
        else:
            document.setdefault("assertionMethod", []).append(
                {
                    "id": key.key_id,
                    "type": "Multikey",
                    "controller": actor.uri,
                    "publicKeyMultibase": key_codec.public_key_to_multibase(public_key),
                }
            )
    if actor.role == "instance":
        document = {k: v for k, v in document.items() if k in _INSTANCE_ACTOR_FIELDS}
    return document
