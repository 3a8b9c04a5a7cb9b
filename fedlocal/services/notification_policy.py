"""Which notifications a resident sees: the one place that decides, for every way they
are read (the client API's lists, v1 and grouped v2, the streams, the unread counts).

A resident's policy (Mastodon 4.3's v2 shape) says, for each kind of sender, `accept`,
`filter` (kept aside: the sender's notifications make a notification request, which the
resident accepts or dismisses) or `drop` (not shown at all). It is applied when the
notifications are read, so a change applies to those already received too. Senders whose
request was accepted are never filtered; updates of one's own offers are never filtered.
Further reasons to hide a sender (blocks, mutes) belong in `sort_out`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ..clock import utcnow
from ..models import Actor
from ..store import notification_policies as policy_store
from ..store import timelines as timeline_store
from .context import ServiceContext
from .errors import InvalidInput
from .views import NotificationView

ACTIONS = ("accept", "filter", "drop")
SEVERITY = {action: rank for rank, action in enumerate(ACTIONS)}
# A sender whose account is younger than this is a new account.
NEW_ACCOUNT_AGE = timedelta(days=30)
# What a resident hears about whoever the sender: the steps of their own offers.
NEVER_FILTERED = frozenset({"update", "poll"})


@dataclass(frozen=True)
class Policy:
    # Everything is accepted until the resident says otherwise: an interested
    # neighbour is rarely someone one follows. Limited accounts do not exist here yet.
    for_not_following: str = "accept"
    for_not_followers: str = "accept"
    for_new_accounts: str = "accept"
    for_private_mentions: str = "accept"
    for_limited_accounts: str = "filter"
    updated_at: datetime | None = None


RULES = tuple(f.name for f in fields(Policy) if f.name.startswith("for_"))


async def policy_of(ctx: ServiceContext, viewer: Actor) -> Policy:
    async with ctx.db.read() as conn:
        return await _policy(conn, viewer.id)


async def _policy(conn: AsyncConnection, actor_id: int) -> Policy:
    row = await policy_store.policy_of(conn, actor_id)
    if row is None:
        return Policy()
    return Policy(**{rule: row[rule] for rule in RULES}, updated_at=row["updated_at"])


async def update_policy(ctx: ServiceContext, viewer: Actor, changes: Mapping[str, str]) -> Policy:
    """Change the rules named in `changes`; each value is accept, filter or drop."""
    for rule, action in changes.items():
        if rule not in RULES:
            raise InvalidInput("%(rule)s is not a notification policy rule", rule=rule)
        if action not in ACTIONS:
            raise InvalidInput("%(rule)s must be accept, filter or drop", field=rule, rule=rule)
    async with ctx.db.write() as conn:
        policy = replace(await _policy(conn, viewer.id), **changes, updated_at=utcnow())
        await policy_store.save_policy(
            conn, viewer.id, {rule: getattr(policy, rule) for rule in RULES}, utcnow()
        )
    return policy


@dataclass(frozen=True)
class Sorted:
    shown: list[NotificationView]
    # Kept aside by the policy: the notification requests.
    filtered: list[NotificationView]


async def sort_out(
    conn: AsyncConnection, viewer: Actor, views: Sequence[NotificationView]
) -> Sorted:
    """`views` (in their order) as `viewer` sees them: shown, filtered, or dropped."""
    senders = list({v.account.actor.id for v in views} - {viewer.id})
    if not senders:
        return Sorted(list(views), [])
    policy = await _policy(conn, viewer.id)
    permitted = await policy_store.permitted(conn, viewer.id, senders)
    following = await timeline_store.follow_states(conn, viewer.id, senders)
    followers = await timeline_store.follower_states(conn, viewer.id, senders)
    new_since = utcnow() - NEW_ACCOUNT_AGE
    shown, filtered = [], []
    for view in views:
        sender = view.account.actor
        if sender.id == viewer.id or sender.id in permitted or view.type in NEVER_FILTERED:
            shown.append(view)
            continue
        follows_them = following.get(sender.id) == "accepted"
        applying = [
            policy.for_not_following if not follows_them else "accept",
            policy.for_not_followers if followers.get(sender.id) != "accepted" else "accept",
            policy.for_new_accounts if sender.created_at > new_since else "accept",
            policy.for_private_mentions if _private_mention(view, follows_them) else "accept",
        ]
        action = max(applying, key=SEVERITY.__getitem__)
        if action == "accept":
            shown.append(view)
        elif action == "filter":
            filtered.append(view)
    return Sorted(shown, filtered)


def _private_mention(view: NotificationView, follows_sender: bool) -> bool:
    return (
        view.type == "mention"
        and view.status is not None
        and view.status.post.visibility == "direct"
        and not follows_sender
    )


async def accept_senders(ctx: ServiceContext, viewer: Actor, sender_ids: Sequence[int]) -> None:
    """Never filter these senders' notifications again (their requests are accepted)."""
    async with ctx.db.write() as conn:
        await policy_store.permit(conn, viewer.id, sender_ids, utcnow())
