"""A remote post's pictures: Mastodon's `attachment` entries (`Document` or `Image` with an
image `mediaType`, `url`, `name` as the alternative text, `blurhash`, `width`, `height`,
`focalPoint`), Lemmy's `attachment` of type `Link` to an image, and Mobilizon's event
poster `image`. Only their addresses and descriptions are read here: the pictures are
fetched, checked and copied by services/remote_media.py, and a page never links to them.
"""

from __future__ import annotations

from typing import Any

from activitypub.addressing import as_list

from ...models import Attachment
from .values import http_url, text

# Mastodon's limit: more are not shown.
MAX_ATTACHMENTS = 4
# Mobilizon names an event's poster "Banner" (its `@banner_picture_name`).
MOBILIZON_BANNER = "Banner"
# Mastodon's limit on alternative text.
MAX_DESCRIPTION = 1500
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic")


def attachments_of(document: dict[str, Any]) -> tuple[Attachment, ...]:
    """The pictures of a post document, at most four (posters first)."""
    found: list[Attachment] = []
    # The poster first, the picture a card shows: FEP-8a8e's `image` (which carries its
    # description), then Mobilizon's "Banner", then the others in order.
    attached = sorted(
        as_list(document.get("attachment")),
        key=lambda e: not (isinstance(e, dict) and e.get("name") == MOBILIZON_BANNER),
    )
    for entry in [*as_list(document.get("image")), *attached]:
        attachment = _picture(entry)
        if attachment is not None and all(a.remote_url != attachment.remote_url for a in found):
            found.append(attachment)
        if len(found) == MAX_ATTACHMENTS:
            break
    return tuple(found)


def _picture(entry: Any) -> Attachment | None:
    if not isinstance(entry, dict):
        return None
    media_type = entry.get("mediaType")
    url = _url(entry.get("url")) or (
        http_url(entry.get("href")) if entry.get("type") == "Link" else None
    )
    if url is None:
        return None
    if isinstance(media_type, str):
        if not media_type.startswith("image/"):
            return None
    elif not url.lower().split("?")[0].endswith(_IMAGE_EXTENSIONS) and entry.get("type") != "Image":
        return None
    name = entry.get("name")
    if name == MOBILIZON_BANNER:
        name = None  # Mobilizon's mark of an event's poster, not a description
    return Attachment(
        url="",
        media_type=media_type if isinstance(media_type, str) else "image/jpeg",
        blurhash=entry["blurhash"][:64] if isinstance(entry.get("blurhash"), str) else None,
        description=(text(name, MAX_DESCRIPTION).strip() or None)
        if isinstance(name, str)
        else None,
        focus=_focus(entry.get("focalPoint")),
        remote_url=url,
    )


def _url(value: Any) -> str | None:
    """`url` as a string, a Link object, or a list of them (the first image one)."""
    for item in as_list(value):
        if isinstance(item, str):
            return http_url(item)
        if isinstance(item, dict):
            found = http_url(item.get("href"))
            if found:
                return found
    return None


def _focus(value: Any) -> tuple[float, float]:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and all(-1.0 <= v <= 1.0 for v in value)
    ):
        return (float(value[0]), float(value[1]))
    return (0.0, 0.0)
