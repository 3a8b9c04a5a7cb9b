"""Signing up by the instance's mode, and what admins do about sign-ups.

- `open`: anyone signs up and can log in at once;
- `approval`: the account exists but cannot log in until an admin approves it (a
  rejected sign-up is deleted: nothing of it was ever federated);
- `invite`: a valid invitation code is needed; each use counts against the code;
- `vouch`: the account waits, as in `approval`, until `vouches_needed` residents say they
  know the newcomer (services/vouches.py) or an admin approves it. The newcomer writes a
  few words and may name their quarter, shown to residents so those who know them can
  find them.

Every way an account opens (an admin's approval, the last vouch needed) goes through
`activate`: the newcomer finds a welcome among their notifications.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from ..store import actors as actor_store
from ..store import invites as invite_store
from ..store import notifications as notification_store
from ..store import residents as resident_store
from ..store import vouches as vouch_store
from ..store.clock import utcnow
from ..store.invites import Invite
from . import media
from .accounts import create_account, validate_password, validate_username
from .audit import record
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound, ServiceError

MAX_INVITE_USES = 100
MAX_INVITE_DAYS = 365
INVITE_CODE_LENGTH = 10  # letters and digits: about 50 bits
PRESENTATION_MAX = 500


async def sign_up(
    ctx: ServiceContext,
    *,
    username: str,
    password: str,
    email: str | None = None,
    invite_code: str | None = None,
    locale: str | None = None,
    presentation: str | None = None,
    quarter: str | None = None,
    agreement: bool = False,
) -> tuple[Account, Actor]:
    """A new resident, approved or not by the instance's sign-up mode. `presentation`
    and `quarter` are for the `vouch` mode (ignored otherwise). `agreement`: they accept
    the current terms of use and privacy policy (required; recorded with the terms'
    version and the time)."""
    if not agreement:
        raise InvalidInput(
            "to sign up, accept the terms of use and the privacy policy", field="agreement"
        )
    terms = ctx.config.legal.terms_version
    mode = ctx.config.signup_mode
    if mode == "vouch":
        return await _sign_up_to_be_vouched(
            ctx, username, password, email, locale, presentation, quarter
        )
    if mode != "invite":
        return await create_account(
            ctx,
            username,
            password,
            email=email,
            approved=mode == "open",
            locale=locale,
            terms_version=terms,
        )
    code = (invite_code or "").strip()
    if not code:
        raise InvalidInput("an invitation code is needed to sign up here", field="invite_code")
    # Check what can be checked first, so a typo does not use up the invitation.
    validate_username(username)
    validate_password(password)
    async with ctx.db.write() as conn:
        claimed = await invite_store.claim(conn, code[:64], now=utcnow())
    if not claimed:
        raise InvalidInput("this invitation code is not valid", field="invite_code")
    try:
        return await create_account(
            ctx, username, password, email=email, locale=locale, terms_version=terms
        )
    except ServiceError:
        async with ctx.db.write() as conn:
            await invite_store.unclaim(conn, code[:64])
        raise


async def _sign_up_to_be_vouched(
    ctx: ServiceContext,
    username: str,
    password: str,
    email: str | None,
    locale: str | None,
    presentation: str | None,
    quarter: str | None,
) -> tuple[Account, Actor]:
    text = " ".join((presentation or "").split())
    if not text:
        raise InvalidInput(
            "a few words about you help the neighbours who know you find you",
            field="presentation",
        )
    if len(text) > PRESENTATION_MAX:
        raise InvalidInput(
            "a presentation has at most %(max)s characters",
            max=PRESENTATION_MAX,
            field="presentation",
        )
    found = ctx.config.find_quarter(quarter) if quarter and quarter.strip() else None
    if quarter and quarter.strip() and found is None:
        raise InvalidInput("unknown quarter '%(quarter)s'", quarter=quarter, field="quarter")
    account, actor = await create_account(
        ctx, username, password, email=email, approved=False, locale=locale
    )
    async with ctx.db.write() as conn:
        await vouch_store.set_presentation(conn, account.id, text)
        if found is not None:
            await resident_store.update_profile(
                conn, actor.id, display_name=actor.display_name, home_quarter=found.name
            )
        fresh = await actor_store.get_actor(conn, actor.id)
    return account, fresh or actor


async def activate(conn: AsyncConnection, account_id: int, by: int) -> bool:
    """Open a waiting account (inside the caller's transaction) and welcome its resident:
    a notification from `by` (the actor of the admin who approved, or of the resident
    whose vouch was the last needed). False when it was not waiting."""
    account = await resident_store.get_account(conn, account_id)
    if account is None or not await resident_store.approve(conn, account_id):
        return False
    await notification_store.add(
        conn, recipient_id=account.actor_id, type="signup_approved", actor_id=by
    )
    return True


def _require_admin(admin: Account) -> None:
    if not admin.is_admin:
        raise Forbidden("only administrators do this")


async def pending_signups(ctx: ServiceContext, admin: Account) -> list[tuple[Account, Actor]]:
    _require_admin(admin)
    async with ctx.db.read() as conn:
        return await resident_store.list_accounts(conn, approved=False)


async def residents(ctx: ServiceContext, admin: Account) -> list[tuple[Account, Actor]]:
    """Every approved account, newest first, with its actor."""
    _require_admin(admin)
    async with ctx.db.read() as conn:
        return await resident_store.list_accounts(conn, approved=True)


async def approve_signup(ctx: ServiceContext, admin: Account, account_id: int) -> None:
    _require_admin(admin)
    async with ctx.db.write() as conn:
        waiting = await resident_store.get_account(conn, account_id)
        if waiting is None or not await activate(conn, account_id, admin.actor_id):
            raise NotFound("no such sign-up waiting")
        await record(
            conn, by_account_id=admin.id, action="approve", target=f"account:@{waiting.username}"
        )


async def reject_signup(ctx: ServiceContext, admin: Account, account_id: int) -> None:
    _require_admin(admin)
    async with ctx.db.write() as conn:
        account = await resident_store.get_account(conn, account_id)
        unused = await media.release_actor_media(conn, account.actor_id) if account else []
        if account is None or not await resident_store.delete_unapproved(conn, account_id):
            raise NotFound("no such sign-up waiting")
        await record(
            conn, by_account_id=admin.id, action="reject", target=f"account:@{account.username}"
        )
    await media.remove_unused_files(ctx, unused)


async def create_invite(
    ctx: ServiceContext, admin: Account, *, max_uses: int = 1, days: int | None = 7
) -> Invite:
    _require_admin(admin)
    if not 1 <= max_uses <= MAX_INVITE_USES:
        raise InvalidInput(
            "an invitation is used 1 to %(max)s times", max=MAX_INVITE_USES, field="max_uses"
        )
    if days is not None and not 1 <= days <= MAX_INVITE_DAYS:
        raise InvalidInput(
            "an invitation lasts 1 to %(max)s days", max=MAX_INVITE_DAYS, field="days"
        )
    now = utcnow()
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
    code = "".join(secrets.choice(alphabet) for _ in range(INVITE_CODE_LENGTH))
    async with ctx.db.write() as conn:
        invite = await invite_store.insert_invite(
            conn,
            code=code,
            created_by=admin.id,
            max_uses=max_uses,
            now=now,
            expires_at=now + timedelta(days=days) if days else None,
        )
        await record(
            conn,
            by_account_id=admin.id,
            action="create_invite",
            target=f"invite:{invite.id}",
            note=f"{max_uses} × {days or '∞'}",
        )
        return invite


async def invites(ctx: ServiceContext, admin: Account) -> list[Invite]:
    _require_admin(admin)
    async with ctx.db.read() as conn:
        return await invite_store.list_invites(conn)


async def revoke_invite(ctx: ServiceContext, admin: Account, invite_id: int) -> None:
    _require_admin(admin)
    async with ctx.db.write() as conn:
        if not await invite_store.revoke(conn, invite_id, now=utcnow()):
            raise NotFound("no such invitation")
        await record(
            conn, by_account_id=admin.id, action="revoke_invite", target=f"invite:{invite_id}"
        )
