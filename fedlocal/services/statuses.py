"""Statuses as Mastodon apps post them: plain text with @mentions and #hashtags.

A status tagged `#offre` or `#demande` (`#offer`, `#request`) becomes an offer or a
request, published by `listings.publish_listing` exactly as one made on the web: the
first line is the title, the rest the description, and other hashtags give the intent
(`#don`, `#pret`, `#vente`…), the category (`#bricolage`…) and the quarter.

Everything is checked before anything is stored: a refused status leaves no trace.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta

from ..formatting import normalise_hashtag, text_to_html
from ..hashtags import INTENT_BY_HASHTAG, KIND_BY_HASHTAG
from ..models import OFFER_INTENTS, REQUEST_INTENTS, Account, Actor, Post
from ..store import actors as actor_store
from ..store import idempotency as idempotency_store
from ..store import notifications as notification_store
from ..store import posts as post_store
from ..store.clock import utcnow
from . import blocks, listings, posts
from .context import ServiceContext
from .errors import InvalidInput
from .new_accounts import NewAccountLimit
from .visibility import visible_post

# Mastodon's visibilities → ours.
VISIBILITIES = {
    "public": "public",
    "unlisted": "unlisted",
    "private": "followers",
    "direct": "direct",
}
IDEMPOTENCY_WINDOW = timedelta(hours=24)
MAX_MENTIONS = 20
_TAG_WORD = re.compile(r"(?<![\w/#&])#\w+")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# One status at a time per (account, key) in this process: a client's retry waits for
# the first attempt instead of racing it (and `Database.exclusive` across processes).
_key_locks: dict[tuple[int, str], asyncio.Lock] = {}


@dataclass(frozen=True)
class StatusInput:
    text: str
    visibility: str | None = None
    in_reply_to_id: int | None = None
    spoiler_text: str | None = None
    sensitive: bool = False
    language: str | None = None
    idempotency_key: str | None = None
    # Hometown's and glitch-soc's `local_only`: a post for this quarter only (a reply in a
    # local-only thread is local-only whatever this says).
    local_only: bool = False
    # Uploads to attach (`media.attachments_for`): a status with pictures may have no text.
    media_ids: tuple[int, ...] = ()


async def post_status(
    ctx: ServiceContext, account: Account, author: Actor, data: StatusInput
) -> Post:
    """Publish a status; with an Idempotency-Key, a repeat returns the first one."""
    key = (data.idempotency_key or "").strip()[:255] or None
    if key is None:
        return await _publish(ctx, author, data)
    lock = _key_locks.setdefault((account.id, key), asyncio.Lock())
    try:
        # The process's lock, and the database's for a retry sent to another process.
        async with lock, ctx.db.exclusive(f"idempotency:{account.id}:{key}"):
            async with ctx.db.read() as conn:
                earlier = await idempotency_store.find(
                    conn, account.id, key, not_before=utcnow() - IDEMPOTENCY_WINDOW
                )
                post = await post_store.get_post(conn, earlier) if earlier else None
            if post is not None and not post.is_deleted:
                return post
            post = await _publish(ctx, author, data)
            async with ctx.db.write() as conn:
                await idempotency_store.remember(conn, account.id, key, post.id)
                await idempotency_store.forget_older_than(conn, utcnow() - IDEMPOTENCY_WINDOW)
            return post
    finally:
        if not lock.locked():
            _key_locks.pop((account.id, key), None)


def _checked(ctx: ServiceContext, data: StatusInput) -> tuple[str, str, str | None]:
    """(text, our visibility, language), or InvalidInput with Mastodon's wording."""
    text = data.text.strip()
    if not text and not data.media_ids:
        raise InvalidInput("Validation failed: Text can't be blank", field="status")
    limit = ctx.config.post_max_characters
    if len(text) > limit:
        raise InvalidInput(
            f"Validation failed: Text character limit of {limit} exceeded", field="status"
        )
    visibility = VISIBILITIES.get(data.visibility or "public")
    if visibility is None:
        raise InvalidInput(
            "Validation failed: Visibility is not included in the list", field="visibility"
        )
    if data.local_only and visibility in ("public", "unlisted"):
        visibility = "local"
    language = (data.language or "").strip().lower() or None
    if language is not None and not _LANGUAGE.match(language):
        raise InvalidInput("Validation failed: Language is not a valid language", field="language")
    if data.spoiler_text and len(data.spoiler_text) > limit:
        raise InvalidInput(
            f"Validation failed: Text character limit of {limit} exceeded", field="spoiler_text"
        )
    return text, visibility, language


