"""The `data` JSON column of posts and actors, as the model's typed fields.

What only some rows have (a post's hashtags and mentions, a resident's home quarter, a
group's moderators) is kept in one JSON column per table. This module is the only code
that reads or writes it: the rest of the program sees typed fields. Values read back are
checked, so a row written by an older version (or by hand) cannot put a wrong type in a
model.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..models import Attachment, Mention, ProfileField
from .ride_data import ride_data, ride_from_data
from .shop_data import shop_data, shop_from_data

POST_EXTRAS = (
    "hashtags",
    "recipients",
    "mentions",
    "local_only",
    "fep0837",
    "attachments",
    "ride",
)
ACTOR_EXTRAS = (
    "icon_url",
    "image_url",
    "avatar_small_url",
    "header_large_url",
    "header_small_url",
    "home_quarter",
    "moderator_ids",
    "fields",
    "note_source",
    "shop",
    "also_known_as",
    "moved_to",
    "moved_at",
)


def post_data(fields: Mapping[str, Any]) -> dict[str, Any] | None:
    """The column for a post's extras. They are written together: a field not given is
    empty (pass them all to change any)."""
    data: dict[str, Any] = {}
    if fields.get("hashtags"):
        data["hashtags"] = list(fields["hashtags"])
    if fields.get("recipients"):
        data["recipients"] = list(fields["recipients"])
    if fields.get("mentions"):
        data["mentions"] = [{"href": m.href, "name": m.name} for m in fields["mentions"]]
    if fields.get("local_only"):
        data["local_only"] = True
    if fields.get("fep0837"):
        data["fep0837"] = True
    if fields.get("attachments"):
        data["attachments"] = [_attachment_data(a) for a in fields["attachments"]]
    if fields.get("ride"):
        data["ride"] = ride_data(fields["ride"])
    return data or None


def _attachment_data(attachment: Attachment) -> dict[str, Any]:
    data = {
        "url": attachment.url,
        "media_type": attachment.media_type,
        "width": attachment.width,
        "height": attachment.height,
        "preview_url": attachment.preview_url,
        "preview_width": attachment.preview_width,
        "preview_height": attachment.preview_height,
        "blurhash": attachment.blurhash,
        "description": attachment.description,
        "focus": list(attachment.focus),
        "media_id": attachment.media_id,
        "remote_url": attachment.remote_url,
    }
    return {key: value for key, value in data.items() if value is not None}


def _attachment(data: Any) -> Attachment | None:
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None
    focus: Any = data.get("focus")
    x, y = (focus[0], focus[1]) if _is_pair(focus) else (0.0, 0.0)
    return Attachment(
        url=data["url"],
        media_type=_string(data.get("media_type")) or "image/jpeg",
        width=_int(data.get("width")),
        height=_int(data.get("height")),
        preview_url=_optional_string(data.get("preview_url")),
        preview_width=_int(data.get("preview_width")),
        preview_height=_int(data.get("preview_height")),
        blurhash=_optional_string(data.get("blurhash")),
        description=_optional_string(data.get("description")),
        focus=(float(x), float(y)),
        media_id=_int(data.get("media_id")),
        remote_url=_optional_string(data.get("remote_url")),
    )


def _is_pair(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


def post_fields(data: Any) -> dict[str, Any]:
    """A post's extras from its column, as Post's keyword arguments."""
    data = data if isinstance(data, dict) else {}
    return {
        "hashtags": _strings(data.get("hashtags")),
        "recipients": _strings(data.get("recipients")),
        "mentions": tuple(
            Mention(href=m["href"], name=_string(m.get("name")))
            for m in _list(data.get("mentions"))
            if isinstance(m, dict) and isinstance(m.get("href"), str)
        ),
        "local_only": data.get("local_only") is True,
        "fep0837": data.get("fep0837") is True,
        "attachments": tuple(
            found for a in _list(data.get("attachments")) if (found := _attachment(a)) is not None
        ),
        "ride": ride_from_data(data.get("ride")),
    }


# Our copies of an actor's pictures: the Actor field and its key in the column.
_PICTURE_COPIES = {
    "avatar_small_url": "avatar_small",
    "header_large_url": "header_large",
    "header_small_url": "header_small",
}


def actor_data(fields: Mapping[str, Any]) -> dict[str, Any] | None:
    """The column for an actor's extras (written together, as a post's)."""
    data: dict[str, Any] = {}
    if fields.get("icon_url"):
        data["icon"] = fields["icon_url"]
    if fields.get("image_url"):
        data["image"] = fields["image_url"]
    for name, key in _PICTURE_COPIES.items():
        if fields.get(name):
            data[key] = fields[name]
    if fields.get("home_quarter"):
        data["quarter"] = fields["home_quarter"]
    if fields.get("moderator_ids"):
        data["moderators"] = list(fields["moderator_ids"])
    if fields.get("fields"):
        data["fields"] = [
            {k: v for k, v in (("name", f.name), ("value", f.value), ("source", f.source)) if v}
            for f in fields["fields"]
        ]
    if fields.get("note_source"):
        data["note"] = fields["note_source"]
    if fields.get("shop"):
        data["shop"] = shop_data(fields["shop"])
    if fields.get("also_known_as"):
        data["also_known_as"] = list(fields["also_known_as"])
    if fields.get("moved_to"):
        data["moved_to"] = fields["moved_to"]
    if fields.get("moved_at"):
        data["moved_at"] = fields["moved_at"].isoformat()
    return data or None


def actor_fields(data: Any) -> dict[str, Any]:
    """An actor's extras from its column, as Actor's keyword arguments."""
    data = data if isinstance(data, dict) else {}
    icon, quarter = data.get("icon"), data.get("quarter")
    return {
        "icon_url": icon if isinstance(icon, str) else None,
        "image_url": _optional_string(data.get("image")),
        **{name: _optional_string(data.get(key)) for name, key in _PICTURE_COPIES.items()},
        "home_quarter": quarter if isinstance(quarter, str) else None,
        "moderator_ids": tuple(
            m
            for m in _list(data.get("moderators"))
            if isinstance(m, int) and not isinstance(m, bool)
        ),
        "fields": tuple(
            ProfileField(
                name=_string(f.get("name")),
                value=_string(f.get("value")),
                source=_optional_string(f.get("source")),
            )
            for f in _list(data.get("fields"))
            if isinstance(f, dict)
        ),
        "note_source": _optional_string(data.get("note")),
        "shop": shop_from_data(data.get("shop")),
        "also_known_as": _strings(data.get("also_known_as")),
        "moved_to": _optional_string(data.get("moved_to")),
        "moved_at": _moment(data.get("moved_at")),
    }


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional_string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in _list(value) if isinstance(item, str))
