"""A resident's data download: one zip, readable by people and by other software.

- `fedlocal/*.json`: the account, posts (every kind and visibility), messages, follows,
  participations, interests, commitments to group purchases, ride bookings, bookmarks and
  likes, as plain JSON;
- at the root, an ActivityPub archive laid out like Mastodon's: `actor.json` (the actor
  document), `outbox.json` (an OrderedCollection of the `Create` of each post, messages
  included), `likes.json` and `bookmarks.json` (OrderedCollections of the posts' ids),
  and the pictures under `media_attachments/files/<key>`, which the outbox's attachment
  URLs name (as Mastodon's archive does)."""

from __future__ import annotations

import asyncio
import json
import zipfile
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

from activitypub.jsonutil import dumps_compact

from ..models import Account, Actor
from ..store import actors as actor_store
from ..store import exports as export_store
from ..store import media as media_store
from . import to_as
from .runtime import Federation

ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"
MEDIA_DIR = "media_attachments/files"


def _plain(value: Any) -> Any:
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _json(document: Any) -> bytes:
    return json.dumps(_plain(document), ensure_ascii=False, indent=2).encode()


def _collection(items: list[Any], name: str = "outbox.json") -> dict[str, Any]:
    return {
        "@context": ACTIVITYSTREAMS,
        "id": name,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }


async def write_archive(federation: Federation, account: Account, actor: Actor, to: Path) -> int:
    """Write `actor`'s archive to the file `to`; how many posts it holds."""
    options = federation.outbox.render_options()
    files = federation.services.files
    async with federation.db.read() as conn:
        posts = await export_store.posts_of(conn, actor.id)
        follows = await export_store.follows_of(conn, actor.id)
        linked = await export_store.linked_posts(conn, actor.id)
        uploads = await media_store.of_actor(conn, actor.id)
        keys = await actor_store.keys_of(conn, actor.id)
    document = to_as.actor_document(actor, keys, federation.urls)
    creates = []
    for post in posts:
        activity = to_as.create(post, actor, federation.urls, **options)
        activity.pop("@context", None)
        creates.append(activity)
    outbox = _collection(creates)
    # The pictures' URLs become their place in the archive.
    text = dumps_compact(outbox).decode()
    stored = [u for u in uploads if u.is_ready]
    for upload in stored:
        text = text.replace(files.url(upload.file_key), f"/{MEDIA_DIR}/{upload.file_key}")
    messages = [p for p in posts if p.visibility == "direct"]
    account_part = {
        "username": account.username,
        "handle": actor.handle,
        "uri": actor.uri,
        "email": account.email,
        "display_name": actor.display_name,
        "summary": actor.summary,
        "locale": account.locale,
        "created_at": account.created_at,
        "is_admin": account.is_admin,
        "is_moderator": account.is_moderator,
    }
    media_json = [
        {
            "file": f"{MEDIA_DIR}/{u.file_key}",
            "content_type": u.content_type,
            "description": u.description,
            "purpose": u.purpose,
            "created_at": u.created_at,
        }
        for u in stored
    ]
    locate = getattr(files, "path", None)
    pictures = [(locate(u.file_key) if locate else None, u.file_key) for u in stored]
    parts = {
        "actor.json": _json(document),
        "outbox.json": text.encode(),
        "likes.json": _json(
            {**_collection([r["uri"] for r in linked["likes"]]), "id": "likes.json"}
        ),
        "bookmarks.json": _json(
            {**_collection([r["uri"] for r in linked["bookmarks"]]), "id": "bookmarks.json"}
        ),
        "fedlocal/account.json": _json(account_part),
        "fedlocal/posts.json": _json([p for p in posts if p.visibility != "direct"]),
        "fedlocal/messages.json": _json(messages),
        "fedlocal/follows.json": _json(follows),
        "fedlocal/media.json": _json(media_json),
        **{f"fedlocal/{name}.json": _json(linked[name]) for name in LINKED},
    }
    await asyncio.to_thread(_write_zip, to, parts, pictures)
    return len(posts)


LINKED = (
    "participations",
    "interests",
    "commitments",
    "ride_bookings",
    "bookmarks",
    "likes",
)


def _write_zip(to: Path, parts: dict[str, bytes], pictures: list[tuple[Path | None, str]]) -> None:
    with zipfile.ZipFile(to, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        for path, key in pictures:
            if path is not None and path.is_file():
                archive.write(path, f"{MEDIA_DIR}/{key}")
