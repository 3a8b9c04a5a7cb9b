"""Accounts as the staff see them (Mastodon's admin API: Admin::Account): ours and remote
ones, with their role, approval, disabled logins, limit and suspension."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.paging import PageQuery
from ..models import Account, Actor, Post
from ..store import accounts as account_store
from ..store import moderation as moderation_store
from ..store import posts as post_store
from ..store import timelines as timeline_store
from ..store.moderation import AccountFilter as AccountFilter  # the API builds it
from ..store.moderation import ModerationState
from . import views
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .staff import require_staff
from .views import AccountView

MAX_PAGE = 200
STATUSES = ("active", "pending", "disabled", "silenced", "suspended")
ORIGINS = ("local", "remote")


@dataclass(frozen=True)
class AdminAccountView:
    view: AccountView
    account: Account | None
    state: ModerationState

    @property
    def actor(self) -> Actor:
        return self.view.actor


def account_filter(
    *,
    origin: str | None,
    status: str | None,
    by_domain: str | None = None,
    username: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    staff: bool = False,
) -> AccountFilter:
    if origin is not None and origin not in ORIGINS:
        raise InvalidInput("origin is local or remote", field="origin")
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            "status is one of: %(statuses)s", statuses=", ".join(STATUSES), field="status"
        )
    return AccountFilter(
        origin=origin,
        status=status,
        by_domain=by_domain or None,
        username=username or None,
        display_name=display_name or None,
        email=email or None,
        staff=staff,
    )


async def listing(
    ctx: ServiceContext, staff: Account, wanted: AccountFilter, page: PageQuery
) -> list[AdminAccountView]:
    require_staff(staff)
    async with ctx.db.read() as conn:
        ids = await moderation_store.admin_account_ids(
            conn,
            wanted,
            max_id=page.max_id,
            since_id=page.since_id,
            min_id=page.min_id,
            limit=max(1, min(page.limit, MAX_PAGE)),
        )
        return await _views(conn, ids)


async def one(ctx: ServiceContext, staff: Account, actor_id: int) -> AdminAccountView:
    require_staff(staff)
    async with ctx.db.read() as conn:
        found = await _views(conn, [actor_id])
    if not found or found[0].actor.role not in ("resident", "remote"):
        raise NotFound("no such account")
    return found[0]


async def _views(conn: AsyncConnection, ids: list[int]) -> list[AdminAccountView]:
    actors = await timeline_store.actors_by_ids(conn, ids)
    ordered = [actors[i] for i in ids if i in actors]
    account_views = await views.accounts(conn, ordered)
    behind = await account_store.accounts_by_actor_ids(conn, [a.id for a in ordered])
    states = await moderation_store.states(conn, [a.id for a in ordered])
    return [
        AdminAccountView(
            view=view,
            account=behind.get(view.actor.id),
            state=states.get(view.actor.id) or ModerationState(view.actor.id),
        )
        for view in account_views
    ]


async def recent_posts(
    ctx: ServiceContext, staff: Account, actor_id: int, *, limit: int = 10
) -> list[Post]:
    """The account's newest posts as moderators see them (any visibility but direct)."""
    require_staff(staff)
    async with ctx.db.read() as conn:
        return await post_store.list_actor_posts(
            conn, actor_id, visibilities=("public", "unlisted", "followers", "local"), limit=limit
        )
