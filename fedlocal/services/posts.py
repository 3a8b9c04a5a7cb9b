"""Publishing and deleting our residents' posts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from sqlalchemy.ext.asyncio import AsyncConnection

from ..categories import Category
from ..formatting import MENTION, MentionLink, mention_handle, mention_markup, text_to_html
from ..models import Actor, Mention, Post, Visibility
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import posts as post_store
from . import groups, media, outgoing, threads
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound, ServiceError
from .follows import resolve_target
from .publishing import Draft, publish

# `local`: for this instance's residents only, never delivered, announced or served to
# other servers.
VISIBILITIES = ("public", "unlisted", "followers", "direct", "local")
MAX_MENTIONS = 20


async def publish_note(
    ctx: ServiceContext,
    author: Actor,
    text: str,
    *,
    visibility: str = "public",
    in_reply_to: str | None = None,
    language: str | None = None,
    sensitive: bool = False,
    spoiler_text: str | None = None,
    mentions: Sequence[Actor] = (),
    local_only: bool = False,
    media_ids: Sequence[int] = (),
    category: str | None = None,
) -> Post:
    """Publish a note as `author`: stored, sent to their followers (and to the people it
    mentions), and when public announced by the community actor, in one transaction.
    A local-only note (asked for, or a reply in a local-only thread) stays here. The
    people the text mentions (`@bea`, `@rob@ailleurs.example`) are found and mentioned."""
    named = await find_mentions(ctx, author, text)
    mentions = [*mentions, *(a for a in named.values() if a.id not in {m.id for m in mentions})]
    async with ctx.db.write() as conn:
        post = await write_note(
            ctx,
            conn,
            author,
            text,
            visibility=visibility,
            in_reply_to=in_reply_to,
            language=language,
            sensitive=sensitive,
            spoiler_text=spoiler_text,
            mentions=mentions,
            named=named,
            local_only=local_only,
            media_ids=media_ids,
            category=category,
        )
    ctx.outbox.wake()
    return post


async def find_mentions(ctx: ServiceContext, author: Actor, text: str) -> dict[str, Actor]:
    """The actors `text` mentions, by how it names them (`mention_handle`): ours by name,
    others through WebFinger. A mention nobody answers to stays text, as on Mastodon; the
    author and the instance actor are not mentioned. Call outside a transaction: finding
    someone elsewhere is a request to their server."""
    named: dict[str, Actor] = {}
    for match in list(MENTION.finditer(text))[:MAX_MENTIONS]:
        key = mention_handle(match.group(1), match.group(2))
        if key in named:
            continue
        try:
            actor = await resolve_target(ctx, key)
        except ServiceError:
            continue
        if actor.id != author.id and actor.role != "instance":
            named[key] = actor
    return named


async def write_note(
    ctx: ServiceContext,
    conn: AsyncConnection,
    author: Actor,
    text: str,
    *,
    visibility: str = "public",
    in_reply_to: str | None = None,
    language: str | None = None,
    sensitive: bool = False,
    spoiler_text: str | None = None,
    mentions: Sequence[Actor] = (),
    named: Mapping[str, Actor] | None = None,
    local_only: bool = False,
    media_ids: Sequence[int] = (),
    category: str | None = None,
    limited: bool = True,
) -> Post:
    """`publish_note` inside the caller's transaction (for services that do more). Every
    note of ours is written here, replies included: this is where a reply in a
    local-only thread is kept local-only. `limited`: see `publishing.publish`."""
    if not author.is_local:
        raise Forbidden("only local actors publish here")
    text = text.strip()
    attachments = await media.attachments_for(ctx, conn, author, media_ids)
    if not text and not attachments:
        raise InvalidInput("a post needs some text", field="status")
    if len(text) > ctx.config.post_max_characters:
        raise InvalidInput(
            "a post has at most %(max)s characters",
            max=ctx.config.post_max_characters,
            field="status",
        )
    if visibility not in VISIBILITIES:
        raise InvalidInput(
            "visibility must be one of %(choices)s",
            choices=", ".join(VISIBILITIES),
            field="visibility",
        )
    filed = ctx.categories.get(category)
    if category is not None and filed is None:
        raise InvalidInput("unknown category '%(category)s'", category=category, field="category")
    if in_reply_to is not None and not local_only:
        parent = await post_store.get_post_by_uri(conn, in_reply_to)
        local_only = parent is not None and parent.is_local_only
    visibility, marked_local = local_audience(visibility) if local_only else (visibility, False)
    content, hashtags = note_content(ctx, text, mentions, named)
    draft = Draft(
        kind="note",
        visibility=cast(Visibility, visibility),
        content=content,
        source=text,
        in_reply_to_uri=in_reply_to,
        language=language or ctx.config.default_language,
        sensitive=sensitive,
        summary=spoiler_text or None,
        hashtags=_with_category_tag(hashtags, filed),
        category=category,
        recipients=tuple(actor.uri for actor in mentions),
        mentions=tuple(Mention(href=actor.uri, name=f"@{actor.handle}") for actor in mentions),
        local_only=marked_local,
        attachments=attachments,
    )
    post = await publish(ctx, conn, author, draft, limited=limited)
    # A direct post is a message: it goes in its thread, unread for the other person.
    await threads.file_message(conn, post, author)
    # Mentioning one of our groups as a member posts to the group.
    for group in await groups.addressed_groups(conn, [actor.uri for actor in mentions]):
        if await groups.is_member(conn, group, author):
            await groups.redistribute(ctx, conn, group, post, None)
    return post


def _with_category_tag(hashtags: Sequence[str], category: Category | None) -> tuple[str, ...]:
    """A note filed under a category carries its hashtag (how Mastodon users follow it)."""
    if category is None or category.hashtag in hashtags:
        return tuple(hashtags)
    return (*hashtags, category.hashtag)


def note_content(
    ctx: ServiceContext,
    text: str,
    mentions: Sequence[Actor],
    named: Mapping[str, Actor] | None,
) -> tuple[str, tuple[str, ...]]:
    """(HTML content, hashtags) of a note's text: its mentions and hashtags linked."""
    links = mention_index(mentions) | {k: _link(a) for k, a in (named or {}).items()}
    formatted = text_to_html(text, ctx.urls, links) if text else None
    html_text = formatted.html if formatted else ""
    # A mention the text names is linked where it stands; the others (the author of the
    # post replied to, a group posted to) open the post, as Mastodon writes a reply.
    linked = formatted.linked if formatted else ()
    unnamed = [actor for actor in mentions if _link(actor).href not in linked]
    content = mention_links(unnamed) + html_text if unnamed else html_text
    return content, tuple(formatted.hashtags) if formatted else ()


