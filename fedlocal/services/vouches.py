"""Trust between residents: "I know this person".

An active resident (approved, not suspended) vouches for a neighbour of this instance
from their profile, or from the list of sign-ups waiting in the `vouch` mode, and may
withdraw it. The vouched-for resident is told. In the `vouch` sign-up mode a waiting
account opens once `vouches_needed` active residents vouch for it, through the same
`signup.activate` as an admin's approval.

Who vouched is shown on a profile with consent, one setting per resident ("show who
knows me", off by default) that covers both sides: a profile lists its vouchers only if
its resident turned it on, and names only the vouchers who turned it on too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import moderation as moderation_store
from ..store import notifications as notification_store
from ..store import vouches as vouch_store
from ..store.clock import utcnow
from ..store.vouches import Waiting
from . import signup
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound


@dataclass(frozen=True)
class Trust:
    """What a profile page shows of trust: who vouches (as consented), and whether the
    resident looking vouches for them and may."""

    shown_vouchers: list[Actor]
    viewer_vouches: bool
    viewer_may_vouch: bool


def _check_voucher(account: Account | None) -> Account:
    if account is None or not account.is_approved or account.is_disabled:
        raise Forbidden("only active residents vouch for their neighbours")
    return account


async def _vouchee(
    ctx: ServiceContext, conn: AsyncConnection, voucher: Account, actor_id: int
) -> Account:
    """The account of the neighbour `actor_id`, held for the transaction; NotFound or
    InvalidInput saying why one cannot vouch for them."""
    actor = await actor_store.get_actor(conn, actor_id)
    if actor is None:
        raise NotFound("no such account")
    target = await account_store.get_account_by_actor(conn, actor_id)
    if target is None or not actor.is_local or actor.role != "resident":
        raise InvalidInput("one vouches only for residents of this instance")
    if target.id == voucher.id:
        raise InvalidInput("you cannot vouch for yourself")
    if target.is_disabled or (not target.is_approved and ctx.config.signup_mode != "vouch"):
        raise NotFound("no such account")
    locked = await vouch_store.lock_account(conn, target.id)
    assert locked is not None
    return locked


async def vouch(ctx: ServiceContext, voucher: Account, actor_id: int) -> bool:
    """`voucher` says they know the resident whose actor is `actor_id`. Returns whether
    this vouch opened their waiting account."""
    async with ctx.db.write() as conn:
        # Only the vouched-for account's row is held (two residents vouching for each
        # other at once must not wait on each other's rows).
        me = _check_voucher(await account_store.get_account_by_actor(conn, voucher.actor_id))
        if await moderation_store.is_limited(conn, me.actor_id):
            # A limited account's word does not open accounts (docs/moderation.md).
            raise Forbidden("only active residents vouch for their neighbours")
        target = await _vouchee(ctx, conn, me, actor_id)
        if not await vouch_store.add(conn, voucher_id=me.id, vouchee_id=target.id, now=utcnow()):
            raise Conflict("you already vouch for this person")
        await notification_store.add(
            conn, recipient_id=target.actor_id, type="vouch", actor_id=me.actor_id
        )
        opened = False
        if not target.is_approved and ctx.config.signup_mode == "vouch":
            count = await vouch_store.count_active_vouchers(conn, target.id)
            if count >= ctx.config.vouches_needed:
                opened = await signup.activate(conn, target.id, me.actor_id)
    return opened


async def withdraw(ctx: ServiceContext, voucher: Account, actor_id: int) -> None:
    """`voucher` no longer vouches for the resident whose actor is `actor_id`. An account
    opened already stays open."""
    async with ctx.db.write() as conn:
        target = await account_store.get_account_by_actor(conn, actor_id)
        if target is None or not await vouch_store.remove(
            conn, voucher_id=voucher.id, vouchee_id=target.id
        ):
            raise NotFound("you do not vouch for this person")


async def waiting(ctx: ServiceContext, viewer: Account) -> list[Waiting]:
    """The sign-ups waiting for vouches, for an active resident to recognise (admins see
    them in every mode; residents only in the `vouch` mode)."""
    if not viewer.is_admin:
        _check_voucher(viewer)
        if ctx.config.signup_mode != "vouch":
            raise NotFound("sign-ups here do not wait for neighbours")
    async with ctx.db.read() as conn:
        return await vouch_store.waiting(conn, viewer.id)


async def my_vouches(ctx: ServiceContext, account: Account) -> tuple[int, int]:
    """(vouches from active residents, vouches needed) for a waiting account."""
    async with ctx.db.read() as conn:
        count = await vouch_store.count_active_vouchers(conn, account.id)
    return count, ctx.config.vouches_needed


async def trust(ctx: ServiceContext, viewer: Account | None, actor: Actor) -> Trust:
    """What `actor`'s profile shows of trust to `viewer` (None: a visitor)."""
    async with ctx.db.read() as conn:
        target = await account_store.get_account_by_actor(conn, actor.id)
        if target is None:
            return Trust([], False, False)
        shown = (
            await vouch_store.shown_vouchers(conn, target.id)
            if await vouch_store.shows_vouches(conn, target.id)
            else []
        )
        viewer_vouches = viewer is not None and await vouch_store.exists(
            conn, voucher_id=viewer.id, vouchee_id=target.id
        )
    may = (
        viewer is not None
        and viewer.id != target.id
        and viewer.is_approved
        and not viewer.is_disabled
        and not target.is_disabled
        and (target.is_approved or ctx.config.signup_mode == "vouch")
    )
    return Trust(shown, viewer_vouches, may)


async def shows_vouches(ctx: ServiceContext, account: Account) -> bool:
    async with ctx.db.read() as conn:
        return await vouch_store.shows_vouches(conn, account.id)


async def set_shows_vouches(ctx: ServiceContext, account: Account, shown: bool) -> None:
    """The resident's consent: show who vouched for them on their profile, and their name
    on the profiles of those they vouch for."""
    async with ctx.db.write() as conn:
        await vouch_store.set_shows_vouches(conn, account.id, shown)
