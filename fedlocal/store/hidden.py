"""The one question every read path asks: whose posts and notifications a reader must not
be shown (blocks both ways, mutes, a resident's domain blocks). Kept apart from
`blocks.py` so the timelines' queries can use it without an import cycle."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select, union

from .clock import utcnow
from .tables import account_blocks, account_domain_blocks, account_mutes, actors, notifications


def active_mute() -> Any:
    return or_(account_mutes.c.expires_at.is_(None), account_mutes.c.expires_at > utcnow())


def domain_blocked_actors(viewer_id: int) -> Select[Any]:
    return select(actors.c.id).where(
        actors.c.domain.in_(
            select(account_domain_blocks.c.domain).where(
                account_domain_blocks.c.account_id == viewer_id
            )
        )
    )


def hidden_actors(viewer_id: int, *, notifications: bool = False) -> Select[Any]:
    """The ids of the actors whose posts (or, with `notifications`, whose notifications)
    `viewer_id` must not be shown: those they block, those who block them, those they
    mute (for notifications: with a mute that covers them), and those on a domain they
    block. One subquery, for `NOT IN` in any read."""
    muted = select(account_mutes.c.target_id).where(
        account_mutes.c.account_id == viewer_id, active_mute()
    )
    if notifications:
        muted = muted.where(account_mutes.c.notifications.is_(True))
    return (
        union(
            select(account_blocks.c.target_id).where(account_blocks.c.account_id == viewer_id),
            select(account_blocks.c.account_id).where(account_blocks.c.target_id == viewer_id),
            muted,
            domain_blocked_actors(viewer_id),
        )
        .subquery()
        .select()
    )


def notification_shown(recipient_id: int) -> Any:
    """The condition on `notifications` rows that leaves out those from the actors
    `recipient_id` blocks, is blocked by, mutes with their notifications, or whose domain
    they block: every way notifications are read or counted applies it."""
    return or_(
        notifications.c.actor_id.is_(None),
        notifications.c.actor_id.not_in(hidden_actors(recipient_id, notifications=True)),
    )
