"""Pictures residents upload: for a post (up to four, each waiting until the post is
published, removed after a day if it never is), or as their avatar or header image.

An upload is processed (fedlocal/media/processing.py: type read from the bytes, pixel
limit, metadata stripped, resized, thumbnail, BlurHash) before anything is kept: a refused
file leaves no row and no file. `upload_in_background` (the client API's v2) keeps a row
in state `processing` first, processes in a background task, and waits only a moment:
the row becomes `ready` with its files, or `failed` with the reason and no file.

Files are named by their content and shared by the rows that name them; when the last
such row goes, the file goes (`remove_unused_files`, called once the transaction that
dropped the rows has committed).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..media.processing import Limits, Processed, Refused
from ..models import Account, Actor, Attachment, MediaPurpose, MediaUpload
from ..store import actors as actor_store
from ..store import media as media_store
from ..store import remote_media as remote_media_store
from ..store import residents as resident_store
from ..store.clock import utcnow
from . import outgoing
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 4
# Mastodon's words, when a status names an upload still processing.
PROCESSING_NOT_FINISHED = (
    "Cannot attach files that have not finished processing. Try again in a moment!"
)
# Mastodon's limit on alternative text.
DESCRIPTION_LIMIT = 1500
# An upload never attached to a post is removed after this long.
WAITING_LIFETIME = timedelta(days=1)
SWEEP_BATCH = 200
# How long `upload_in_background` waits before answering with the upload still processing.
PROCESSING_WAIT = 0.5
SUPPORTED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")


async def upload(
    ctx: ServiceContext,
    actor: Actor,
    data: bytes,
    *,
    description: str | None = None,
    focus: str | None = None,
    purpose: MediaPurpose = "attachment",
) -> MediaUpload:
    """Process and keep a picture of `actor`'s (see the module docstring)."""
    description = _description(description)
    point = parse_focus(focus)
    processed = await _processed(ctx, data)
    return await _keep(ctx, actor, processed, purpose, description, point)


# Background processing tasks, kept referenced until they end (asyncio keeps only weak ones).
_processing: set[asyncio.Task[MediaUpload]] = set()


async def upload_in_background(
    ctx: ServiceContext,
    actor: Actor,
    data: bytes,
    *,
    description: str | None = None,
    focus: str | None = None,
    wait: float | None = None,
) -> MediaUpload:
    """A post picture of `actor`'s, processed in the background (see the module
    docstring): ready if processing ended within `wait` seconds (`PROCESSING_WAIT` unless
    given; PictureRefused if the picture was refused by then, leaving nothing), else still
    `processing`."""
    description = _description(description)
    point = parse_focus(focus)
    if not data:
        raise InvalidInput("no file was sent", field="file")
    async with ctx.db.write() as conn:
        row = await media_store.insert_upload(
            conn,
            actor_id=actor.id,
            purpose="attachment",
            state="processing",
            file_key="",
            content_type="",
            width=0,
            height=0,
            small_key="",
            small_content_type="",
            small_width=0,
            small_height=0,
            description=description,
            focus_x=point[0],
            focus_y=point[1],
        )
    task = asyncio.create_task(_process_in_background(ctx, row.id, data))
    _processing.add(task)
    task.add_done_callback(_forget)
    done, _pending = await asyncio.wait({task}, timeout=PROCESSING_WAIT if wait is None else wait)
    if not done:
        return row
    if isinstance(task.exception(), PictureRefused):
        async with ctx.db.write() as conn:
            await media_store.delete_uploads(conn, [row.id])
    return task.result()


def _forget(task: asyncio.Task[MediaUpload]) -> None:
    _processing.discard(task)
    error = None if task.cancelled() else task.exception()
    # A refused picture is logged by `_processed`; a row gone meanwhile is no fault.
    if error is not None and not isinstance(error, (PictureRefused, NotFound)):
        log.error("background picture processing failed", exc_info=error)


