"""Internal model → ActivityStreams JSON. Everything we publish is shaped here.

Shapes follow what Mastodon reads (interop.md §1.3, §3, §4): the AS2 context first,
the public collection spelled out and always inside arrays, one RSA `publicKey`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from activitypub import keys as key_codec
from activitypub.addressing import PUBLIC

from ..models import Actor, ActorKey, Announce, Follow, Post
from ..urls import Urls

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

# Extension terms we use, defined as Mastodon defines them so processors agree.
EXTENSION_TERMS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "assertionMethod": {
        "@id": "https://w3id.org/security#assertionMethod",
        "@type": "@id",
        "@container": "@set",
    },
    "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
}

ACTOR_CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, MULTIKEY_CONTEXT, EXTENSION_TERMS]
OBJECT_CONTEXT: list[Any] = [AS_CONTEXT, EXTENSION_TERMS]

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
    "endpoints",
    "url",
    "manuallyApprovesFollowers",
]


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, to the second, as Mastodon writes it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_document(actor: Actor, actor_keys: list[ActorKey], urls: Urls) -> dict[str, Any]:
    """The actor document served at the actor's URI."""
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": actor.uri,
        "type": actor.type,
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
    if actor.followers_url:
        document["followers"] = actor.followers_url
    if actor.following_url:
        document["following"] = actor.following_url
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


def addressing(post: Post, author: Actor) -> tuple[list[str], list[str]]:
    """`to` and `cc` for a post's visibility (interop.md §3.2)."""
    followers = author.followers_url
    extra = [r for r in post.data.get("recipients", []) if r]
    if post.visibility == "public":
        return [PUBLIC], [f for f in [followers] if f] + extra
    if post.visibility == "unlisted":
        return [f for f in [followers] if f], [PUBLIC] + extra
    if post.visibility == "followers":
        return [f for f in [followers] if f], extra
    return extra, []


def note(post: Post, author: Actor, urls: Urls) -> dict[str, Any]:
    """A post as a `Note` object (without `@context`)."""
    to, cc = addressing(post, author)
    document: dict[str, Any] = {
        "id": post.uri,
        "type": post.type,
        "attributedTo": author.uri,
        "content": post.content,
        "published": iso(post.published),
        "url": post.url or post.uri,
        "to": to,
        "cc": cc,
        "sensitive": post.sensitive,
        "tag": [
            {"type": "Hashtag", "name": f"#{name}", "href": urls.tag(name)}
            for name in post.data.get("hashtags", [])
        ],
    }
    if post.language:
        document["contentMap"] = {post.language: post.content}
    if post.summary:
        document["summary"] = post.summary
    if post.name:
        document["name"] = post.name
    if post.in_reply_to_uri:
        document["inReplyTo"] = post.in_reply_to_uri
    if post.edited_at:
        document["updated"] = iso(post.edited_at)
    return document


def object_document(post: Post, author: Actor, urls: Urls) -> dict[str, Any]:
    """The object served at its URI, with its context."""
    return {"@context": OBJECT_CONTEXT, **note(post, author, urls)}


def tombstone(post: Post) -> dict[str, Any]:
    document: dict[str, Any] = {"@context": OBJECT_CONTEXT, "id": post.uri, "type": "Tombstone"}
    if post.deleted_at:
        document["deleted"] = iso(post.deleted_at)
    return document


def create(post: Post, author: Actor, urls: Urls) -> dict[str, Any]:
    obj = note(post, author, urls)
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{post.uri}/activity",
        "type": "Create",
        "actor": author.uri,
        "published": obj["published"],
        "to": obj["to"],
        "cc": obj["cc"],
        "object": obj,
    }


def delete(post: Post, author: Actor) -> dict[str, Any]:
    to, cc = addressing(post, author)
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{post.uri}#delete",
        "type": "Delete",
        "actor": author.uri,
        "to": to,
        "cc": cc,
        "object": {"id": post.uri, "type": "Tombstone"},
    }


def follow(follower: Actor, followed: Actor, follow_row: Follow) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": follow_row.uri,
        "type": "Follow",
        "actor": follower.uri,
        "object": followed.uri,
    }


