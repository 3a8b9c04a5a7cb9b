"""Create: a new post from a remote actor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...models import Actor
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


# --- runs of Creates ---------------------------------------------------------------------
# A steady flow from the instances our residents follow is mostly plain Creates: new posts
# from followed actors or from our groups' members. Stored one by one, each costs a dozen
# statements; the worker hands a run of them here, where the lookups are made once for the
# run and the posts, their ids received and their hashtags are written in one statement
# each (docs/performance.md, "Inbox processing cost"). Anything else (a post we already
# hold, one from an actor nobody here follows, a direct message a block stops) goes
# through `apply`, in its place in the run.


@dataclass(frozen=True)
class Planned:
    """A Create found plain enough for `apply_planned`: the post is new and its author is
    followed here or a member of a group of ours it addresses. `local_addressees` are our
    actors it addresses, `member_of` the groups among them that share it."""

    local_addressees: list[Actor]
    member_of: list[Actor]


async def plan_many(
    conn, items: Sequence[tuple[str, InboxContext, Authored]]
) -> list[Planned | None]:
    """For each (activity id, context, prepared post) of a run: a plan when `apply`
    would store the post without a question beyond what these lookups answer (and, for a
    direct message, `blocked_since`), else None.
    The lookups hold for the whole run as long as it is applied in order: a Create
    changes no follow and no actor, and two items sharing an id are both left to
    `apply`. The inbox worker makes them in a read before its write transaction
    (`InboxWorker._commit_creates` says what may change in between, and how that is
    caught)."""
    ours_of = []
    for _, ctx, authored in items:
        data = authored.data
        addressed = [*data.recipients, *(m.href for m in data.mentions)]
        ours_of.append(
            [uri for uri in addressed if isinstance(uri, str) and uri.startswith(ctx.our_prefix)]
        )
    known = {
        actor.uri: actor
        for actor in await inbound.our_actors(conn, [uri for ours in ours_of for uri in ours])
    }
    authors = [authored.author for _, _, authored in items]
    post_uris = [authored.data.uri for _, _, authored in items]
    unheld = await inbound.unheld_among(conn, post_uris)
    followed = await inbound.followed_among(conn, authors)
    our_groups = [actor for actor in known.values() if actor.role == "group"]
    members = await groups.memberships(conn, authors, our_groups) if our_groups else set()
    repeated = _repeated([activity_id for activity_id, _, _ in items]) | _repeated(post_uris)
    plans: list[Planned | None] = []
    for (activity_id, _, authored), ours in zip(items, ours_of, strict=True):
        # What `inbound.our_actors(conn, ours)` gives `apply`, in the same order.
        local = [known[uri] for uri in dict.fromkeys(ours) if uri in known]
        member_of = [
            actor
            for actor in local
            if actor.role == "group" and (authored.author.id, actor.id) in members
        ]
        # `apply` keeps a new post from a followed author, or from a member of a group it
        # addresses, with no other question but, for a direct message, a block
        # (`blocked_since`, asked in the write transaction).
        plain = (
            authored.data.uri in unheld
            and (authored.author.id in followed or bool(member_of))
            and activity_id not in repeated
            and authored.data.uri not in repeated
        )
        plans.append(Planned(local, member_of) if plain else None)
    return plans


async def blocked_since(conn, authored: Authored, plan: Planned) -> bool:
    """For a planned direct message: whether a block separates its author from everyone
    here it addresses. Asked in the write transaction that stores the run rather than by
    `plan_many`, which is made before it: a block made in between still stops the
    message, as `apply` would."""
    return authored.data.visibility == "direct" and await blocks.separates_from_all(
        conn, authored.author, plan.local_addressees
    )


def _repeated(values: list[str]) -> set[str]:
    seen: set[str] = set()
    return {value for value in values if value in seen or seen.add(value)}  # type: ignore[func-returns-value]


async def apply_planned(conn, items: Sequence[tuple[InboxContext, Authored, Planned]]) -> None:
    """`apply` for a run of planned Creates (their ids just recorded as received), in
    order."""
    posts = await inbound.keep_new_remote_posts(
        conn,
        [(authored.author, authored.data) for _, authored, _ in items],
        wanted=[bool(plan.local_addressees or plan.member_of) for _, _, plan in items],
    )
    # A post not read back addresses nobody here and no group: nobody to tell, nothing
    # to share (and, not being a direct message, no interest to record).
    await inbound.notify_addressees_many(
        conn,
        [
            (authored.author, post, plan.local_addressees)
            for (_, authored, plan), post in zip(items, posts, strict=True)
            if post is not None
        ],
    )
    for (ctx, _, plan), post in zip(items, posts, strict=True):
        for group in plan.member_of:
            assert post is not None  # wanted
            await groups.redistribute(ctx.services, conn, group, post, ctx.activity)
