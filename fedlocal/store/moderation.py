"""Staff roles, the audit log, moderators' warnings, and accounts limited or suspended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import account_warnings, accounts, actor_moderation, actors, audit_log, follows
from .upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class AuditEntry:
    id: int
    account_id: int | None
    by_username: str
    action: str
    target: str
    note: str
    created_at: datetime


@dataclass(frozen=True)
class ModerationState:
    """An account's limit (Mastodon's silence) and suspension, None when not."""

    actor_id: int
    limited_at: datetime | None = None
    suspended_at: datetime | None = None


@dataclass(frozen=True)
class AccountWarning:
    id: int
    actor_id: int
    action: str
    text: str
    created_by: int | None
    created_at: datetime


# --- roles ------------------------------------------------------------------------------


async def set_role(conn: AsyncConnection, account_id: int, *, admin: bool, moderator: bool) -> bool:
    result = await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(is_admin=admin, is_moderator=moderator)
    )
    return result.rowcount == 1


async def count_admins(conn: AsyncConnection) -> int:
    rows = await conn.execute(
        select(accounts.c.id).where(
            accounts.c.is_admin.is_(True), accounts.c.is_disabled.is_(False)
        )
    )
    return len(rows.all())


# --- the audit log ----------------------------------------------------------------------


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        account_id=row.account_id,
        by_username=row.by_username,
        action=row.action,
        target=row.target,
        note=row.note,
        created_at=row.created_at,
    )


async def add_audit(
    conn: AsyncConnection, *, account_id: int | None, action: str, target: str, note: str
) -> AuditEntry:
    username = None
    if account_id is not None:
        username = (
            await conn.execute(select(accounts.c.username).where(accounts.c.id == account_id))
        ).scalar_one_or_none()
    row = (
        await conn.execute(
            insert(audit_log)
            .values(
                account_id=account_id if username is not None else None,
                by_username=username or "",
                action=action,
                target=target,
                note=note,
                created_at=utcnow(),
            )
            .returning(*audit_log.c)
        )
    ).one()
    return _entry(row)


async def audit_page(
    conn: AsyncConnection, *, max_id: int | None = None, limit: int = 50
) -> list[AuditEntry]:
    """Newest first, older than `max_id`."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if max_id is not None:
        query = query.where(audit_log.c.id < max_id)
    return [_entry(row) for row in await conn.execute(query)]


# --- limits and suspensions -------------------------------------------------------------


def _state(row: Row[Any]) -> ModerationState:
    return ModerationState(row.actor_id, row.limited_at, row.suspended_at)


async def states(conn: AsyncConnection, actor_ids: Sequence[int]) -> dict[int, ModerationState]:
    if not actor_ids:
        return {}
    rows = await conn.execute(
        select(actor_moderation).where(actor_moderation.c.actor_id.in_(list(set(actor_ids))))
    )
    return {row.actor_id: _state(row) for row in rows}


async def state(conn: AsyncConnection, actor_id: int) -> ModerationState:
    return (await states(conn, [actor_id])).get(actor_id) or ModerationState(actor_id)


async def set_flag(conn: AsyncConnection, actor_id: int, column: str, on: bool) -> bool:
    """Set (`on`) or clear `limited_at` or `suspended_at`; whether it changed."""
    assert column in ("limited_at", "suspended_at")
    current = await state(conn, actor_id)
    if (getattr(current, column) is not None) == on:
        return False
    await insert_ignoring_conflicts(conn, actor_moderation, {"actor_id": actor_id})
    await conn.execute(
        update(actor_moderation)
        .where(actor_moderation.c.actor_id == actor_id)
        .values({column: utcnow() if on else None})
    )
    await conn.execute(
        delete(actor_moderation).where(
            actor_moderation.c.actor_id == actor_id,
            actor_moderation.c.limited_at.is_(None),
            actor_moderation.c.suspended_at.is_(None),
        )
    )
    return True


def _domain_matches(domains: Sequence[str]) -> Any:
    """Exact hosts (`remote_domains` tells which known hosts lie under a blocked domain):
    the (domain, username) index answers, with no scan of the actors."""
    return actors.c.domain.in_(list(domains))


async def remote_domains(conn: AsyncConnection) -> list[str]:
    """Every host we know remote actors on (read from the domain index)."""
    rows = await conn.execute(
        select(actors.c.domain).where(actors.c.role == "remote").group_by(actors.c.domain)
    )
    return [row.domain for row in rows]


def hidden_authors(viewer_id: int | None, silenced_hosts: Sequence[str] = ()) -> Select[Any]:
    """The authors whose posts stay out of public lists (public timelines, the nearby
    feed, the landing page) for this viewer: suspended ones, and limited ones (or on one
    of the limited `silenced_hosts`, exact hosts) that the viewer does not follow (nor
    is). A subquery: no statement of its own."""
    followed = select(follows.c.followed_id).where(
        follows.c.follower_id == (viewer_id if viewer_id is not None else -1),
        follows.c.state == "accepted",
    )
    moderated = select(actor_moderation.c.actor_id).where(
        or_(
            actor_moderation.c.suspended_at.is_not(None),
            and_(
                actor_moderation.c.limited_at.is_not(None),
                actor_moderation.c.actor_id != (viewer_id if viewer_id is not None else -1),
                actor_moderation.c.actor_id.not_in(followed),
            ),
        )
    )
    if not silenced_hosts:
        return moderated
    silenced = select(actors.c.id).where(
        actors.c.role == "remote", _domain_matches(silenced_hosts), actors.c.id.not_in(followed)
    )
    either = moderated.union(silenced).subquery()
    return select(either.c.actor_id)


