"""Verified organisations: an admin marks one of our residents as an organisation of a
type (the town hall, a shop…), and categories reserved to some types are refused to
everyone else, whichever way the post comes in (web form, client API, command line).

The type shows on every page that shows the account, in the client API (a role and a
verified profile field) and on the actor (`Organization`, `fedlocal:organizationType`).
"""

from __future__ import annotations

from ..categories import Category
from ..models import Account, Actor
from ..organizations import ORGANIZATION_KEYS, OrganizationType, organization_type
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import residents as resident_store
from . import audit, outgoing
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound

RESERVED_CATEGORY = "this category is reserved for some verified organisations; choose another one"


def organization_of(actor: Actor) -> OrganizationType | None:
    """The actor's verified organisation type, if any."""
    return organization_type(actor.organization_type)


def check_category(ctx: ServiceContext, author: Actor, category_key: str | None) -> None:
    """Refuse a post in a category reserved to organisation types the author is not."""
    category: Category | None = ctx.categories.get(category_key)
    if category is not None and not category.allows(author.organization_type):
        raise InvalidInput(RESERVED_CATEGORY, field="category")


async def set_organization(
    ctx: ServiceContext, username: str, type_key: str | None, *, by_account_id: int | None
) -> Actor:
    """Mark our resident `username` as an organisation of `type_key` (None: a person
    again). The change is recorded in the audit log and sent to the account's followers
    (its actor document changes type)."""
    if type_key is not None and type_key not in ORGANIZATION_KEYS:
        raise InvalidInput(
            "unknown organisation type '%(type)s'", type=type_key, field="organization_type"
        )
    async with ctx.db.write() as conn:
        account = await account_store.get_account_by_username(conn, username)
        actor = await actor_store.get_actor(conn, account.actor_id) if account else None
        if account is None or actor is None or actor.role != "resident":
            raise NotFound("no such account")
        if actor.organization_type == type_key:
            return actor
        changed = await actor_store.set_organization_type(conn, actor.id, type_key)
        assert changed is not None
        await audit.record(
            conn,
            by_account_id=by_account_id,
            action="set_organization" if type_key else "unset_organization",
            target=f"account:@{actor.handle}",
            note=type_key or f"was {actor.organization_type}",
        )
        await ctx.outbox.send(conn, outgoing.ProfileUpdated(changed))
    ctx.outbox.wake()
    return changed


async def mark_account(
    ctx: ServiceContext, admin: Account, account_id: int, type_key: str | None
) -> Actor:
    """An admin's change of an account's organisation type (the admin page's form)."""
    if not admin.is_admin:
        raise Forbidden("only administrators do this")
    async with ctx.db.read() as conn:
        account = await resident_store.get_account(conn, account_id)
    if account is None:
        raise NotFound("no such account")
    return await set_organization(ctx, account.username, type_key, by_account_id=admin.id)
