"""Notification requests: the notifications a resident's policy filtered, one request per
sender (Mastodon's `/api/v1/notifications/requests`). Accepting one lets the sender's
notifications through from then on (those kept aside too); dismissing one deletes them.
A request's id is its sender's account id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..models import Actor
from ..store import notification_policies as policy_store
from . import notification_policy, views
from .context import ServiceContext
from .errors import NotFound
from .views import AccountView, NotificationView, PostView

# How far back requests are looked for (notifications, newest first).
LOOKED_AT = 2000


@dataclass(frozen=True)
class Request:
    account: AccountView
    # Newest first.
    notifications: list[NotificationView]

    @property
    def id(self) -> int:
        return self.account.actor.id

    @property
    def created_at(self) -> datetime:
        return self.notifications[-1].notification.created_at

    @property
    def updated_at(self) -> datetime:
        return self.notifications[0].notification.created_at

    @property
    def last_status(self) -> PostView | None:
        return next((v.status for v in self.notifications if v.status is not None), None)


async def requests(
    ctx: ServiceContext, viewer: Actor, *, sender_ids: Sequence[int] | None = None
) -> list[Request]:
    """`viewer`'s requests (those of `sender_ids`), newest first."""
    async with ctx.db.read() as conn:
        found = await policy_store.from_senders(conn, viewer.id, sender_ids, limit=LOOKED_AT)
        shown = await views.notifications(conn, viewer, found)
        filtered = (await notification_policy.sort_out(conn, viewer, shown)).filtered
    by_sender: dict[int, list[NotificationView]] = {}
    for view in filtered:
        by_sender.setdefault(view.account.actor.id, []).append(view)
    return [Request(found[0].account, found) for found in by_sender.values()]


async def request(ctx: ServiceContext, viewer: Actor, sender_id: int) -> Request:
    found = await requests(ctx, viewer, sender_ids=[sender_id])
    if not found:
        raise NotFound("Record not found")
    return found[0]


async def accept(ctx: ServiceContext, viewer: Actor, sender_ids: Sequence[int]) -> None:
    await notification_policy.accept_senders(ctx, viewer, sender_ids)


async def dismiss(ctx: ServiceContext, viewer: Actor, sender_ids: Sequence[int]) -> None:
    """Delete the notifications these senders' requests hold."""
    found = await requests(ctx, viewer, sender_ids=sender_ids)
    ids = [v.notification.id for r in found for v in r.notifications]
    async with ctx.db.write() as conn:
        await policy_store.dismiss_many(conn, viewer.id, ids)


async def summary(ctx: ServiceContext, viewer: Actor) -> tuple[int, int]:
    """How many requests are pending, and how many notifications they hold."""
    found = await requests(ctx, viewer)
    return len(found), sum(len(r.notifications) for r in found)
