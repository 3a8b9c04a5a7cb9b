"""Pictures in ActivityStreams, as Mastodon writes them: a post's `attachment` entries
(`Document` with `mediaType`, `url`, `name` = the alternative text, `blurhash`, `width`,
`height`, `focalPoint`) and an actor's `icon` and `image`."""

from __future__ import annotations

from typing import Any

from ...models import Attachment, Post

_TYPES_BY_EXTENSION = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def attachment_document(attachment: Attachment) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": "Document",
        "mediaType": attachment.media_type,
        "url": attachment.url,
        # Mastodon sends `null` when a picture has no description.
        "name": attachment.description,
    }
    if attachment.blurhash:
        document["blurhash"] = attachment.blurhash
    if attachment.width and attachment.height:
        document["width"] = attachment.width
        document["height"] = attachment.height
    document["focalPoint"] = [attachment.focus[0], attachment.focus[1]]
    return document


def attachment_documents(post: Post) -> list[dict[str, Any]]:
    """The post's pictures, in order (an empty list when it has none)."""
    return [attachment_document(a) for a in post.attachments]


# Mobilizon finds an event's poster by this name (its `@banner_picture_name`).
MOBILIZON_BANNER = "Banner"


def poster_documents(post: Post) -> list[dict[str, Any]]:
    """An event's pictures: its poster as Mobilizon sends it (a `Document` named
    "Banner", which Mobilizon shows as the event's picture), then any others."""
    documents = attachment_documents(post)
    if documents:
        documents[0] = {**documents[0], "name": MOBILIZON_BANNER}
    return documents


def poster_image(post: Post) -> dict[str, Any] | None:
    """An event's poster as FEP-8a8e's `image` (Gancio reads it), with its alternative
    text, which the "Banner" name above cannot carry."""
    if not post.attachments:
        return None
    poster = post.attachments[0]
    document = {"type": "Image", "mediaType": poster.media_type, "url": poster.url}
    if poster.description:
        document["name"] = poster.description
    return document


def image_document(url: str) -> dict[str, Any]:
    """An actor's `icon` or `image`: one of our pictures, its type from its name."""
    media_type = _TYPES_BY_EXTENSION.get(url.rpartition(".")[2].lower(), "image/jpeg")
    return {"type": "Image", "mediaType": media_type, "url": url}