async def _process_in_background(ctx: ServiceContext, media_id: int, data: bytes) -> MediaUpload:
    try:
        processed = await _processed(ctx, data)
    except PictureRefused as refused:
        async with ctx.db.write() as conn:
            await media_store.fail_processing(conn, media_id, refused.message)
        raise
    except BaseException:
        async with ctx.db.write() as conn:
            await media_store.fail_processing(conn, media_id, "this picture could not be processed")
        raise
    files = await put_files(ctx, processed)
    keys = keys_of(files)
    try:
        async with ctx.db.write() as conn:
            finished = await media_store.finish_processing(conn, media_id, **files)
    except BaseException:
        await remove_unused_files(ctx, keys)
        raise
    if finished is None:
        # The row went while the picture was processed: its files are nobody's.
        await remove_unused_files(ctx, keys)
        raise NotFound("Record not found")
    return finished


async def _processed(ctx: ServiceContext, data: bytes) -> Processed:
    if not data:
        raise InvalidInput("no file was sent", field="file")
    try:
        return await ctx.pictures.process(data)
    except Refused as refused:
        log.info("upload refused: %s (%d bytes)", refused.reason, len(data))
        raise PictureRefused(refused, ctx.pictures.limits) from None


class PictureRefused(InvalidInput):
    """A file the picture pipeline did not take. `reason` is the pipeline's
    (`too_large`, `too_many_pixels`, `unsupported`, `damaged`), for pages to say it in
    the reader's language; `max_megabytes` and `max_megapixels` are the limits."""

    def __init__(self, refused: Refused, limits: Limits):
        super().__init__(refused.message, field="file")
        self.reason = refused.reason
        self.max_megabytes = limits.max_bytes // (1024 * 1024)
        self.max_megapixels = limits.max_pixels // 1_000_000


async def put_files(ctx: ServiceContext, processed: Processed) -> dict[str, Any]:
    """Put both sizes of a processed picture in the file store; the columns that name
    them, as uploads and copies of other servers' pictures both keep them."""
    original, small = processed.original, processed.small
    return {
        "file_key": await ctx.files.put(original.data, original.content_type),
        "content_type": original.content_type,
        "width": original.width,
        "height": original.height,
        "small_key": await ctx.files.put(small.data, small.content_type),
        "small_content_type": small.content_type,
        "small_width": small.width,
        "small_height": small.height,
        "blurhash": processed.blurhash,
    }


def keys_of(files: dict[str, Any]) -> list[str]:
    """The file keys among `put_files`' columns."""
    return [files["file_key"], files["small_key"]]


async def _keep(
    ctx: ServiceContext,
    actor: Actor,
    processed: Processed,
    purpose: MediaPurpose,
    description: str | None,
    focus: tuple[float, float],
) -> MediaUpload:
    files = await put_files(ctx, processed)
    try:
        async with ctx.db.write() as conn:
            return await media_store.insert_upload(
                conn,
                actor_id=actor.id,
                attached=purpose != "attachment",
                purpose=purpose,
                description=description,
                focus_x=focus[0],
                focus_y=focus[1],
                **files,
            )
    except BaseException:
        await remove_unused_files(ctx, keys_of(files))
        raise


