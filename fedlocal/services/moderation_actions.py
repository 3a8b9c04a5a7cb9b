"""What moderators do to an account or a post, each recorded in the audit log.

`account_id` is the account as Mastodon's client API numbers it: our actor id, a
resident's or a remote account's.

- `warn`: the resident gets a notification with the moderator's text (residents only);
- `limit` (Mastodon's "silence"): the account's posts leave the public and nearby feeds
  and the landing page for whoever does not follow it, and its follow requests wait for
  approval; `unlimit` lifts it;
- `suspend`: a resident can no longer log in (the admin page's suspension) and their
  posts leave every list; a remote account's activities are refused and its posts leave
  every list; `unsuspend` lifts it;
- `disable` / `enable`: a resident's logins only (Mastodon's "disable");
- `remove_post`: the post becomes a tombstone; ours is deleted on other servers too (the
  usual `Delete`, signed by its author);
- `block_domain`: a remote account's whole domain is blocked (services/domain_blocks.py).

Who may act on whom: services/staff.py (`check_may_act_on`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from ..store import accounts as account_store
from ..store import actors as actor_store
from ..store import moderation as moderation_store
from ..store import notifications as notification_store
from ..store import posts as post_store
from ..store import residents as resident_store
from ..store.moderation import ModerationState
from . import domain_blocks, media, posts
from .audit import account_target, record
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .staff import check_may_act_on, require_staff

ACTIONS = (
    "warn",
    "limit",
    "unlimit",
    "suspend",
    "unsuspend",
    "disable",
    "enable",
    "remove_post",
    "block_domain",
)
MAX_NOTE = 2000
# Mastodon's AccountWarning action for each of ours.
WARNING_ACTIONS = {"warn": "none", "limit": "silence", "suspend": "suspend", "disable": "disable"}


@dataclass(frozen=True)
class Outcome:
    """What an action did: `changed` False when it was already so (still recorded)."""

    action: str
    target: Actor
    changed: bool = True
    warning_id: int | None = None


async def apply(
    ctx: ServiceContext,
    moderator: Account,
    action: str,
    *,
    account_id: int,
    status_id: int | None = None,
    note: str = "",
    report_id: int | None = None,
    severity: str = "suspend",
    notify: bool = True,
) -> Outcome:
    """Carry out `action` on the account (and for `remove_post`, its post `status_id`),
    recorded in the audit log with `note` (and the report it answers). With `notify`, a
    resident whose account is limited, suspended or disabled also gets the note as a
    warning, as Mastodon's `send_email_notification`."""
    require_staff(moderator)
    if action not in ACTIONS:
        raise InvalidInput(
            "the action must be one of: %(actions)s", actions=", ".join(ACTIONS), field="action"
        )
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput("a note is at most %(max)s characters", max=MAX_NOTE, field="note")
    if action == "block_domain":
        return await _block_domain(ctx, moderator, account_id, note, report_id, severity)
    unused: list[str] = []
    async with ctx.db.write() as conn:
        target = await actor_store.get_actor(conn, account_id)
        if target is None or target.role not in ("resident", "remote"):
            raise NotFound("no such account")
        account = await account_store.get_account_by_actor(conn, target.id)
        check_may_act_on(moderator, account, target_actor_id=target.id)
        audit_note = note if report_id is None else f"report:{report_id} {note}".strip()
        if action == "remove_post":
            outcome, unused = await _remove_post(ctx, conn, target, status_id)
            audit_target = f"post:{status_id}"
        else:
            outcome = await _on_account(conn, moderator, action, target, account, note, notify)
            audit_target = account_target(target)
        await record(
            conn,
            by_account_id=moderator.id,
            action=action,
            target=audit_target,
            note=audit_note,
        )
    ctx.outbox.wake()
    if action in ("suspend", "unsuspend") and not outcome.target.is_local:
        ctx.domains.invalidate()
    await media.remove_unused_files(ctx, unused)
    return outcome


