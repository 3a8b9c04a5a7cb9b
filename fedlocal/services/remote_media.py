"""Pictures other servers send (attachments of received posts, event posters, remote
actors' avatars and header images), copied to us so that our pages and our API's `url`
never send a reader's browser to another server.

Each picture is fetched once per address (`remote_media` table) through the signed,
SSRF-guarded client under the upload size cap (`media_max_bytes`), then processed by the
same pipeline as uploads (type read from the bytes, pixel limit, metadata dropped, 1,600
px and 400 px files). A picture that cannot be fetched or is refused (a private address,
2 GB, not an image, a bomb) is left out: nothing is stored of it. The copies are a
cache: past `remote_media_cache_bytes`, the oldest are removed (`evict`, run by the
maintenance worker).

The inbox calls `copy_attachments` and `copy_actor_pictures` in its prepare phase, which
runs in the inbox worker after the sender had its 202, outside any transaction; a post
carries at most four pictures, fetched one after the other, each bounded by the HTTP
deadline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from ..media.processing import Refused
from ..models import Actor, Attachment
from ..store import actors as actor_store
from ..store import remote_media as store
from ..store.remote_media import RemoteCopy
from .context import ServiceContext
from .errors import ServiceError
from .media import put_files, remove_unused_files

log = logging.getLogger(__name__)

MAX_PER_POST = 4
EVICTION_BATCH = 200
# Eviction brings the cache this far under its limit, so it does not run on every round.
EVICTION_TARGET = 0.9


async def copy_attachments(
    ctx: ServiceContext, attachments: Sequence[Attachment]
) -> tuple[Attachment, ...]:
    """The pictures with our copies' addresses (`url`, `preview_url`, sizes); those we
    could not copy are left out."""
    wanted = [a for a in attachments if a.remote_url][:MAX_PER_POST]
    copies = await _copies(ctx, [a.remote_url for a in wanted if a.remote_url])
    kept: list[Attachment] = []
    for attachment in wanted:
        copy = copies.get(attachment.remote_url or "")
        if copy is not None:
            kept.append(_attachment(ctx, attachment, copy))
    return tuple(kept)


def _attachment(ctx: ServiceContext, attachment: Attachment, copy: RemoteCopy) -> Attachment:
    return replace(
        attachment,
        url=ctx.files.url(copy.file_key),
        media_type=copy.content_type,
        width=copy.width,
        height=copy.height,
        preview_url=ctx.files.url(copy.small_key),
        preview_width=copy.small_width,
        preview_height=copy.small_height,
        blurhash=attachment.blurhash or copy.blurhash,
    )


async def copy_actor_pictures(ctx: ServiceContext, actor: Actor) -> Actor:
    """A remote actor with our copies of its avatar and header image (fetched when we
    hold none of their current address)."""
    if actor.is_local:
        return actor
    wanted = [
        url
        for url, copied in (
            (actor.icon_url, actor.avatar_small_url),
            (actor.image_url, actor.header_large_url),
        )
        if url and not copied
    ]
    if not wanted:
        return actor
    copies = await _copies(ctx, wanted)
    changes: dict[str, str | None] = {}
    if (avatar := copies.get(actor.icon_url or "")) is not None:
        changes["avatar_small_url"] = ctx.files.url(avatar.small_key)
    if (header := copies.get(actor.image_url or "")) is not None:
        changes["header_large_url"] = ctx.files.url(header.file_key)
        changes["header_small_url"] = ctx.files.url(header.small_key)
    if not changes:
        return actor
    async with ctx.db.write() as conn:
        await actor_store.set_picture_copies(conn, actor.id, **changes)
    return replace(actor, **changes)  # type: ignore[arg-type]


async def _copies(ctx: ServiceContext, urls: Sequence[str]) -> dict[str, RemoteCopy]:
    if not urls:
        # Most posts carry no picture: no read transaction for them (the inbox worker
        # prepares every Create through here).
        return {}
    async with ctx.db.read() as conn:
        held = await store.by_urls(conn, urls)
    for url in dict.fromkeys(urls):
        if url not in held and (copy := await _copy(ctx, url)) is not None:
            held[url] = copy
    return held


async def _copy(ctx: ServiceContext, url: str) -> RemoteCopy | None:
    """Fetch, process and keep one picture; None (logged, nothing kept) when we cannot."""
    try:
        data = await ctx.remote.fetch_media(url, max_bytes=ctx.config.media_max_bytes)
        processed = await ctx.pictures.process(data)
    except ServiceError as exc:
        log.info("remote picture skipped: %s", exc.message)
        return None
    except Refused as refused:
        log.info("remote picture %s refused: %s", url, refused.reason)
        return None
    files = await put_files(ctx, processed)
    size = len(processed.original.data) + len(processed.small.data)
    async with ctx.db.write() as conn:
        copy = await store.insert_copy(conn, remote_url=url, size_bytes=size, **files)
        if copy is None:  # another worker copied it meanwhile: theirs is the one
            copy = (await store.by_urls(conn, [url])).get(url)
    return copy


async def evict(ctx: ServiceContext) -> int:
    """Remove the oldest copies while the cache is over `remote_media_cache_bytes`
    (down to 90 % of it); how many. Pages then show those pictures no more."""
    limit = ctx.config.remote_media_cache_bytes
    removed = 0
    while True:
        async with ctx.db.write() as conn:
            total = await store.total_bytes(conn)
            if total <= limit:
                return removed
            chosen: list[RemoteCopy] = []
            for copy in await store.oldest(conn, EVICTION_BATCH):
                chosen.append(copy)
                total -= copy.size_bytes
                if total <= limit * EVICTION_TARGET:
                    break
            await store.delete_copies(conn, [c.id for c in chosen])
        await remove_unused_files(ctx, [key for c in chosen for key in (c.file_key, c.small_key)])
        removed += len(chosen)
