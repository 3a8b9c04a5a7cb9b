"""The moderation queue: reports from residents and from other servers, open ones
first, each with what it was about as it was then; moderators note, resolve and reopen."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.services import reports as report_service
from fedlocal.services.errors import ServiceError

from ..forms import FormState
from ..labels import REPORT_ACTIONS as ACTION_LABELS
from ..page import Page
from ..service_messages import Refusal
from .common import keep_error
from .reports import CATEGORY_LABELS

PAGE_SIZE = 50


def _report_id(page: Page) -> int:
    return ids.path_id(page.request.path_params["report_id"], "report")


def report_path(report_id: int) -> str:
    return f"/admin/reports/{report_id}"


async def index(page: Page) -> Response:
    query = page.request.query_params
    resolved = query.get("resolved") == "1"
    max_id = ids.query_id(query.get("max_id"), "max_id")
    # One account's reports, open and resolved (from its moderation page).
    target_id = ids.query_id(query.get("account"), "account")
    found = await report_service.list_reports(
        page.services,
        page.account,
        resolved=None if target_id else resolved,
        target_id=target_id,
        max_id=max_id,
        limit=PAGE_SIZE,
    )
    older = None
    if len(found) == PAGE_SIZE:
        kept = f"account={target_id}&" if target_id else "resolved=1&" if resolved else ""
        older = f"/admin/reports?{kept}max_id={found[-1].report.id}"
    return await page.render(
        "admin_reports.html",
        reports=found,
        resolved=resolved,
        about=found[0].target if target_id and found else None,
        target_id=target_id,
        older=older,
        category_labels=CATEGORY_LABELS,
        report_path=report_path,
        section="moderation",
    )


# What a snapshot holds (services/reports.py), with a default for each: a page never fails
# on a snapshot made by an older version, or on one a peer's Flag left short.
ACCOUNT_FIELDS = {"uri": "", "url": "", "handle": "", "display_name": "", "summary": ""}
POST_FIELDS: dict[str, object] = {
    "id": None,
    "uri": "",
    "url": "",
    "visibility": "public",
    "name": None,
    "summary": None,
    "content": "",
    "published": "",
    "media": [],
}


def _snapshot_account(snapshot: dict) -> dict:
    return {**ACCOUNT_FIELDS, **snapshot.get("account", {})}


def _snapshot_posts(snapshot: dict) -> list[dict]:
    """The snapshot's posts with their dates as datetimes, for the page's words."""
    posts = []
    for post in snapshot.get("posts", []):
        try:
            published = datetime.fromisoformat(post.get("published") or "")
        except ValueError:
            published = None
        posts.append({**POST_FIELDS, **post, "published_at": published})
    return posts


async def show(
    page: Page,
    state: FormState | None = None,
    status: int = 200,
    action_state: FormState | None = None,
) -> Response:
    view = await report_service.get_report(page.services, page.account, _report_id(page))
    others = await report_service.other_reports(page.services, page.account, view.report)
    note = FormState(values={"note": view.report.note}) if state is None else state
    return await page.render(
        "admin_report.html",
        status=status,
        view=view,
        report=view.report,
        snapshot_account=_snapshot_account(view.report.snapshot),
        snapshot_posts=_snapshot_posts(view.report.snapshot),
        others=others,
        state=note,
        labels={
            "note": page.t("Moderators' note"),
            "action": page.t("Action"),
            "reason": page.t("Note for the audit log and the warning"),
        },
        action_state=action_state or FormState(values={"action": "dismiss"}),
        actions=[
            (a, page.t(ACTION_LABELS[a]))
            for a in (RESIDENT_ACTIONS if view.target.is_local else REMOTE_ACTIONS)
            # Blocking a whole server is the administrators' decision (services/staff.py).
            if a != "block_domain" or (page.account is not None and page.account.is_admin)
        ],
        reason_max=report_service.ACTION_NOTE_MAX,
        note_max=report_service.NOTE_MAX,
        category_labels=CATEGORY_LABELS,
        report_path=report_path,
        section="moderation",
    )


async def save_note(page: Page) -> Response:
    report_id = _report_id(page)
    state = FormState(values=page.form.as_dict())
    try:
        await report_service.set_note(page.services, page.account, report_id, page.form.get("note"))
    except ServiceError as exc:
        keep_error(page, state, exc, {"note": "note"})
        return await show(page, state=state, status=exc.status)
    return page.redirect(report_path(report_id), notice="report-noted")


# The actions offered on a report, by who was reported (labels in web/labels.py).
RESIDENT_ACTIONS = ("dismiss", "warn", "limit", "suspend")
REMOTE_ACTIONS = ("dismiss", "limit", "suspend", "block_domain")


async def act(page: Page) -> Response:
    """Answer a report with an action (or dismiss it); a post's "remove" names the post."""
    report_id = _report_id(page)
    action = page.form.get("action")
    if action not in report_service.ACTIONS:
        raise Refusal(page.t("Choose one of the options."), field="action")
    status_id = ids.query_id(page.form.get("status_id"), "status_id")
    state = FormState(values=page.form.as_dict())
    try:
        await report_service.act(
            page.services,
            page.account,
            report_id,
            action,
            status_id=status_id,
            note=page.form.get("reason"),
        )
    except ServiceError as exc:
        keep_error(page, state, exc, {"note": "reason", "action": "action"})
        return await show(page, action_state=state, status=exc.status)
    return page.redirect("/admin/reports", notice="report-resolved")


async def decide(page: Page) -> Response:
    """Resolve (dismiss) or reopen a report."""
    report_id = _report_id(page)
    decision = page.form.get("decision")
    if decision == "resolve":
        await report_service.resolve(page.services, page.account, report_id)
        return page.redirect("/admin/reports", notice="report-resolved")
    if decision == "reopen":
        await report_service.reopen(page.services, page.account, report_id)
        return page.redirect(report_path(report_id), notice="report-reopened")
    raise Refusal(page.t("Choose one of the options."))