def _embedded_follow(follower: Actor, followed: Actor, follow_row: Follow) -> dict[str, Any]:
    return {
        "id": follow_row.uri,
        "type": "Follow",
        "actor": follower.uri,
        "object": followed.uri,
    }


def undo_follow(follower: Actor, followed: Actor, follow_row: Follow) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{follower.uri}#undo/{uuid.uuid4()}",
        "type": "Undo",
        "actor": follower.uri,
        "object": _embedded_follow(follower, followed, follow_row),
    }


def accept_follow(followed: Actor, follower: Actor, follow_row: Follow) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{followed.uri}#accepts/{uuid.uuid4()}",
        "type": "Accept",
        "actor": followed.uri,
        "object": _embedded_follow(follower, followed, follow_row),
    }


def reject_follow(followed: Actor, follower: Actor, follow_row: Follow) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{followed.uri}#rejects/{uuid.uuid4()}",
        "type": "Reject",
        "actor": followed.uri,
        "object": _embedded_follow(follower, followed, follow_row),
    }


def announce(announcer: Actor, post: Post, author: Actor, record: Announce) -> dict[str, Any]:
    """An Announce of the bare object id, the form Mastodon renders as a boost."""
    return {
        "@context": AS_CONTEXT,
        "id": record.uri,
        "type": "Announce",
        "actor": announcer.uri,
        "published": iso(record.published),
        "to": [PUBLIC],
        "cc": [c for c in (announcer.followers_url, author.uri) if c],
        "object": post.uri,
    }


def ordered_collection(
    collection_id: str, total: int, first: str | None, last: str | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first:
        document["first"] = first
    if last:
        document["last"] = last
    return document


def ordered_collection_page(
    page_id: str, collection_id: str, items: list[Any], next_page: str | None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if next_page:
        document["next"] = next_page
    return document


def update(document: dict[str, Any], author: Actor, moment: datetime) -> dict[str, Any]:
    """An Update carrying the object's current document (a status change, an edit, a new
    participant count); its id is unique per change."""
    obj = {k: v for k, v in document.items() if k != "@context"}
    obj["updated"] = iso(moment)
    return {
        "@context": document.get("@context", OBJECT_CONTEXT),
        "id": f"{obj['id']}#updates/{int(moment.timestamp() * 1000)}",
        "type": "Update",
        "actor": author.uri,
        "published": obj["updated"],
        "to": obj.get("to", []),
        "cc": obj.get("cc", []),
        "object": obj,
    }


def join(
    actor: Actor, event_uri: str, organiser_uri: str, join_uri: str, message: str | None
) -> dict[str, Any]:
    """RSVP to an event (Mobilizon's shape: the object is the event id)."""
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": join_uri,
        "type": "Join",
        "actor": actor.uri,
        "object": event_uri,
        "to": [organiser_uri],
    }
    if message:
        document["participationMessage"] = message
    return document


def leave(actor: Actor, event_uri: str, organiser_uri: str) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.uri}#leave/{uuid.uuid4()}",
        "type": "Leave",
        "actor": actor.uri,
        "object": event_uri,
        "to": [organiser_uri],
    }


def _embedded_join(participant_uri: str, event_uri: str, join_uri: str) -> dict[str, Any]:
    return {"id": join_uri, "type": "Join", "actor": participant_uri, "object": event_uri}


def accept_join(
    organiser: Actor, participant_uri: str, event_uri: str, join_uri: str
) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{organiser.uri}#accepts/{uuid.uuid4()}",
        "type": "Accept",
        "actor": organiser.uri,
        "object": _embedded_join(participant_uri, event_uri, join_uri),
        "to": [participant_uri],
    }


def reject_join(
    organiser: Actor, participant_uri: str, event_uri: str, join_uri: str
) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{organiser.uri}#rejects/{uuid.uuid4()}",
        "type": "Reject",
        "actor": organiser.uri,
        "object": _embedded_join(participant_uri, event_uri, join_uri),
        "to": [participant_uri],
    }
