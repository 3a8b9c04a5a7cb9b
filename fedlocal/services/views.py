"""What a client API page shows, gathered in a few queries per page: statuses with their
authors, counts and the viewer's own likes and boosts; accounts with their counts;
notifications with who and what they are about.

These are read models for `fedlocal.api.entities`; nothing here knows Mastodon's JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import LISTING_STEPS, Account, Actor, Announce, Filter, Notification, Post
from ..purchases import GroupPurchase
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import bookmarks as bookmark_store
from ..store import favourites as favourite_store
from ..store import group_purchases as purchase_store
from ..store import interests as interest_store
from ..store import moderation as moderation_store
from ..store import pins as pin_store
from ..store import post_edits as edit_store
from ..store import timelines as timeline_store
from ..store.moderation import AccountWarning
from .visibility import visible


@dataclass(frozen=True)
class AccountView:
    actor: Actor
    followers_count: int = 0
    following_count: int = 0
    statuses_count: int = 0
    last_status_at: datetime | None = None
    # The local account behind a resident (for `source` and `created_at`), when known.
    account: Account | None = None
    # The account it moved to (its `movedTo`), when known here.
    moved: AccountView | None = None


@dataclass(frozen=True)
class PostView:
    post: Post
    author: AccountView
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0
    favourited: bool = False
    reblogged: bool = False
    bookmarked: bool = False
    in_reply_to_id: int | None = None
    in_reply_to_account_id: int | None = None
    mentions: tuple[Actor, ...] = ()
    # Its author pinned it (Mastodon's `pinned`).
    pinned: bool = False
    # The viewer's filters that caught it and only warn (services/filters.py).
    filtered: tuple[FilterMatch, ...] = ()
    # A group purchase's unit, price, quantities, deadline and pickup.
    group_purchase: GroupPurchase | None = None
    # A copy whose `edited_at` only orders its author's Updates (a total, seats left, a
    # status): no text of it was edited, so apps do not show it as edited.
    unedited_copy: bool = False


@dataclass(frozen=True)
class FilterMatch:
    """One of the viewer's filters catching a post: by which keywords, which status."""

    filter: Filter
    keyword_matches: tuple[str, ...] = ()
    status_matches: tuple[int, ...] = ()


@dataclass(frozen=True)
class BoostView:
    """One of our residents' boosts (an Announce) of a post."""

    announce: Announce
    author: AccountView
    reblog: PostView


@dataclass(frozen=True)
class NotificationView:
    notification: Notification
    # Mastodon's type, and fedlocal's own when it differs (interest, rsvp…).
    type: str
    account: AccountView
    status: PostView | None = None
    fedlocal_type: str | None = None
    # A moderation_warning's warning (Mastodon's AccountWarning).
    warning: AccountWarning | None = None


async def accounts(
    conn: AsyncConnection, actors: Sequence[Actor], *, with_moved: bool = True
) -> list[AccountView]:
    moved: dict[str, AccountView] = {}
    targets = {a.moved_to for a in actors if a.moved_to} if with_moved else set()
    if targets:
        found = [
            actor
            for uri in sorted(targets)
            if (actor := await actor_store.get_actor_by_uri(conn, uri)) is not None
        ]
        moved = {v.actor.uri: v for v in await accounts(conn, found, with_moved=False)}
    ids = [a.id for a in actors]
    followers, following = await timeline_store.follow_counts(conn, ids)
    stats = await timeline_store.status_stats(conn, ids)
    residents = [a.id for a in actors if a.role == "resident"]
    behind = await account_store.accounts_by_actor_ids(conn, residents)
    return [
        AccountView(
            actor=actor,
            followers_count=followers.get(actor.id, 0),
            following_count=following.get(actor.id, 0),
            statuses_count=stats.get(actor.id, (0, None))[0],
            last_status_at=stats.get(actor.id, (0, None))[1],
            account=behind.get(actor.id),
            moved=moved.get(actor.moved_to) if actor.moved_to else None,
        )
        for actor in actors
    ]


async def account(conn: AsyncConnection, actor: Actor) -> AccountView:
    return (await accounts(conn, [actor]))[0]


async def posts(
    conn: AsyncConnection, viewer: Actor | None, items: Sequence[Post], *, listing: bool = True
) -> list[PostView]:
    """Views of posts the viewer may see (others are dropped), in order; in a `listing`
    (the default: timelines, streams, replies, search), not those of the accounts the
    viewer blocks, mutes or hides by domain either (`visibility.visible`)."""
    shown = await visible(conn, viewer, items, listing=listing)
    if not shown:
        return []
    ids = [p.id for p in shown]
    uris = [p.uri for p in shown]
    parents = await timeline_store.posts_by_uris(
        conn, [p.in_reply_to_uri for p in shown if p.in_reply_to_uri]
    )
    mention_uris = [m.href for p in shown for m in p.mentions]
    mentioned = await timeline_store.actors_by_uris(conn, mention_uris)
    authors = await timeline_store.actors_by_ids(conn, [p.actor_id for p in shown])
    author_views = {v.actor.id: v for v in await accounts(conn, list(authors.values()))}
    replies = await timeline_store.reply_counts(conn, uris)
    boosts = await announce_store.boost_counts(conn, ids)
    likes = await favourite_store.counts(conn, ids)
    liked = await favourite_store.liked_by(conn, viewer.id, ids) if viewer else set()
    boosted = await timeline_store.reblogged_by(conn, viewer.id, ids) if viewer else set()
    pinned = await pin_store.pinned_by_author(conn, ids)
    marked = await bookmark_store.among(conn, viewer.id, ids) if viewer else set()
    purchases = await purchase_store.get_many(
        conn, [p.id for p in shown if p.kind == "group_purchase"]
    )
    # A remote copy's edited_at is the version of its last Update (what orders them);
    # only an edit of its text keeps an earlier version.
    edited = await edit_store.with_versions(
        conn, [p.id for p in shown if not p.is_local and p.edited_at is not None]
    )
    views = []
    for post in shown:
        parent = parents.get(post.in_reply_to_uri) if post.in_reply_to_uri else None
        views.append(
            PostView(
                post=post,
                author=author_views[post.actor_id],
                replies_count=replies.get(post.uri, 0),
                reblogs_count=boosts.get(post.id, 0),
                favourites_count=likes.get(post.id, 0),
                favourited=post.id in liked,
                reblogged=post.id in boosted,
                bookmarked=post.id in marked,
                in_reply_to_id=parent.id if parent else None,
                in_reply_to_account_id=parent.actor_id if parent else None,
                mentions=tuple(mentioned[m.href] for m in post.mentions if m.href in mentioned),
                pinned=post.id in pinned,
                group_purchase=purchases.get(post.id),
                unedited_copy=not post.is_local
                and post.edited_at is not None
                and post.id not in edited,
            )
        )
    return views


