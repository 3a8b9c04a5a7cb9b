"""Staff pages: roles (admins), the audit log, and the moderation of accounts and their
posts (moderators and admins); domain blocks (admins) are in `domains.py`."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.boundary.paging import PageQuery
from fedlocal.services import admin_accounts, moderation_actions
from fedlocal.services import audit as audit_service
from fedlocal.services import staff as staff_service
from fedlocal.services.errors import InvalidInput

from ..forms import FormState
from ..page import Page
from ..service_messages import Refusal, translate_service_error

AUDIT_PAGE = 50


def _id(page: Page, name: str) -> int:
    return ids.path_id(page.request.path_params[name], name.removesuffix("_id"))


async def set_role(page: Page) -> Response:
    """An admin gives a resident a role: admin, moderator or none."""
    assert page.account is not None
    role = page.form.get("role")
    if role not in staff_service.ROLES:
        raise Refusal(page.t("Choose one of the options."))
    await staff_service.set_role(page.services, page.account, _id(page, "account_id"), role)
    return page.redirect("/admin#residents", notice="role-changed")


async def audit_log(page: Page) -> Response:
    assert page.account is not None
    max_id = ids.query_id(page.request.query_params.get("max_id"), "max_id")
    entries = await audit_service.entries(
        page.services, page.account, max_id=max_id, limit=AUDIT_PAGE
    )
    older = f"/admin/audit?max_id={entries[-1].id}" if len(entries) == AUDIT_PAGE else None
    return await page.render("audit.html", entries=entries, older=older, section="admin")


# --- accounts ---------------------------------------------------------------------------

LISTED = 100
# The actions the account page offers, by the account's state (services/moderation_actions).
ACCOUNT_ACTIONS = ("warn", "limit", "unlimit", "suspend", "unsuspend")


def _action_labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "warn": t("Warn: send them the note below"),
        "limit": t("Limit: out of public lists for non-followers, follows need approval"),
        "unlimit": t("Lift the limit"),
        "suspend": t("Suspend: no more logins, posts hidden everywhere"),
        "unsuspend": t("Lift the suspension"),
        "block_domain": t("Block their whole domain"),
    }


async def accounts(page: Page) -> Response:
    """Accounts under moderation (limited or suspended) and our residents, each linking to
    its moderation page."""
    assert page.account is not None
    everyone = PageQuery(limit=LISTED)
    watched = []
    for status in ("silenced", "suspended"):
        wanted = admin_accounts.account_filter(origin=None, status=status)
        watched += await admin_accounts.listing(page.services, page.account, wanted, everyone)
    wanted = admin_accounts.account_filter(origin="local", status="active")
    residents = await admin_accounts.listing(page.services, page.account, wanted, everyone)
    return await page.render(
        "moderation.html", watched=watched, residents=residents, section="moderation"
    )


async def account(page: Page, state: FormState | None = None, status: int = 200) -> Response:
    assert page.account is not None
    actor_id = _id(page, "actor_id")
    item = await admin_accounts.one(page.services, page.account, actor_id)
    posts = await admin_accounts.recent_posts(page.services, page.account, actor_id)
    choices = [
        a
        for a in ACCOUNT_ACTIONS
        if (a != "warn" or item.account is not None)
        and (a != "limit" or item.state.limited_at is None)
        and (a != "unlimit" or item.state.limited_at is not None)
        and (a != "suspend" or item.state.suspended_at is None)
        and (a != "unsuspend" or item.state.suspended_at is not None)
    ]
    if not item.actor.is_local and page.account.is_admin:
        choices.append("block_domain")
    labels = _action_labels(page)
    return await page.render(
        "moderation_account.html",
        status=status,
        item=item,
        posts=posts,
        choices=[(a, labels[a]) for a in choices],
        state=state or FormState(),
        labels={"action": page.t("Action"), "note": page.t("Note")},
        section="moderation",
    )


async def act(page: Page) -> Response:
    assert page.account is not None
    actor_id = _id(page, "actor_id")
    state = FormState(values=page.form.as_dict())
    action = state.values.get("action", "")
    post_id = ids.parse_id(state.values.get("post_id")) if state.values.get("post_id") else None
    if action not in (*ACCOUNT_ACTIONS, "block_domain", "remove_post"):
        state.error("action", page.t("Choose one of the options."))
        return await account(page, state, status=422)
    try:
        await moderation_actions.apply(
            page.services,
            page.account,
            action,
            account_id=actor_id,
            status_id=post_id,
            note=state.values.get("note", ""),
        )
    except InvalidInput as exc:
        state.error(exc.field or "note", translate_service_error(page.t, exc))
        return await account(page, state, status=exc.status)
    return page.redirect(f"/admin/moderation/{actor_id}", notice="moderated")