async def is_limited(conn: AsyncConnection, actor_id: int) -> bool:
    """Whether the account itself is limited (its domain: services/domain_policy.py)."""
    return (await state(conn, actor_id)).limited_at is not None


async def suspended_remote_uris(conn: AsyncConnection) -> list[str]:
    rows = await conn.execute(
        select(actors.c.uri)
        .join(actor_moderation, actor_moderation.c.actor_id == actors.c.id)
        .where(actors.c.role == "remote", actor_moderation.c.suspended_at.is_not(None))
    )
    return [row.uri for row in rows]


# --- warnings ---------------------------------------------------------------------------


def _warning(row: Row[Any]) -> AccountWarning:
    return AccountWarning(
        row.id, row.actor_id, row.action, row.text, row.created_by, row.created_at
    )


async def add_warning(
    conn: AsyncConnection, *, actor_id: int, action: str, text: str, created_by: int | None
) -> AccountWarning:
    row = (
        await conn.execute(
            insert(account_warnings)
            .values(
                actor_id=actor_id,
                action=action,
                text=text,
                created_by=created_by,
                created_at=utcnow(),
            )
            .returning(*account_warnings.c)
        )
    ).one()
    return _warning(row)


async def warnings_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, AccountWarning]:
    if not ids:
        return {}
    rows = await conn.execute(select(account_warnings).where(account_warnings.c.id.in_(list(ids))))
    return {row.id: _warning(row) for row in rows}


# --- the admin API's account list -------------------------------------------------------


@dataclass(frozen=True)
class AccountFilter:
    """Mastodon's admin account filters. `origin` local | remote | None (both); `status`
    active | pending | disabled | silenced | suspended | None (any)."""

    origin: str | None = "local"
    status: str | None = "active"
    by_domain: str | None = None
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    staff: bool = False


def _account_conditions(wanted: AccountFilter) -> list[Any]:
    limited = select(actor_moderation.c.actor_id).where(actor_moderation.c.limited_at.is_not(None))
    suspended = select(actor_moderation.c.actor_id).where(
        actor_moderation.c.suspended_at.is_not(None)
    )
    conditions: list[Any] = [actors.c.role.in_(("resident", "remote"))]
    if wanted.origin == "local":
        conditions.append(actors.c.role == "resident")
    elif wanted.origin == "remote":
        conditions.append(actors.c.role == "remote")
    if wanted.status == "active":
        conditions.append(actors.c.id.not_in(suspended))
        conditions.append(
            or_(
                actors.c.role == "remote",
                and_(accounts.c.is_approved.is_(True), accounts.c.is_disabled.is_(False)),
            )
        )
    elif wanted.status == "pending":
        conditions.append(accounts.c.is_approved.is_(False))
    elif wanted.status == "disabled":
        conditions.append(accounts.c.is_disabled.is_(True))
    elif wanted.status == "silenced":
        conditions.append(actors.c.id.in_(limited))
    elif wanted.status == "suspended":
        conditions.append(actors.c.id.in_(suspended))
    if wanted.by_domain:
        conditions.append(actors.c.domain == wanted.by_domain.lower())
    if wanted.username:
        conditions.append(actors.c.username.ilike(wanted.username.replace("%", "") + "%"))
    if wanted.display_name:
        conditions.append(
            actors.c.display_name.ilike("%" + wanted.display_name.replace("%", "") + "%")
        )
    if wanted.email:
        conditions.append(accounts.c.email.ilike("%" + wanted.email.replace("%", "") + "%"))
    if wanted.staff:
        conditions.append(or_(accounts.c.is_admin.is_(True), accounts.c.is_moderator.is_(True)))
    return conditions


async def admin_account_ids(
    conn: AsyncConnection,
    wanted: AccountFilter,
    *,
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int = 100,
) -> list[int]:
    """The actor ids matching, newest first (oldest first after `min_id`, reversed)."""
    query = (
        select(actors.c.id)
        .select_from(actors.outerjoin(accounts, accounts.c.actor_id == actors.c.id))
        .where(*_account_conditions(wanted))
    )
    if max_id is not None:
        query = query.where(actors.c.id < max_id)
    if since_id is not None:
        query = query.where(actors.c.id > since_id)
    if min_id is not None:
        query = query.where(actors.c.id > min_id).order_by(actors.c.id.asc()).limit(limit)
        return list(reversed([row.id for row in await conn.execute(query)]))
    query = query.order_by(actors.c.id.desc()).limit(limit)
    return [row.id for row in await conn.execute(query)]