def local_audience(visibility: str) -> tuple[str, bool]:
    """(visibility, marked) for a post that must stay on this instance: public and
    unlisted become `local` (every resident, nobody outside); followers-only and direct
    keep their audience and are marked local-only (`Post.is_local_only`), which drops
    whoever is outside the instance. Never widens who may read the post."""
    if visibility in ("public", "unlisted", "local"):
        return "local", False
    return visibility, True


def _link(actor: Actor) -> MentionLink:
    return MentionLink(href=actor.url or actor.uri, username=actor.username)


def mention_index(mentions: Sequence[Actor]) -> dict[str, MentionLink]:
    """How the text may name each mentioned actor: `@name@host`, and `@name` for our own
    people (a bare name never stands for someone elsewhere)."""
    index: dict[str, MentionLink] = {}
    for actor in mentions:
        index[mention_handle(actor.username, actor.domain)] = _link(actor)
    for actor in mentions:
        if actor.is_local:
            index.setdefault(mention_handle(actor.username, None), _link(actor))
    return index


def mention_links(mentions: Sequence[Actor]) -> str:
    """Mastodon's mention markup, in a paragraph before the text's own."""
    return "<p>" + " ".join(mention_markup(_link(actor)) for actor in mentions) + "</p>"


async def delete_post(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    """Delete one of `actor`'s posts: it becomes a tombstone (410) and a Delete goes out."""
    async with ctx.db.write() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or not post.is_local or post.is_deleted:
            raise NotFound("no such post")
        if post.actor_id != actor.id:
            raise Forbidden("only the author can delete this post")
        deleted, unused = await remove_post(ctx, conn, post, actor)
    ctx.outbox.wake()
    await media.remove_unused_files(ctx, unused)
    return deleted


async def remove_post(
    ctx: ServiceContext, conn: AsyncConnection, post: Post, author: Actor
) -> tuple[Post, list[str]]:
    """Make `post` a tombstone inside `conn`: the community's Announce of it goes, and a
    local post's Delete is queued, signed by its author (as when they delete it; a
    moderator's removal is federated the same way). A remote post only leaves this
    instance. Returns the tombstone and the picture files no longer used, to remove once
    committed (`media.remove_unused_files`)."""
    await post_store.tombstone_post(conn, post.id)
    unused = await media.release_post_media(conn, post.id)
    deleted = await post_store.get_post(conn, post.id)
    assert deleted is not None
    community = await actor_store.get_actor_by_role(conn, "community")
    if community is not None:
        announce = await announce_store.get_announce(conn, community.id, post.uri)
        if announce is not None:
            await announce_store.delete_announce(conn, announce.id)
    if post.is_local:
        await ctx.outbox.send(conn, outgoing.PostDeleted(author, deleted))
    return deleted, unused
