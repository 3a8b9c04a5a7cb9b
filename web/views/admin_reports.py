"""The moderation queue: reports from residents and from other servers, open ones
first, each with what it was about as it was then; moderators note, resolve and reopen."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.services import reports as report_service
from fedlocal.services.errors import ServiceError

from ..forms import FormState
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
    resolved = page.request.query_params.get("resolved") == "1"
    max_id = ids.query_id(page.request.query_params.get("max_id"), "max_id")
    found = await report_service.list_reports(
        page.services, page.account, resolved=resolved, max_id=max_id, limit=PAGE_SIZE
    )
    older = None
    if len(found) == PAGE_SIZE:
        older = f"/admin/reports?{'resolved=1&' if resolved else ''}max_id={found[-1].report.id}"
    return await page.render(
        "admin_reports.html",
        reports=found,
        resolved=resolved,
        older=older,
        category_labels=CATEGORY_LABELS,
        report_path=report_path,
        section="admin",
    )


async def show(page: Page, state: FormState | None = None, status: int = 200) -> Response:
    view = await report_service.get_report(page.services, page.account, _report_id(page))
    others = await report_service.other_reports(page.services, page.account, view.report)
    note = FormState(values={"note": view.report.note}) if state is None else state
    return await page.render(
        "admin_report.html",
        status=status,
        view=view,
        report=view.report,
        snapshot=view.report.snapshot,
        others=others,
        state=note,
        labels={"note": page.t("Moderators' note")},
        note_max=report_service.NOTE_MAX,
        category_labels=CATEGORY_LABELS,
        report_path=report_path,
        section="admin",
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
