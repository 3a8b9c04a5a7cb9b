"""Effects of what remote servers send us: posts, edits, deletions and announces.

Called by the inbox handlers inside the inbox worker's transaction, after the handler
has verified the activity's origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post, RemotePostData
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import follows as follow_store
from ..store import hashtags as hashtag_store
from ..store import notifications as notification_store
from ..store import post_edits as edit_store
from ..store import posts as post_store
from . import group_purchases, interest, neighbours, reblogs, threads


async def is_related_to_us(
    conn: AsyncConnection, author: Actor, data: RemotePostData, *, ignoring: tuple[str, ...] = ()
) -> bool:
    """Mastodon's rule for unsolicited posts (interop.md §3.1): keep a post only when its
    author is followed here, or it addresses one of our actors (other than `ignoring`),
    or replies to our post."""
    if await follow_store.has_local_follower(conn, author.id):
        return True
    addressed = [uri for uri in data.recipients if uri not in ignoring]
    if await actor_store.local_actors_by_uris(conn, addressed):
        return True
    if data.in_reply_to_uri:
        parent = await post_store.get_post_by_uri(conn, data.in_reply_to_uri)
        if parent is not None and parent.is_local:
            return True
    return False


@dataclass(frozen=True)
class Kept:
    """What became of a remote post we were sent or fetched."""

    post: Post | None  # our copy now; None when we keep none (unrelated, refused, deleted)
    new: bool = False  # stored just now
    changed: bool = False  # stored or replaced by this version
    reason: str = ""  # why nothing changed, for the log


async def keep_remote_post(
    conn: AsyncConnection, author: Actor, data: RemotePostData, *, solicited: bool = False
) -> Kept:
    """Keep a copy of a remote post if it concerns us, or refresh ours if this version
    is its author's and newer (the store's rule, `posts.save_remote_post`).

    `solicited` is set when we asked for the post (an Announce from someone we follow, a
    search); otherwise a post we do not hold is kept only if it concerns us.
    """
    existing = await post_store.get_post_by_uri(conn, data.uri)
    if existing is None and not solicited and not await is_related_to_us(conn, author, data):
        return Kept(None, reason="a post unrelated to anyone here")
    return await _save(conn, existing, author, data)


async def update_remote_post(conn: AsyncConnection, author: Actor, data: RemotePostData) -> Kept:
    """Apply an edit to a copy we hold; edits of posts we do not hold are ignored."""
    existing = await post_store.get_post_by_uri(conn, data.uri)
    if existing is None:
        return Kept(None, reason="an Update of a post we do not hold")
    return await _save(conn, existing, author, data)


async def _save(
    conn: AsyncConnection, existing: Post | None, author: Actor, data: RemotePostData
) -> Kept:
    saved = await post_store.save_remote_post(
        conn, existing, version=data.version, **_post_fields(author, data)
    )
    if saved.outcome == "refused":
        return Kept(None, reason=saved.reason)
    if saved.outcome == "unchanged":
        return Kept(saved.post, reason=saved.reason)
    if existing is None:
        await hashtag_store.index_post(conn, saved.post.id, data.hashtags)
    else:
        await hashtag_store.reindex_post(conn, saved.post.id, data.hashtags)
    if data.group_purchase is not None and saved.post.kind == "group_purchase":
        await group_purchases.keep_remote_terms(conn, saved.post, data.group_purchase)
    if existing is not None and edit_store.text_changed(existing, saved.post):
        # An edit by its author: the version it replaces goes into the post's history.
        await edit_store.keep_version(conn, existing)
        await reblogs.notify_boosters(conn, saved.post)
    if saved.outcome == "created":
        # A direct message to one of our residents joins its thread.
        await threads.file_message(conn, saved.post, author)
    return Kept(saved.post, new=saved.outcome == "created", changed=True)


async def keep_new_remote_posts(
    conn: AsyncConnection,
    items: Sequence[tuple[Actor, RemotePostData]],
    *,
    wanted: Sequence[bool],
) -> list[Post | None]:
    """What `keep_remote_post` does for each of several posts the caller found new
    (`unheld_among`) and related to us (`followed_among`), with one statement for the
    posts and one for their hashtags: the inbox worker's runs of Creates. In order, the
    post stored where the caller `wanted` it or this needs it (a direct message, a group
    purchase), read back in one query; None for the others (a public post from a
    followed account needs nothing more, and most are that)."""
    ids = await post_store.insert_remote_posts(
        conn, [_post_fields(author, data) for author, data in items]
    )
    await hashtag_store.index_posts(
        conn, [(post_id, data.hashtags) for post_id, (_, data) in zip(ids, items, strict=True)]
    )
    needed = [
        post_id
        for post_id, (_, data), want in zip(ids, items, wanted, strict=True)
        if want or data.visibility == "direct" or data.group_purchase is not None
    ]
    read = await post_store.posts_by_ids(conn, needed)
    posts = [read.get(post_id) for post_id in ids]
    for post, (author, data) in zip(posts, items, strict=True):
        if post is None:
            continue
        if data.group_purchase is not None and post.kind == "group_purchase":
            await group_purchases.keep_remote_terms(conn, post, data.group_purchase)
        # A direct message to one of our residents joins its thread.
        await threads.file_message(conn, post, author)
    return posts


async def unheld_among(conn: AsyncConnection, uris: list[str]) -> set[str]:
    """Those of `uris` of which we hold no post (nor tombstone)."""
    return set(uris) - await post_store.held_uris(conn, uris)


async def followed_among(conn: AsyncConnection, actors: Sequence[Actor]) -> set[int]:
    """Ids of those of `actors` someone here follows (the first test of `is_related_to_us`)."""
    return await follow_store.with_local_followers(conn, {actor.id for actor in actors})


def _post_fields(author: Actor, data: RemotePostData) -> dict[str, Any]:
    """The columns of our copy of a remote post, as `posts.save_remote_post` takes them."""
    return dict(
        uri=data.uri,
        actor_id=author.id,
        type=data.type,
        kind=data.kind,
        visibility=data.visibility,
        content=data.content,
        published=data.published,
        in_reply_to_uri=data.in_reply_to_uri,
        name=data.name,
        summary=data.summary,
        sensitive=data.sensitive,
        language=data.language,
        url=data.url,
        edited_at=data.edited_at,
        source=data.source,
        category=_filed_category(author, data),
        place=data.place,
        listing=data.listing,
        event=data.event,
        ride=data.ride,
        hashtags=data.hashtags,
        mentions=data.mentions,
        fep0837=data.fep0837,
        attachments=tuple(a for a in data.attachments if a.url),
        # Who a non-public post is for: what decides who may see it here.
        recipients=data.recipients if data.visibility in ("followers", "direct") else (),
        local_only=False,
    )


def _filed_category(author: Actor, data: RemotePostData) -> str | None:
    """The post's category, unless it is reserved to organisations the author is not
    (an organisation type is known only for linked neighbours' verified accounts): such
    a post is kept, filed under no category."""
    if data.category_reserved_for and author.organization_type not in data.category_reserved_for:
        return None
    return data.category


async def delete_remote_post(conn: AsyncConnection, actor: Actor, uri: str) -> bool:
    """Reduce our copy of a post deleted by its author to a tombstone: its content is gone,
    and a late or replayed Create of the same id cannot bring it back."""
    existing = await post_store.get_post_by_uri(conn, uri)
    if existing is None or existing.is_local or existing.actor_id != actor.id:
        return False
    if not existing.is_deleted:
        await post_store.tombstone_post(conn, existing.id)
    return True


async def delete_remote_actor(conn: AsyncConnection, actor: Actor) -> None:
    """The actor deleted their account: drop their posts and follows (both ways) and mark
    them gone."""
    await post_store.delete_posts_of_actor(conn, actor.id)
    await follow_store.delete_follows_of_actor(conn, actor.id)
    await actor_store.mark_actor_gone(conn, actor.id)


async def receive_announce(
    conn: AsyncConnection, announcer: Actor, announce_uri: str, post: Post
) -> bool:
    """Record that a remote actor announced `post`."""
    created = await announce_store.insert_announce(
        conn, uri=announce_uri, actor_id=announcer.id, object_uri=post.uri, object_id=post.id
    )
    if created is not None:
        await reblogs.notify_boost(conn, announcer, post)
    return created is not None


def boostable(post: Post) -> bool:
    """Whether anyone may boost this post of ours (public or unlisted, not deleted)."""
    return not post.is_deleted and post.visibility in reblogs.BOOSTABLE


async def undo_announce(conn: AsyncConnection, announcer: Actor, announce_uri: str) -> bool:
    announce = await announce_store.get_announce_by_uri(conn, announce_uri)
    if announce is None or announce.actor_id != announcer.id:
        return False
    await announce_store.delete_announce(conn, announce.id)
    return True


async def notify_addressees(
    conn: AsyncConnection, sender: Actor, post: Post, *, among: Sequence[Actor] | None = None
) -> None:
    """A new remote post: interest in one of our listings notifies its author; otherwise
    each of our actors it addresses or mentions hears of it. `among`: our actors the
    activity addressed, when the caller already looked them up."""
    if await interest.receive_interest_message(conn, sender, post):
        return
    addressed = [*post.recipients, *(m.href for m in post.mentions)]
    if among is None:
        among = await actor_store.local_actors_by_uris(conn, addressed)
    for actor in _addressed(post, among):
        await notification_store.add(
            conn, recipient_id=actor.id, type="mention", actor_id=sender.id, post_id=post.id
        )


async def notify_addressees_many(
    conn: AsyncConnection, posts: Sequence[tuple[Actor, Post, Sequence[Actor]]]
) -> None:
    """`notify_addressees` for several new posts (sender, post, `among`), in order, with
    one statement for the notifications and one for their pushes."""
    mentions = []
    for sender, post, among in posts:
        if await interest.receive_interest_message(conn, sender, post):
            continue
        mentions += [
            {"recipient_id": actor.id, "type": "mention", "actor_id": sender.id, "post_id": post.id}
            for actor in _addressed(post, among)
        ]
    await notification_store.add_many(conn, mentions)


def _addressed(post: Post, among: Sequence[Actor]) -> list[Actor]:
    wanted = {*post.recipients, *(m.href for m in post.mentions)}
    return [actor for actor in among if actor.uri in wanted]


async def withdraw_announced(conn: AsyncConnection, announcer: Actor, post_uri: str) -> bool:
    """A group's moderators took a post out: forget the group's Announce of it, and our
    copy too unless someone here follows its author."""
    announce = await announce_store.get_announce(conn, announcer.id, post_uri)
    if announce is None:
        return False
    await announce_store.delete_announce(conn, announce.id)
    post = await post_store.get_post_by_uri(conn, post_uri)
    if (
        post is not None
        and not post.is_local
        and not await follow_store.has_local_follower(conn, post.actor_id)
    ):
        await post_store.tombstone_post(conn, post.id)
    return True


async def accepts_announces_from(conn: AsyncConnection, actor: Actor) -> bool:
    """Whether an Announce from `actor` is welcome: someone here follows it (a group one
    of ours joined, a relay), or it is on a linked neighbour's domain."""
    if await follow_store.has_local_follower(conn, actor.id):
        return True
    return await neighbours.is_linked_domain(conn, actor.domain)


async def post_by_uri(conn: AsyncConnection, uri: str) -> Post | None:
    """Our copy of a post (ours or a remote one we keep), by its id."""
    return await post_store.get_post_by_uri(conn, uri)


async def our_actors(conn: AsyncConnection, uris: Sequence[str]) -> list[Actor]:
    """Our own actors among `uris` (residents, groups, the community…)."""
    return await actor_store.local_actors_by_uris(conn, uris)


async def known_actor(conn: AsyncConnection, uri: str) -> Actor | None:
    """An actor we hold, ours or remote, by its id."""
    return await actor_store.get_actor_by_uri(conn, uri)
