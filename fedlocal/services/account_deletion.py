"""Deleting one of our accounts, by its resident (settings, with their password), by an
admin (audited) or from the command line.

One write transaction: the actor is claimed (marked gone, profile wiped), a Delete of
the actor is queued for every server that knew it, then every row of the account goes
(posts of all kinds, messages, media, a data download, follows, sessions, tokens, push
subscriptions, vouches, blocks, bookmarks, lists, filters, markers, notifications, terms
acceptances, reports by them). Reports about them stay with their snapshot; the actor row and its
key stay so the URI answers 410 and the Delete can still be signed and delivered (as
Mastodon keeps the key). Two deletions at once: the second finds the actor gone and
gets Conflict, having changed nothing."""

from __future__ import annotations

from ..models import Account, Actor
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import erasure
from ..store import residents as resident_store
from . import data_exports, media, outgoing
from .audit import record
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .login import check_password


async def delete_own_account(
    ctx: ServiceContext, account: Account, *, password: str, address: str
) -> None:
    """The resident deletes their account, confirming with their password (checked under
    the login limit, as a password change is). Raises TooManyAttempts or Busy as a login
    does."""
    async with ctx.db.read() as conn:
        fresh = await resident_store.get_account(conn, account.id)
    if fresh is None:
        raise Conflict("this account is already deleted or being deleted")
    if not await check_password(ctx, fresh, password, address=address):
        raise InvalidInput("the current password is wrong", field="current_password")
    await _delete(ctx, fresh)


async def delete_by_admin(ctx: ServiceContext, admin: Account, account_id: int) -> str:
    """An admin deletes an account (audited); the deleted username."""
    if not admin.is_admin:
        raise Forbidden("only administrators do this")
    async with ctx.db.read() as conn:
        account = await resident_store.get_account(conn, account_id)
    if account is None:
        raise NotFound("no such account")
    if account.id == admin.id:
        raise Forbidden("delete your own account from your settings")
    await _delete(ctx, account, by=admin, audited=True)
    return account.username


async def account_named(ctx: ServiceContext, username: str) -> tuple[Account, Actor]:
    """One of our residents' accounts, with its actor, by username (the command line)."""
    async with ctx.db.read() as conn:
        actor = await actor_store.get_local_actor(conn, username)
        account = await account_store.get_account_by_actor(conn, actor.id) if actor else None
    if account is None or actor is None:
        raise NotFound("no local account named '%(name)s'", name=username)
    return account, actor


async def delete_from_cli(ctx: ServiceContext, username: str) -> None:
    """`fedlocal user delete`: the operator deletes an account by its username."""
    account, _actor = await account_named(ctx, username)
    await _delete(ctx, account, audited=True)


async def _delete(
    ctx: ServiceContext, account: Account, *, by: Account | None = None, audited: bool = False
) -> None:
    download = await data_exports.current(ctx, account)
    async with ctx.db.write() as conn:
        actor = await actor_store.get_actor(conn, account.actor_id)
        if actor is None or not await erasure.claim_actor(conn, account.actor_id):
            raise Conflict("this account is already deleted or being deleted")
        inboxes = await erasure.remote_inboxes(conn, actor.id)
        await ctx.outbox.send(conn, outgoing.AccountDeleted(actor, tuple(inboxes)))
        unused = await media.release_actor_media(conn, actor.id)
        await erasure.erase_account_rows(conn, actor.id, account.id)
        if audited:
            await record(
                conn,
                by_account_id=by.id if by else None,
                action="delete_account",
                target=f"account:@{actor.handle}",
            )
    await media.remove_unused_files(ctx, unused)
    if download is not None and download.file_name:
        await data_exports.remove_file(ctx, download.file_name)
