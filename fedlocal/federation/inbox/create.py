"""Create: a new post from a remote actor."""

from __future__ import annotations

from ...services import groups, inbound
from ...store import posts as post_store
from .authored import Authored, authored_post
from .context import Ignored, InboxContext


async def prepare(ctx: InboxContext) -> Authored:
    return await authored_post(ctx, ctx.activity.get("object"), "Create")


async def apply(ctx: InboxContext, conn, authored: Authored) -> None:
    prepared, author = authored.data, authored.author
    # A post to one of our groups is the group's to share, if the author is a member;
    # from anyone else it is refused (and not kept, unless it concerns us otherwise).
    addressed = list(prepared.recipients) + [m["href"] for m in prepared.data.get("mentions", [])]
    to_groups = await groups.addressed_groups(conn, addressed)
    member_of = [g for g in to_groups if await groups.is_member(conn, g, author)]
    if (
        to_groups
        and not member_of
        and not await inbound.is_related_to_us(
            conn, author, prepared, ignoring=tuple(g.uri for g in to_groups)
        )
    ):
        raise Ignored("a post to a group from someone who is not a member")
    known = await post_store.get_post_by_uri(conn, prepared.uri)
    post = await inbound.store_remote_post(conn, author, prepared, solicited=bool(member_of))
    if post is None:
        raise Ignored("a post unrelated to anyone here")
    if known is None:
        await inbound.notify_addressees(conn, author, post)
    for group in member_of:
        await groups.redistribute(ctx.services, conn, group, post, ctx.activity)
