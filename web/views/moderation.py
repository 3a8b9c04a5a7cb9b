"""Staff pages: roles (admins), the audit log (moderators and admins)."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.services import audit as audit_service
from fedlocal.services import staff as staff_service

from ..page import Page
from ..service_messages import Refusal

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
