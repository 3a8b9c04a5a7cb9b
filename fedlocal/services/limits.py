"""Limited and suspended accounts in public lists: one filter for every list that shows
people's posts to whoever asks (public timelines, tags, the nearby feed, the landing
page, the Atom feed). See services/moderation_actions.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from ..models import Actor
from ..store import moderation as moderation_store
from .context import ServiceContext


async def hidden_authors(ctx: ServiceContext, viewer: Actor | None) -> Select[Any]:
    """The authors whose posts `viewer` does not get in public lists: suspended ones,
    and limited ones (by themselves or by a silenced domain) the viewer does not follow.
    A subquery for the list's own statement: no round trip of its own."""
    return moderation_store.hidden_authors(
        viewer.id if viewer is not None else None, await ctx.domains.silenced_hosts()
    )
