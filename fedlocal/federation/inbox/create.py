"""Create: a new post from a remote actor."""

from __future__ import annotations

from ...services import blocks, groups, inbound
from .authored import Authored, authored_post
from .context import Ignored, InboxContext


async def prepare(ctx: InboxContext) -> Authored:
    return await authored_post(ctx, ctx.activity.get("object"), "Create")


async def apply(ctx: InboxContext, conn, authored: Authored) -> None:
    prepared, author = authored.data, authored.author
    # A post to one of our groups is the group's to share, if the author is a member;
    # from anyone else it is refused (and not kept, unless it concerns us otherwise).
    addressed = [*prepared.recipients, *(m.href for m in prepared.mentions)]
    # Our actors live under our base URL: no query for a post addressed to nobody here.
    ours = [uri for uri in addressed if isinstance(uri, str) and uri.startswith(ctx.our_prefix)]
    local_addressees = await inbound.our_actors(conn, ours)
    to_groups = [actor for actor in local_addressees if actor.role == "group"]
    member_of = [g for g in to_groups if await groups.is_member(conn, g, author)]
    if (
        to_groups
        and not member_of
        and not await inbound.is_related_to_us(
            conn, author, prepared, ignoring=tuple(g.uri for g in to_groups)
        )
    ):
        raise Ignored("a post to a group from someone who is not a member")
    if prepared.visibility == "direct" and await blocks.separates_from_all(
        conn, author, local_addressees
    ):
        raise Ignored("a direct message to people a block separates from its author")
    # A Create of a post we already hold is no edit unless it is newer (and its
    # author's): our copy stays as it is, and a group still shares it once.
    kept = await inbound.keep_remote_post(conn, author, prepared, solicited=bool(member_of))
    post = kept.post
    if post is None:
        raise Ignored(kept.reason)
    if kept.new:
        await inbound.notify_addressees(conn, author, post, among=local_addressees)
    for group in member_of:
        await groups.redistribute(ctx.services, conn, group, post, ctx.activity)