async def _publish(ctx: ServiceContext, author: Actor, data: StatusInput) -> Post:
    text, visibility, language = _checked(ctx, data)
    parent = await _parent(ctx, author, data.in_reply_to_id)
    hashtags = list(text_to_html(text, ctx.urls).hashtags)
    kind = next((KIND_BY_HASHTAG[t] for t in hashtags if t in KIND_BY_HASHTAG), None)
    if kind is not None and parent is None:
        return await _publish_listing(
            ctx, author, text, kind, hashtags, visibility, language, data.media_ids
        )
    mentions, named = await _mentions(ctx, author, text, parent)
    async with ctx.db.write() as conn:
        if visibility == "direct":
            # A direct message across a block is refused, as the web app's messages are.
            for mentioned in mentions:
                await blocks.refuse_if_blocked(conn, author, mentioned)
        post = await posts.write_note(
            ctx,
            conn,
            author,
            text,
            visibility=visibility,
            in_reply_to=parent.uri if parent else None,
            language=language,
            sensitive=data.sensitive or bool(data.spoiler_text),
            spoiler_text=(data.spoiler_text or "").strip() or None,
            mentions=mentions,
            named=named,
            local_only=data.local_only,
            media_ids=data.media_ids,
        )
        for mentioned in mentions:
            if mentioned.role == "resident" and mentioned.id != author.id:
                await notification_store.add(
                    conn,
                    recipient_id=mentioned.id,
                    type="mention",
                    actor_id=author.id,
                    post_id=post.id,
                )
    ctx.outbox.wake()
    return post


async def _parent(ctx: ServiceContext, author: Actor, post_id: int | None) -> Post | None:
    if post_id is None:
        return None
    parent, _parent_author = await visible_post(ctx, author, post_id)
    return parent


async def _mentions(
    ctx: ServiceContext, author: Actor, text: str, parent: Post | None
) -> tuple[list[Actor], dict[str, Actor]]:
    """The actors the text mentions (those that can be found) and the author of the post
    replied to (a reply reaches them as Mastodon's do); and how the text names each."""
    found: dict[int, Actor] = {}
    if parent is not None and parent.actor_id != author.id:
        async with ctx.db.read() as conn:
            parent_author = await actor_store.get_actor(conn, parent.actor_id)
        if parent_author is not None:
            found[parent_author.id] = parent_author
    named = await posts.find_mentions(ctx, author, text)
    for actor in named.values():
        found.setdefault(actor.id, actor)
    return list(found.values()), named


def listing_parts(text: str) -> tuple[str, str]:
    """(title, description): the first line with text once its hashtags are set aside,
    and every line after it."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        title = " ".join(_TAG_WORD.sub("", line).split())
        if title:
            return title, "\n".join(lines[index + 1 :]).strip()
    return "", ""


def _quarter_from(ctx: ServiceContext, hashtags: list[str]) -> str | None:
    def squeeze(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", normalise_hashtag(name))

    quarters = {squeeze(q.name): q.name for q in ctx.config.quarters}
    return next((quarters[squeeze(t)] for t in hashtags if squeeze(t) in quarters), None)


async def _publish_listing(
    ctx: ServiceContext,
    author: Actor,
    text: str,
    kind: str,
    hashtags: list[str],
    visibility: str,
    language: str | None,
    media_ids: tuple[int, ...],
) -> Post:
    if visibility not in listings.LISTING_VISIBILITIES:
        raise InvalidInput(
            "Validation failed: an offer or a request cannot be a direct message",
            field="visibility",
        )
    allowed = OFFER_INTENTS if kind == "offer" else REQUEST_INTENTS
    intent = next(
        (INTENT_BY_HASHTAG[t] for t in hashtags if INTENT_BY_HASHTAG.get(t) in allowed), None
    )
    category = next(
        (found.key for t in hashtags if (found := ctx.categories.by_hashtag(t)) is not None), None
    )
    title, description = listing_parts(text)
    try:
        return await listings.publish_listing(
            ctx,
            author,
            listings.ListingInput(
                kind=kind,
                title=title,
                description=description,
                intent=intent,
                category=category,
                quarter=_quarter_from(ctx, hashtags),
                visibility=visibility,
                language=language,
                media_ids=media_ids,
                hashtags=tuple(hashtags),
            ),
        )
    except NewAccountLimit:
        raise  # not the status's fault: a limit, answered as one
    except InvalidInput as exc:
        message = exc.message
        if not message.startswith("Validation failed"):
            message = f"Validation failed: {message}"
        raise InvalidInput(message, field=exc.field) from None
