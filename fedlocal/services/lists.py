"""A resident's lists (Mastodon's): made, renamed and removed from an app, holding
accounts the resident follows, each with its timeline and stream. An `exclusive` list
takes its members' posts out of home.

A list belongs to its owner alone: another resident's list is "not found", as Mastodon
answers."""

from __future__ import annotations

from collections.abc import Sequence

from ..boundary.paging import PageQuery
from ..clock import utcnow
from ..models import Actor, UserList
from ..store import lists as list_store
from ..store import timelines as timeline_store
from . import filters, views
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .views import AccountView, PostView

REPLIES_POLICIES = ("followed", "list", "none")
MAX_TITLE = 256
MAX_LISTS = 100
MAX_MEMBERS = 500


def title(text: str | None) -> str:
    """A list's (or a filter's) title: trimmed, not blank, at most MAX_TITLE characters."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput("Validation failed: Title can't be blank", field="title")
    if len(cleaned) > MAX_TITLE:
        raise InvalidInput("Validation failed: Title is too long", field="title")
    return cleaned


def _policy(policy: str | None) -> str:
    if policy not in REPLIES_POLICIES:
        raise InvalidInput(
            "Validation failed: Replies policy is not one of followed, list, none",
            field="replies_policy",
        )
    return policy


async def owned(ctx: ServiceContext, owner: Actor, list_id: int) -> UserList:
    async with ctx.db.read() as conn:
        found = await list_store.get(conn, list_id)
    if found is None or found.actor_id != owner.id:
        raise NotFound("Record not found")
    return found


async def lists_of(ctx: ServiceContext, owner: Actor) -> list[UserList]:
    async with ctx.db.read() as conn:
        return await list_store.lists_of(conn, owner.id)


async def create(
    ctx: ServiceContext,
    owner: Actor,
    *,
    name: str | None,
    replies_policy: str | None = None,
    exclusive: bool = False,
) -> UserList:
    cleaned = title(name)
    policy = _policy(replies_policy or "list")
    async with ctx.db.write() as conn:
        if len(await list_store.lists_of(conn, owner.id)) >= MAX_LISTS:
            raise InvalidInput("Validation failed: You have reached the maximum number of lists")
        return await list_store.create(
            conn, owner.id, title=cleaned, replies_policy=policy, exclusive=exclusive, at=utcnow()
        )


async def change(
    ctx: ServiceContext,
    owner: Actor,
    list_id: int,
    *,
    name: str | None = None,
    replies_policy: str | None = None,
    exclusive: bool | None = None,
) -> UserList:
    found = await owned(ctx, owner, list_id)
    values: dict[str, object] = {}
    if name is not None:
        values["title"] = title(name)
    if replies_policy is not None:
        values["replies_policy"] = _policy(replies_policy)
    if exclusive is not None:
        values["exclusive"] = exclusive
    async with ctx.db.write() as conn:
        if values:
            await list_store.change(conn, found.id, **values)
        changed = await list_store.get(conn, found.id)
    if changed is None:
        raise NotFound("Record not found")
    return changed


async def remove(ctx: ServiceContext, owner: Actor, list_id: int) -> None:
    found = await owned(ctx, owner, list_id)
    async with ctx.db.write() as conn:
        await list_store.remove(conn, found.id)


async def add_members(
    ctx: ServiceContext, owner: Actor, list_id: int, actor_ids: Sequence[int]
) -> None:
    """Add accounts the owner follows; any other is refused and nothing is added."""
    found = await owned(ctx, owner, list_id)
    if not actor_ids:
        raise InvalidInput("Validation failed: account_ids is missing", field="account_ids")
    async with ctx.db.write() as conn:
        states = await timeline_store.follow_states(conn, owner.id, actor_ids)
        if any(states.get(actor_id) != "accepted" for actor_id in actor_ids):
            raise NotFound("Record not found")
        if len(await list_store.members(conn, found.id, None)) + len(actor_ids) > MAX_MEMBERS:
            raise InvalidInput("Validation failed: This list is full")
        await list_store.add_members(conn, found.id, actor_ids, utcnow())


async def remove_members(
    ctx: ServiceContext, owner: Actor, list_id: int, actor_ids: Sequence[int]
) -> None:
    found = await owned(ctx, owner, list_id)
    async with ctx.db.write() as conn:
        await list_store.remove_members(conn, found.id, actor_ids)


async def members(
    ctx: ServiceContext, owner: Actor, list_id: int, page: PageQuery | None
) -> list[AccountView]:
    found = await owned(ctx, owner, list_id)
    async with ctx.db.read() as conn:
        return await views.accounts(conn, await list_store.members(conn, found.id, page))


async def lists_with(ctx: ServiceContext, owner: Actor, member_id: int) -> list[UserList]:
    async with ctx.db.read() as conn:
        return await list_store.lists_with_member(conn, owner.id, member_id)


async def timeline(
    ctx: ServiceContext, owner: Actor, list_id: int, page: PageQuery
) -> list[PostView]:
    found = await owned(ctx, owner, list_id)
    async with ctx.db.read() as conn:
        shown = await views.posts(conn, owner, await list_store.timeline(conn, found, page))
        return await filters.apply(conn, owner, shown, "home")
