"""Mastodon's admin API for accounts (`admin:read:accounts`, `admin:write:accounts`),
for staff tokens only: the list (v1 and v2 filters), one account, the moderation action,
and approve, reject, enable, unsilence, unsuspend. Every action goes through
services/moderation_actions.py (or the sign-up service), recorded in the audit log."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..services import admin_accounts, moderation_actions, signup
from ..services import reports as report_service
from ..services.admin_accounts import AccountFilter, AdminAccountView
from ..services.errors import InvalidInput
from . import entity_types as E
from .admin_entities import admin_account
from .auth import Call, endpoint
from .pagination import page_from
from .present import paged

# Mastodon's `type` of POST /api/v1/admin/accounts/:id/action, as our actions.
ACTION_TYPES = {"none": "warn", "disable": "disable", "silence": "limit", "suspend": "suspend"}
V1_STATUSES = ("active", "pending", "disabled", "silenced", "suspended")


def _entity(call: Call, item: AdminAccountView) -> E.AdminAccount:
    return admin_account(item, call.urls, domain=call.config.domain)


async def _list(call: Call, wanted: AccountFilter) -> JSONResponse:
    page = page_from(call.params, default=100, maximum=200)
    found = await admin_accounts.listing(call.ctx, call.account, wanted, page)
    return paged(call, [_entity(call, item) for item in found], [i.actor.id for i in found])


@endpoint("admin:read:accounts")
async def list_v1(call: Call):
    """v1: `local`/`remote`, one of the status flags (`active` by default), `staff`."""
    p = call.params
    status = next((s for s in V1_STATUSES if p.bool(s)), "active")
    wanted = admin_accounts.account_filter(
        origin="remote" if p.bool("remote") else "local",
        status=status,
        by_domain=p.str("by_domain"),
        username=p.str("username"),
        display_name=p.str("display_name"),
        email=p.str("email"),
        staff=p.bool("staff"),
    )
    return await _list(call, wanted)


@endpoint("admin:read:accounts")
async def list_v2(call: Call):
    """v2: `origin`, `status`, `permissions=staff`; both origins and any status when
    not given."""
    p = call.params
    permissions = p.str("permissions")
    if permissions not in (None, "", "staff"):
        raise InvalidInput("permissions is staff", field="permissions")
    wanted = admin_accounts.account_filter(
        origin=p.str("origin") or None,
        status=p.str("status") or None,
        by_domain=p.str("by_domain"),
        username=p.str("username"),
        display_name=p.str("display_name"),
        email=p.str("email"),
        staff=permissions == "staff",
    )
    return await _list(call, wanted)


@endpoint("admin:read:accounts")
async def show(call: Call):
    return _entity(call, await admin_accounts.one(call.ctx, call.account, call.path_id()))


@endpoint("admin:write:accounts")
async def action(call: Call):
    """`type` none (a warning with `text`), disable, silence or suspend; `report_id` ties
    it to a report; `send_email_notification` tells the resident (a notification)."""
    p = call.params
    kind = p.str("type") or "none"
    if kind not in ACTION_TYPES:
        raise InvalidInput("type is one of: %(types)s", types=", ".join(ACTION_TYPES), field="type")
    text = p.str("text") or ""
    target = call.path_id()
    if kind == "none" and not text.strip():
        # Mastodon records a bare "none" and changes nothing; so do we, without a log line.
        await admin_accounts.one(call.ctx, call.account, target)
        return {}
    report_id = p.int("report_id")
    if report_id is not None:
        await report_service.check_about(call.ctx, call.account, report_id, target)
    await moderation_actions.apply(
        call.ctx,
        call.account,
        ACTION_TYPES[kind],
        account_id=target,
        note=text,
        report_id=report_id,
        notify=p.bool("send_email_notification"),
    )
    if report_id is not None:
        # As Mastodon: the report the action answers is resolved.
        await report_service.resolve(call.ctx, call.account, report_id, action=ACTION_TYPES[kind])
    return {}


async def _after(call: Call, actor_id: int) -> E.AdminAccount:
    return _entity(call, await admin_accounts.one(call.ctx, call.account, actor_id))


async def _simple(call: Call, name: str) -> E.AdminAccount:
    target = call.path_id()
    await moderation_actions.apply(call.ctx, call.account, name, account_id=target)
    return await _after(call, target)


@endpoint("admin:write:accounts")
async def enable(call: Call):
    return await _simple(call, "enable")


@endpoint("admin:write:accounts")
async def unsilence(call: Call):
    return await _simple(call, "unlimit")


@endpoint("admin:write:accounts")
async def unsuspend(call: Call):
    return await _simple(call, "unsuspend")


@endpoint("admin:write:accounts")
async def approve(call: Call):
    item = await admin_accounts.one(call.ctx, call.account, call.path_id())
    if item.account is None:
        raise InvalidInput("only our residents' sign-ups are approved")
    await signup.approve_signup(call.ctx, call.account, item.account.id)
    return await _after(call, item.actor.id)


@endpoint("admin:write:accounts")
async def reject(call: Call):
    item = await admin_accounts.one(call.ctx, call.account, call.path_id())
    if item.account is None:
        raise InvalidInput("only our residents' sign-ups are rejected")
    await signup.reject_signup(call.ctx, call.account, item.account.id)
    return {}


routes = [
    Route("/api/v1/admin/accounts", list_v1, methods=["GET"]),
    Route("/api/v2/admin/accounts", list_v2, methods=["GET"]),
    Route("/api/v1/admin/accounts/{id}", show, methods=["GET"]),
    Route("/api/v1/admin/accounts/{id}/action", action, methods=["POST"]),
    Route("/api/v1/admin/accounts/{id}/enable", enable, methods=["POST"]),
    Route("/api/v1/admin/accounts/{id}/unsilence", unsilence, methods=["POST"]),
    Route("/api/v1/admin/accounts/{id}/unsuspend", unsuspend, methods=["POST"]),
    Route("/api/v1/admin/accounts/{id}/approve", approve, methods=["POST"]),
    Route("/api/v1/admin/accounts/{id}/reject", reject, methods=["POST"]),
]
