"""Publishing and deleting our residents' posts."""

from __future__ import annotations

from ..formatting import text_to_html
from ..models import Actor, Post
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import posts as post_store
from ..store.clock import utcnow
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound

VISIBILITIES = ("public", "unlisted", "followers", "direct")


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
) -> Post:
    """Publish a note as `author`: stored, sent to their followers, and (when public)
    announced by the community actor, all in one transaction."""
    if not author.is_local:
        raise Forbidden("only local actors publish here")
    text = text.strip()
    if not text:
        raise InvalidInput("a post needs some text", field="status")
    if len(text) > ctx.config.post_max_characters:
        raise InvalidInput(
            f"a post has at most {ctx.config.post_max_characters} characters", field="status"
        )
    if visibility not in VISIBILITIES:
        raise InvalidInput(
            f"visibility must be one of {', '.join(VISIBILITIES)}", field="visibility"
        )
    formatted = text_to_html(text, ctx.urls)
    async with ctx.db.write() as conn:
        post = await post_store.insert_local_post(
            conn,
            actor_id=author.id,
            uri_for=ctx.urls.post,
            type="Note",
            kind="note",
            visibility=visibility,
            content=formatted.html,
            source=text,
            in_reply_to_uri=in_reply_to,
            language=language or ctx.config.default_language,
            sensitive=sensitive,
            summary=spoiler_text or None,
            data={"hashtags": list(formatted.hashtags)},
        )
        post = await post_store.update_post(conn, post.id, url=post.uri)
        await ctx.outbox.create(conn, author, post)
        if visibility == "public" and author.role == "resident":
            await _announce_by_community(ctx, conn, post)
    ctx.outbox.wake()
    return post


async def _announce_by_community(ctx: ServiceContext, conn, post: Post) -> None:
    community = await actor_store.get_actor_by_role(conn, "community")
    if community is None:
        return
    announce = await announce_store.insert_announce(
        conn,
        uri=f"{post.uri}/announces/{community.id}",
        actor_id=community.id,
        object_uri=post.uri,
        object_id=post.id,
        published=utcnow(),
    )
    if announce is not None:
        await ctx.outbox.announce(conn, community, post, announce)


async def delete_post(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    """Delete one of `actor`'s posts: it becomes a tombstone (410) and a Delete goes out."""
    async with ctx.db.write() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or not post.is_local or post.is_deleted:
            raise NotFound("no such post")
        if post.actor_id != actor.id:
            raise Forbidden("only the author can delete this post")
        await post_store.tombstone_post(conn, post.id)
        deleted = await post_store.get_post(conn, post.id)
        assert deleted is not None
        community = await actor_store.get_actor_by_role(conn, "community")
        if community is not None:
            announce = await announce_store.get_announce(conn, community.id, post.uri)
            if announce is not None:
                await announce_store.delete_announce(conn, announce.id)
        await ctx.outbox.delete(conn, actor, deleted)
    ctx.outbox.wake()
    return deleted
