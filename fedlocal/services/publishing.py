"""One way every new post of ours comes to be, whatever its kind.

A kind's service (notes in `posts`, offers and requests in `listings`, events in `events`
— and the kinds to come) checks its own input and builds a `Draft`; `publish` then does
what every post needs: stored, its hashtags indexed, its Create queued for delivery, and a
resident's public post announced by the community, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import (
    Actor,
    Attachment,
    EventDetails,
    ListingDetails,
    Mention,
    Place,
    Post,
    PostKind,
    RideDetails,
    Visibility,
)
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import hashtags as hashtag_store
from ..store import posts as post_store
from ..store.clock import utcnow
from . import media, moves, new_accounts, organizations, outgoing
from .context import ServiceContext


@dataclass(frozen=True)
class Draft:
    """A post of ours before it is stored: what every kind has, and each kind's own part
    (`listing`, `event`) when it is that kind."""

    kind: PostKind
    visibility: Visibility
    content: str
    language: str
    type: str = "Note"
    source: str | None = None
    name: str | None = None
    summary: str | None = None
    sensitive: bool = False
    in_reply_to_uri: str | None = None
    category: str | None = None
    place: Place | None = None
    listing: ListingDetails | None = None
    event: EventDetails | None = None
    ride: RideDetails | None = None
    hashtags: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    local_only: bool = False
    published: datetime | None = None
    # Pictures from the author's uploads (`media.attachments_for` checks them).
    attachments: tuple[Attachment, ...] = ()


async def publish(
    ctx: ServiceContext,
    conn: AsyncConnection,
    author: Actor,
    draft: Draft,
    *,
    limited: bool = True,
    with_post: Callable[[Post], Awaitable[Any]] | None = None,
) -> Post:
    """Store `draft` as `author`'s new post and tell whoever should know (see the module
    docstring). The caller wakes the outbox once its transaction is committed.

    A category reserved to organisation types the author is not is refused here, the
    one gate every way in passes (web form, client API, command line). A new account past
    its daily limit is refused (`new_accounts.NewAccountLimit`); `limited=False` for what
    the server writes on the author's behalf (a loan's steps). `with_post` stores what a
    kind keeps beside the post (a group purchase's terms) before the Create is written,
    so the Create carries it."""
    organizations.check_category(ctx, author, draft.category)
    await moves.refuse_if_moved(conn, author)
    if limited:
        await new_accounts.check(
            ctx, conn, author, "message" if draft.visibility == "direct" else "post"
        )
    values = {f.name: getattr(draft, f.name) for f in fields(draft)}
    if values["published"] is None:
        del values["published"]
    post = await post_store.insert_local_post(
        conn, actor_id=author.id, uri_for=ctx.urls.post, **values
    )
    await hashtag_store.index_post(conn, post.id, post.hashtags)
    await media.attach(conn, post.id, post.attachments)
    if with_post is not None:
        await with_post(post)
    await ctx.outbox.send(conn, outgoing.PostCreated(author, post))
    # The community shares its residents' posts, not a group's (a group shares its own).
    if post.visibility == "public" and author.role == "resident":
        await announce_by_community(ctx, conn, post)
    return post


async def announce_by_community(ctx: ServiceContext, conn: AsyncConnection, post: Post) -> None:
    """The community actor Announces a public post of a resident (inside the caller's
    transaction), so one follow of the community follows the whole quarter."""
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
        await ctx.outbox.send(conn, outgoing.Boosted(community, post, announce))
