"""Staff roles: admins run the instance; moderators work the moderation queue.

- **admin**: everything, including roles, domain blocks, sign-ups, invitations and
  neighbours;
- **moderator**: the moderation actions on accounts and posts (warn, limit, suspend,
  remove a post), the reports and the audit log; not roles, not domain blocks;
- **none**: a resident.

Nobody acts on their own account; a moderator never acts on staff, an admin never on
another admin (`check_may_act_on`). The last admin keeps their role.
"""

from __future__ import annotations

from typing import Literal

from ..models import Account
from ..store import accounts as account_store
from ..store import moderation as moderation_store
from ..store import residents as resident_store
from .audit import record
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound

Role = Literal["admin", "moderator", "none"]
ROLES: tuple[Role, ...] = ("admin", "moderator", "none")


def can_moderate(account: Account | None) -> bool:
    """Whether the account may moderate: an admin or a moderator."""
    return account is not None and account.is_staff


def role_of(account: Account) -> Role:
    if account.is_admin:
        return "admin"
    return "moderator" if account.is_moderator else "none"


def require_staff(account: Account) -> None:
    if not can_moderate(account):
        raise Forbidden("only moderators and administrators do this")


def require_admin(account: Account) -> None:
    if not account.is_admin:
        raise Forbidden("only administrators do this")


def _rank(account: Account | None) -> int:
    if account is None:
        return 0
    return 2 if account.is_admin else 1 if account.is_moderator else 0


def check_may_act_on(staff: Account, target: Account | None, *, target_actor_id: int) -> None:
    """Refuse acting on oneself, and on staff of the same rank or above."""
    require_staff(staff)
    if target_actor_id == staff.actor_id:
        raise InvalidInput("you cannot act on your own account")
    if _rank(target) >= _rank(staff):
        raise Forbidden("moderators do not act on staff, nor administrators on administrators")


async def account_named(ctx: ServiceContext, username: str) -> Account | None:
    async with ctx.db.read() as conn:
        return await account_store.get_account_by_username(conn, username.strip().lower())


def parse_role(value: str) -> Role:
    for role in ROLES:
        if value == role:
            return role
    raise InvalidInput("a role is admin, moderator or none", field="role")


async def set_role(
    ctx: ServiceContext, admin: Account | None, account_id: int, role: str
) -> Account:
    """Give an account a role (admins only; `admin` None is the command line, run by the
    server's operator). Recorded in the audit log."""
    wanted = parse_role(role)
    if admin is not None:
        require_admin(admin)
        if account_id == admin.id:
            raise InvalidInput("you cannot change your own role")
    async with ctx.db.write() as conn:
        account = await resident_store.get_account(conn, account_id)
        if account is None:
            raise NotFound("no such account")
        if (
            account.is_admin
            and wanted != "admin"
            and await moderation_store.count_admins(conn) <= 1
        ):
            raise InvalidInput("the last administrator keeps their role")
        await moderation_store.set_role(
            conn, account_id, admin=wanted == "admin", moderator=wanted == "moderator"
        )
        await record(
            conn,
            by_account_id=admin.id if admin is not None else None,
            action="role",
            target=f"account:@{account.username}",
            note=wanted,
        )
        changed = await account_store.get_account_by_username(conn, account.username)
    assert changed is not None
    return changed
