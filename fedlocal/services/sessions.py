"""Browser sessions of the web app, by the hash of their token (web/auth.py keeps the
cookie and the lifetimes), and the one-time form tokens they used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import Account, Actor, WebSession
from ..store import actors as actor_store
from ..store import residents as resident_store
from ..store import sessions as session_store
from .context import ServiceContext


@dataclass(frozen=True)
class Resumed:
    session: WebSession
    # Set when the session is logged in to an account that may use the site.
    account: Account | None = None
    actor: Actor | None = None


async def resume(
    ctx: ServiceContext,
    token_hash: str,
    *,
    now: datetime,
    lifetime: timedelta,
    renew_after: timedelta,
) -> Resumed | None:
    """The live session with this token hash, or None. A logged-in one is renewed to
    `lifetime` once it is `renew_after` old, so a used session lives on."""
    async with ctx.db.read() as conn:
        session = await session_store.get_live(conn, token_hash, now=now)
        if session is None:
            return None
        if session.account_id is None:
            return Resumed(session)
        account = await resident_store.get_account(conn, session.account_id)
        actor = await actor_store.get_actor(conn, account.actor_id) if account else None
    if account is None or actor is None or not account.is_approved or account.is_disabled:
        return Resumed(session)
    if session.expires_at - now < lifetime - renew_after:
        async with ctx.db.write() as conn:
            await session_store.extend(conn, session.id, now + lifetime)
    return Resumed(session, account, actor)


async def start(
    ctx: ServiceContext,
    *,
    token_hash: str,
    account_id: int | None,
    csrf_secret: str,
    now: datetime,
    lifetime: timedelta,
    replacing: int | None = None,
    purge_tokens_used_before: datetime | None = None,
) -> WebSession:
    """A new session (replacing the session `replacing`: a login never keeps the old
    token); with `purge_tokens_used_before`, expired sessions and used form tokens older
    than that are forgotten in the same transaction."""
    async with ctx.db.write() as conn:
        if replacing is not None:
            await session_store.delete_session(conn, replacing)
        if purge_tokens_used_before is not None:
            await session_store.purge(conn, now=now, tokens_used_before=purge_tokens_used_before)
        return await session_store.create(
            conn,
            token_hash=token_hash,
            account_id=account_id,
            csrf_secret=csrf_secret,
            now=now,
            expires_at=now + lifetime,
        )


async def end(ctx: ServiceContext, session_id: int) -> None:
    """Logging out: the session is forgotten."""
    async with ctx.db.write() as conn:
        await session_store.delete_session(conn, session_id)


async def end_others(ctx: ServiceContext, account_id: int, *, keep: int) -> None:
    """After a password change: every other session of the account ends."""
    async with ctx.db.write() as conn:
        await session_store.delete_for_account(conn, account_id, keep=keep)


async def use_form_token(
    ctx: ServiceContext, session_id: int, nonce_hash: str, *, now: datetime
) -> bool:
    """Record a form token as used; False when it had been (a replay)."""
    async with ctx.db.write() as conn:
        return await session_store.use_form_token(conn, session_id, nonce_hash, now=now)