def _description(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > DESCRIPTION_LIMIT:
        raise InvalidInput(
            "the description is too long (at most %(max)s characters)",
            max=DESCRIPTION_LIMIT,
            field="description",
        )
    return text or None


def parse_focus(text: str | None) -> tuple[float, float]:
    """Mastodon's `focus` ("x,y", each in -1..1); the centre when not given."""
    if text is None or not text.strip():
        return (0.0, 0.0)
    parts = text.split(",")
    try:
        x, y = (float(part) for part in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        x = y = math.nan
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise InvalidInput(
            "the focus must be two numbers between -1 and 1, as x,y",
            field="focus",
        )
    return (x, y)


async def own_upload(ctx: ServiceContext, actor: Actor, media_id: int) -> MediaUpload:
    """One of `actor`'s uploads; NotFound for anyone else's."""
    async with ctx.db.read() as conn:
        found = await media_store.get_upload(conn, media_id)
    if found is None or found.actor_id != actor.id:
        raise NotFound("Record not found")
    return found


async def describe(
    ctx: ServiceContext,
    actor: Actor,
    media_id: int,
    *,
    description: str | None,
    focus: str | None,
) -> MediaUpload:
    """Change the alternative text or focal point of an upload not yet posted (as
    Mastodon, a posted one is changed by editing its post). A value not given is kept."""
    found = await own_upload(ctx, actor, media_id)
    if found.is_attached:
        raise NotFound("Record not found")
    text = found.description if description is None else _description(description)
    point = (found.focus_x, found.focus_y) if focus is None else parse_focus(focus)
    async with ctx.db.write() as conn:
        return await media_store.describe(conn, found.id, description=text, focus=point)


async def attachments_for(
    ctx: ServiceContext, conn: AsyncConnection, author: Actor, media_ids: Sequence[int]
) -> tuple[Attachment, ...]:
    """What a new post of `author` carries: the uploads named, checked (at most four,
    theirs, waiting), in the order given. `publishing.publish` attaches them."""
    ids = list(dict.fromkeys(media_ids))
    if not ids:
        return ()
    if len(ids) > MAX_ATTACHMENTS:
        raise InvalidInput(
            "a post carries at most %(max)s pictures",
            max=MAX_ATTACHMENTS,
            field="media_ids",
        )
    found = await media_store.uploads_by_ids(conn, ids)
    for media_id in ids:
        upload = found.get(media_id)
        if upload is None or upload.actor_id != author.id or upload.purpose != "attachment":
            raise InvalidInput("no such picture to attach", field="media_ids")
        if upload.state == "processing":
            raise InvalidInput(PROCESSING_NOT_FINISHED, field="media_ids")
        if upload.state == "failed":
            raise InvalidInput("this picture could not be used", field="media_ids")
        if upload.is_attached:
            raise InvalidInput("this picture is already in a post", field="media_ids")
    return tuple(attachment_of(ctx, found[media_id]) for media_id in ids)


def attachment_of(ctx: ServiceContext, upload: MediaUpload) -> Attachment:
    """The Attachment a post keeps of an upload."""
    return Attachment(
        url=ctx.files.url(upload.file_key),
        media_type=upload.content_type,
        width=upload.width,
        height=upload.height,
        preview_url=ctx.files.url(upload.small_key),
        preview_width=upload.small_width,
        preview_height=upload.small_height,
        blurhash=upload.blurhash,
        description=upload.description,
        focus=(upload.focus_x, upload.focus_y),
        media_id=upload.id,
    )


async def attach(conn: AsyncConnection, post_id: int, attachments: Sequence[Attachment]) -> None:
    """Mark the uploads behind a new post's attachments as its own."""
    ids = [a.media_id for a in attachments if a.media_id is not None]
    await media_store.attach(conn, post_id, ids)


async def release_post_media(conn: AsyncConnection, post_id: int) -> list[str]:
    """Drop the rows of a deleted post's pictures (in the caller's transaction); the keys
    of their files, for `remove_unused_files` once committed."""
    uploads = await media_store.of_post(conn, post_id)
    await media_store.delete_uploads(conn, [u.id for u in uploads])
    return _keys(uploads)


async def release_actor_media(conn: AsyncConnection, actor_id: int) -> list[str]:
    """Drop the rows of every picture an actor uploaded (their account is going)."""
    uploads = await media_store.of_actor(conn, actor_id)
    await media_store.delete_uploads(conn, [u.id for u in uploads])
    return _keys(uploads)


def _keys(uploads: Sequence[MediaUpload]) -> list[str]:
    # Only a ready upload names files; the others hold placeholders.
    return [key for u in uploads if u.is_ready for key in (u.file_key, u.small_key)]


async def remove_unused_files(ctx: ServiceContext, keys: Sequence[str]) -> int:
    """Remove the files no row names any more; how many."""
    if not keys:
        return 0
    async with ctx.db.read() as conn:
        # A file is named by its content: an upload and a remote copy may share one.
        used = await media_store.keys_in_use(conn, keys)
        used |= await remote_media_store.keys_in_use(conn, keys)
    unused = sorted(set(keys) - used)
    for key in unused:
        await ctx.files.delete(key)
    return len(unused)


async def sweep_waiting(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Remove uploads never attached to a post within `WAITING_LIFETIME` (rows and
    files; a failed or still processing one has only its row); how many. The
    maintenance worker calls it."""
    before = (now or utcnow()) - WAITING_LIFETIME
    removed = 0
    while True:
        async with ctx.db.write() as conn:
            stale = await media_store.waiting_since(conn, before, limit=SWEEP_BATCH)
            await media_store.delete_uploads(conn, [u.id for u in stale])
        await remove_unused_files(ctx, _keys(stale))
        removed += len(stale)
        if len(stale) < SWEEP_BATCH:
            return removed


async def set_profile_pictures(
    ctx: ServiceContext,
    account: Account,
    *,
    avatar: bytes | None = None,
    header: bytes | None = None,
) -> Actor:
    """A resident's new avatar and/or header image (`set_actor_pictures`)."""
    async with ctx.db.read() as conn:
        actor = await actor_store.get_actor(conn, account.actor_id)
    if actor is None:
        raise NotFound("no such account")
    return await set_actor_pictures(ctx, actor, avatar=avatar, header=header)


async def set_group_pictures(
    ctx: ServiceContext,
    moderator: Actor,
    group: Actor,
    *,
    avatar: bytes | None = None,
    header: bytes | None = None,
) -> Actor:
    """A group's new avatar and/or header image, chosen by one of its moderators."""
    if group.role != "group" or moderator.id not in group.moderator_ids:
        raise Forbidden("only the group's moderators change its pictures")
    return await set_actor_pictures(ctx, group, avatar=avatar, header=header)


async def set_actor_pictures(
    ctx: ServiceContext,
    actor: Actor,
    *,
    avatar: bytes | None = None,
    header: bytes | None = None,
) -> Actor:
    """One of our actors' new avatar and/or header image. Both are processed before
    either is kept (one refused, neither changes); the previous ones go, and followers'
    servers are told."""
    given: dict[MediaPurpose, bytes] = {}
    if avatar is not None:
        given["avatar"] = avatar
    if header is not None:
        given["header"] = header
    processed = {which: await _processed(ctx, data) for which, data in given.items()}
    if not processed:
        return actor
    kept = {
        which: await _keep(ctx, actor, done, which, None, (0.0, 0.0))
        for which, done in processed.items()
    }
    pictures: dict[str, str | None] = {}
    if "avatar" in kept:
        pictures["icon_url"] = ctx.files.url(kept["avatar"].file_key)
        pictures["avatar_small_url"] = ctx.files.url(kept["avatar"].small_key)
    if "header" in kept:
        pictures["image_url"] = ctx.files.url(kept["header"].file_key)
        pictures["header_large_url"] = pictures["image_url"]
        pictures["header_small_url"] = ctx.files.url(kept["header"].small_key)
    async with ctx.db.write() as conn:
        previous = [
            old
            for which, new in kept.items()
            for old in await media_store.of_actor(conn, actor.id, which)
            if old.id != new.id
        ]
        await media_store.delete_uploads(conn, [u.id for u in previous])
        await resident_store.set_pictures(conn, actor.id, **pictures)
        updated = await actor_store.get_actor(conn, actor.id)
        assert updated is not None
        await ctx.outbox.send(conn, outgoing.ProfileUpdated(updated))
    ctx.outbox.wake()
    await remove_unused_files(ctx, _keys(previous))
    return updated
