"""The audit log: every moderation and administration action, who did it, to what, why.

Actions record themselves inside their own transaction (`record` takes the open write
connection), so an action and its line in the log are stored together or not at all.
Targets are written `kind:key`: `account:@anne@nord.example`, `post:12`,
`domain:spam.example`, `report:3`, `invite:7`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from ..store import moderation as moderation_store
from ..store.moderation import AuditEntry
from .context import ServiceContext
from .errors import Forbidden, InvalidInput

MAX_NOTE = 2000
PAGE_SIZE = 50


async def record(
    conn: AsyncConnection, *, by_account_id: int | None, action: str, target: str, note: str = ""
) -> AuditEntry:
    """One line in the audit log, in the caller's transaction (`conn`)."""
    return await moderation_store.add_audit(
        conn, account_id=by_account_id, action=action, target=target, note=note[:MAX_NOTE]
    )


async def log(
    ctx: ServiceContext, by: Account, *, action: str, target: str, note: str = ""
) -> AuditEntry:
    """One line for an action whose service records no author (neighbour links, the
    federation queue), written once the action is done."""
    async with ctx.db.write() as conn:
        return await record(conn, by_account_id=by.id, action=action, target=target, note=note)


def account_target(actor: Actor) -> str:
    return f"account:@{actor.handle}"


async def entries(
    ctx: ServiceContext, staff: Account, *, max_id: int | None = None, limit: int = PAGE_SIZE
) -> list[AuditEntry]:
    """Newest first, older than `max_id`; for staff only."""
    if not staff.is_staff:
        raise Forbidden("only moderators and administrators do this")
    if not 1 <= limit <= 200:
        raise InvalidInput("a page holds 1 to 200 lines", field="limit")
    async with ctx.db.read() as conn:
        return await moderation_store.audit_page(conn, max_id=max_id, limit=limit)