async def apply_to_resident(
    ctx: ServiceContext, moderator: Account, action: str, resident_id: int, *, note: str = ""
) -> Outcome:
    """`apply` to one of our residents named by their account's id (the admin page's)."""
    async with ctx.db.read() as conn:
        resident = await resident_store.get_account(conn, resident_id)
    if resident is None:
        raise NotFound("no such account")
    return await apply(ctx, moderator, action, account_id=resident.actor_id, note=note)


async def _on_account(
    conn: AsyncConnection,
    moderator: Account,
    action: str,
    target: Actor,
    account: Account | None,
    note: str,
    notify: bool,
) -> Outcome:
    changed = True
    if action in ("limit", "unlimit"):
        changed = await moderation_store.set_flag(conn, target.id, "limited_at", action == "limit")
    elif action in ("suspend", "unsuspend"):
        on = action == "suspend"
        changed = await moderation_store.set_flag(conn, target.id, "suspended_at", on)
        if account is not None:
            changed = await _set_disabled(conn, account, on) or changed
    elif action in ("disable", "enable"):
        if account is None:
            raise InvalidInput("only our residents' logins can be disabled")
        changed = await _set_disabled(conn, account, action == "disable")
    elif action == "warn" and account is None:
        raise InvalidInput("warnings go to our residents only; limit or suspend this account")
    warning_id = None
    if (
        account is not None
        and action in WARNING_ACTIONS
        and (action == "warn" or (notify and note))
    ):
        warning_id = await _warn(conn, moderator, target, WARNING_ACTIONS[action], note)
    return Outcome(action, target, changed, warning_id)


async def _set_disabled(conn: AsyncConnection, account: Account, disabled: bool) -> bool:
    if account.is_disabled == disabled:
        return False
    await resident_store.set_disabled(conn, account.id, disabled)
    return True


async def _warn(
    conn: AsyncConnection, moderator: Account, target: Actor, action: str, text: str
) -> int:
    if action == "none" and not text:
        raise InvalidInput("write what the resident should know", field="note")
    warning = await moderation_store.add_warning(
        conn, actor_id=target.id, action=action, text=text, created_by=moderator.id
    )
    # The notification names the resident themself, as Mastodon's does: the moderator
    # stays unnamed.
    await notification_store.add(
        conn,
        recipient_id=target.id,
        type="moderation_warning",
        actor_id=target.id,
        warning_id=warning.id,
    )
    return warning.id


async def _remove_post(
    ctx: ServiceContext, conn: AsyncConnection, target: Actor, status_id: int | None
) -> tuple[Outcome, list[str]]:
    if status_id is None:
        raise InvalidInput("name the post to remove", field="status_id")
    post = await post_store.get_post(conn, status_id)
    if post is None or post.actor_id != target.id:
        raise NotFound("no such post by this account")
    if post.is_deleted:
        return Outcome("remove_post", target, changed=False), []
    _deleted, unused = await posts.remove_post(ctx, conn, post, target)
    return Outcome("remove_post", target), unused


async def _block_domain(
    ctx: ServiceContext,
    moderator: Account,
    account_id: int,
    note: str,
    report_id: int | None,
    severity: str,
) -> Outcome:
    async with ctx.db.read() as conn:
        target = await actor_store.get_actor(conn, account_id)
    if target is None:
        raise NotFound("no such account")
    if target.is_local:
        raise InvalidInput("this account is ours: there is no other server to block")
    await domain_blocks.create(
        ctx,
        moderator,
        domain=target.domain,
        severity=severity,
        private_comment=note if report_id is None else f"report:{report_id} {note}".strip(),
    )
    return Outcome("block_domain", target)


async def states_of(ctx: ServiceContext, actor_ids: list[int]) -> dict[int, ModerationState]:
    """Each account's limit and suspension (`store.moderation.ModerationState`)."""
    async with ctx.db.read() as conn:
        return await moderation_store.states(conn, actor_ids)