async def post(conn: AsyncConnection, viewer: Actor | None, item: Post) -> PostView | None:
    found = await posts(conn, viewer, [item], listing=False)
    return found[0] if found else None


# Notifications: fedlocal's types as Mastodon clients know them. `interest` is the direct
# message the interested neighbour sent (a private mention), or, when they sent none (a
# FEP-0837 offer), a like of the listing; RSVPs to one's event are likes of it; the
# organiser's answer to one's RSVP is a mention carrying the event; a step of an offer
# with a neighbour (reserved for them, lent until a day, a reminder…) is an `update` of
# the offer, whose content states its status ("Statut : Prêté jusqu'au 8 mai 2031").
MASTODON_TYPES = {
    "mention": "mention",
    "status": "status",
    "reblog": "reblog",
    "follow": "follow",
    "follow_request": "follow_request",
    "favourite": "favourite",
    "poll": "poll",
    "update": "update",
    "interest": "mention",
    "rsvp": "favourite",
    "rsvp_accepted": "mention",
    "rsvp_rejected": "mention",
    "agreement": "update",
    **{f"listing_{step}": "update" for step in LISTING_STEPS},
    "listing_reminder_author": "update",
    "listing_overdue_author": "update",
    "group_purchase_confirmed": "update",
    "group_purchase_cancelled": "update",
    # A purchase's server elsewhere answered a resident's commitment.
    "group_purchase_accepted": "mention",
    "group_purchase_refused": "mention",
    "group_purchase_change_refused": "mention",
    "moderation_warning": "moderation_warning",
    # Rides (services/rides.py): a booking is a like of the ride; the driver's answer and
    # cancellations are mentions carrying it.
    "ride_booking": "favourite",
    "ride_accepted": "mention",
    "ride_declined": "mention",
    "ride_booking_cancelled": "mention",
    "ride_cancelled": "mention",
}
NEEDS_STATUS = frozenset({"mention", "status", "reblog", "favourite", "poll", "update"})


def internal_types(mastodon_types: Sequence[str]) -> list[str]:
    """The stored types that show as any of `mastodon_types`."""
    wanted = set(mastodon_types)
    return [internal for internal, shown in MASTODON_TYPES.items() if shown in wanted]


async def notifications(
    conn: AsyncConnection, viewer: Actor, items: Sequence[Notification]
) -> list[NotificationView]:
    """Views of notifications; those clients could not show (their post is gone, or a type
    with no Mastodon equivalent) are left out."""
    actor_map = await timeline_store.actors_by_ids(
        conn, [n.actor_id for n in items if n.actor_id is not None]
    )
    account_views = {v.actor.id: v for v in await accounts(conn, list(actor_map.values()))}
    subject_ids = [n.post_id for n in items if n.post_id is not None]
    subjects = await timeline_store.posts_by_ids(conn, subject_ids)
    # An interest notification shows the neighbour's message when there is one.
    interests = {
        n.id: (n.post_id, n.actor_id)
        for n in items
        if n.type == "interest" and n.post_id is not None and n.actor_id is not None
    }
    message_uris = await interest_store.message_uris(conn, list(interests.values()))
    sent = await timeline_store.posts_by_uris(conn, list(message_uris.values()))
    messages: dict[int, Post] = {}
    for n_id, pair in interests.items():
        message = sent.get(message_uris.get(pair, ""))
        if message is not None:
            messages[n_id] = message
    shown_posts = list(subjects.values()) + list(messages.values())
    # Notifications from hidden accounts are left out by the store; a mention from an
    # account muted without its notifications still shows its post.
    post_views = {v.post.id: v for v in await posts(conn, viewer, shown_posts, listing=False)}
    warnings = await moderation_store.warnings_by_ids(
        conn, [n.warning_id for n in items if n.warning_id is not None]
    )
    views = []
    for n in items:
        shown_type = MASTODON_TYPES.get(n.type)
        who = account_views.get(n.actor_id) if n.actor_id is not None else None
        if shown_type is None or who is None:
            continue
        subject = messages.get(n.id) or (subjects.get(n.post_id) if n.post_id else None)
        if n.type == "interest" and n.id not in messages:
            shown_type = "favourite"
        status = post_views.get(subject.id) if subject is not None else None
        if shown_type in NEEDS_STATUS and status is None:
            continue
        views.append(
            NotificationView(
                notification=n,
                type=shown_type,
                account=who,
                status=status,
                fedlocal_type=n.type if n.type != shown_type else None,
                warning=warnings.get(n.warning_id) if n.warning_id is not None else None,
            )
        )
    return views
