"""Edits of our residents' notes, and the edit history of any post we hold.

An edit keeps the version it replaces (`post_edits`), marks the post `edited_at`, and
goes out as an `Update` carrying the new document to everyone who got the post (its
author's followers, the community's and groups' when they shared it, the people it
mentions). Received edits keep their history the same way (`inbound.update_remote_post`).
Residents who boosted the post hear of the edit, as on Mastodon.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from ..formatting import description_html, normalise_hashtag, text_to_html
from ..hashtags import listing_tags
from ..models import Actor, Attachment, Mention, Post, PostVersion
from ..store import hashtags as hashtag_store
from ..store import post_edits as edit_store
from ..store import posts as post_store
from ..store import timelines as timeline_store
from ..store.clock import utcnow
from . import media, outgoing, posts, reblogs
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .statuses import listing_parts
from .visibility import visible_post

# What an app edits: a note's text, or an offer's or a request's title and description.
EDITABLE = ("note", "offer", "request")


@dataclass(frozen=True)
class EditInput:
    text: str
    spoiler_text: str | None = None
    sensitive: bool = False
    language: str | None = None
    # The pictures the post keeps or gains, in order; None keeps those it has.
    media_ids: tuple[int, ...] | None = None


async def edit_note(ctx: ServiceContext, author: Actor, post_id: int, data: EditInput) -> Post:
    """`author` edits one of their notes (NotFound for anyone else's)."""
    current = await own_post(ctx, author, post_id)
    if current.kind not in EDITABLE:
        raise InvalidInput("an event cannot be edited", field="status")
    text = data.text.strip()
    limit = ctx.config.post_max_characters
    if len(text) > limit:
        raise InvalidInput("a post has at most %(max)s characters", max=limit, field="status")
    named = await posts.find_mentions(ctx, author, text)
    async with ctx.db.write() as conn:
        post = await post_store.get_post(conn, current.id)
        if post is None or post.is_deleted:
            raise NotFound("no such post")
        attachments = await _attachments(ctx, conn, author, post, data.media_ids)
        if not text and not attachments:
            raise InvalidInput("a post needs some text", field="status")
        known = await timeline_store.actors_by_uris(conn, [m.href for m in post.mentions])
        kept = list(known.values())
        mentions = [*kept, *(a for a in named.values() if a.uri not in {k.uri for k in kept})]
        spoiler = (data.spoiler_text or "").strip() or None
        edited = replace(
            _rewritten(ctx, post, text, mentions, named),
            sensitive=data.sensitive or bool(spoiler),
            language=(data.language or "").strip().lower() or post.language,
            attachments=attachments,
        )
        if post.kind == "note":
            edited = replace(edited, summary=spoiler)
        hashtags = edited.hashtags
        if not edit_store.text_changed(post, edited) and edited.language == post.language:
            return post
        updated = await post_store.update_post(
            conn,
            post.id,
            name=edited.name,
            content=edited.content,
            source=edited.source,
            summary=edited.summary,
            sensitive=edited.sensitive,
            language=edited.language,
            edited_at=utcnow(),
            # The extras are written together (store.extras).
            hashtags=hashtags,
            recipients=tuple(dict.fromkeys([*post.recipients, *(a.uri for a in named.values())]))
            if post.visibility in ("followers", "direct")
            else post.recipients,
            mentions=_mentions_of(mentions),
            local_only=post.local_only,
            fep0837=post.fep0837,
            attachments=attachments,
        )
        await edit_store.keep_version(conn, post)
        await hashtag_store.reindex_post(conn, post.id, hashtags)
        await media.attach(conn, post.id, [a for a in attachments if a not in post.attachments])
        await ctx.outbox.send(conn, outgoing.PostUpdated(author, updated))
        await reblogs.notify_boosters(conn, updated)
    ctx.outbox.wake()
    return updated


def _rewritten(
    ctx: ServiceContext,
    post: Post,
    text: str,
    mentions: list[Actor],
    named: dict[str, Actor],
) -> Post:
    """`post` with its new text: a note's content; an offer's or a request's title (the
    first line) and description (the lines after it), its kind, intent and category
    kept, its hashtags those typed (`hashtags.listing_tags`)."""
    if post.kind == "note" or post.listing is None:
        content, hashtags = posts.note_content(ctx, text, mentions, named)
        return replace(post, content=content, source=text, hashtags=hashtags)
    title, description = listing_parts(text)
    if not title:
        raise InvalidInput("a title is required", field="status")
    described = description_html(description, ctx.urls)
    category = ctx.categories.get(post.category)
    typed = (*text_to_html(text, ctx.urls).hashtags, *described.hashtags)
    tags = listing_tags(
        post.kind,
        post.listing.intent,
        normalise_hashtag(category.hashtag) if category else None,
        typed,
    )
    return replace(
        post,
        name=title,
        content=described.html,
        source=description,
        hashtags=tuple(tags),
    )


def _mentions_of(actors: list[Actor]) -> tuple[Mention, ...]:
    return tuple(Mention(href=a.uri, name=f"@{a.handle}") for a in actors)


async def _attachments(
    ctx: ServiceContext,
    conn: AsyncConnection,
    author: Actor,
    post: Post,
    media_ids: tuple[int, ...] | None,
) -> tuple[Attachment, ...]:
    """The pictures of the edited post: those it has that are named again, and new
    uploads, in the order named."""
    if media_ids is None:
        return post.attachments
    has = {a.media_id: a for a in post.attachments if a.media_id is not None}
    new = [i for i in media_ids if i not in has]
    added = {a.media_id: a for a in await media.attachments_for(ctx, conn, author, new)}
    chosen = [has.get(i) or added.get(i) for i in dict.fromkeys(media_ids)]
    return tuple(a for a in chosen if a is not None)


async def own_post(ctx: ServiceContext, author: Actor, post_id: int) -> Post:
    """One of `author`'s own posts (not deleted), else NotFound."""
    post, _author = await visible_post(ctx, author, post_id)
    if not post.is_local or post.actor_id != author.id or post.is_deleted:
        raise NotFound("no such post")
    return post


async def history(
    ctx: ServiceContext, viewer: Actor | None, post_id: int
) -> tuple[Post, list[PostVersion]]:
    """A post's versions, oldest first, the current one last (Mastodon's StatusEdit list:
    a post never edited has one version)."""
    async with ctx.db.read() as conn:
        post, _author = await visible_post(ctx, viewer, post_id, conn=conn)
        earlier = await edit_store.versions_of(conn, post.id)
    current = PostVersion(
        content=post.content,
        summary=post.summary,
        name=post.name,
        sensitive=post.sensitive,
        attachments=post.attachments,
        # Never edited (an Update of a total or a status alone keeps no version): the
        # one version is the post as published.
        created_at=(post.edited_at if earlier else None) or post.published,
    )
    return post, [*earlier, current]
