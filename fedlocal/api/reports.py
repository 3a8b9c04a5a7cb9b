"""Reports: a resident's report (`POST /api/v1/reports`), and the moderation queue through
Mastodon's admin API (`/api/v1/admin/reports`, its filters, paging and actions)."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..boundary.ids import parse_id
from ..services import reports as report_service
from ..services.reports import ReportInput
from . import present, report_entities
from .auth import Call, endpoint
from .errors import ApiError
from .pagination import link_header, page_from


def _id_list(call: Call, name: str) -> tuple[int, ...]:
    found = []
    for raw in call.params.list(name):
        if raw == "":
            continue
        value = parse_id(raw)
        if value is None:
            raise ApiError(404, "Record not found")
        found.append(value)
    return tuple(found)


@endpoint("write:reports")
async def create(call: Call):
    p = call.params
    account_id = parse_id(p.str("account_id"))
    if account_id is None:
        raise ApiError(404, "Record not found")
    if _id_list(call, "rule_ids"):
        raise ApiError(422, "Validation failed: this server has no rules to cite")
    report = await report_service.file_report(
        call.ctx,
        call.actor,
        ReportInput(
            account_id=account_id,
            post_ids=_id_list(call, "status_ids"),
            category=p.str("category") or "other",
            comment=p.str("comment") or "",
            forward=p.bool("forward"),
        ),
    )
    view = await report_service.own_report(call.ctx, call.actor, report.id)
    [details] = await report_service.details(call.ctx, [view])
    return report_entities.report(details, call.urls, domain=call.config.domain)


# The admin API


def _resolved_filter(call: Call) -> bool:
    """Mastodon's rule: `resolved` given (true) lists resolved reports, else open ones."""
    return call.params.bool("resolved")


def _optional_id(call: Call, name: str) -> int | None:
    raw = call.params.str(name)
    if raw is None or raw == "":
        return None
    found = parse_id(raw)
    if found is None:
        raise ApiError(404, "Record not found")
    return found


async def _admin_entities(call: Call, found: list[report_service.ReportView]):
    described = await report_service.details(call.ctx, found)
    return [
        report_entities.admin_report(
            d, call.urls, domain=call.config.domain, statuses=present.statuses(call, d.statuses)
        )
        for d in described
    ]


@endpoint("admin:read:reports")
async def admin_index(call: Call):
    page = page_from(call.params, default=100, maximum=200)
    found = await report_service.list_reports(
        call.ctx,
        call.account,
        resolved=_resolved_filter(call),
        reporter_id=_optional_id(call, "account_id"),
        target_id=_optional_id(call, "target_account_id"),
        max_id=page.max_id,
        min_id=page.min_id,
        since_id=page.since_id,
        limit=page.limit,
    )
    ids = [v.report.id for v in found]
    return JSONResponse(
        await _admin_entities(call, found),
        headers=link_header(call.request, call.config.base_url, ids),
    )


async def _one(call: Call, view: report_service.ReportView):
    [entity] = await _admin_entities(call, [view])
    return entity


@endpoint("admin:read:reports")
async def admin_show(call: Call):
    return await _one(call, await report_service.get_report(call.ctx, call.account, call.path_id()))


@endpoint("admin:write:reports")
async def admin_resolve(call: Call):
    return await _one(call, await report_service.resolve(call.ctx, call.account, call.path_id()))


@endpoint("admin:write:reports")
async def admin_reopen(call: Call):
    return await _one(call, await report_service.reopen(call.ctx, call.account, call.path_id()))


@endpoint("admin:write:reports")
async def admin_assign_to_self(call: Call):
    view = await report_service.assign(call.ctx, call.account, call.path_id(), to_self=True)
    return await _one(call, view)


@endpoint("admin:write:reports")
async def admin_unassign(call: Call):
    view = await report_service.assign(call.ctx, call.account, call.path_id(), to_self=False)
    return await _one(call, view)


routes = [
    # Mastodon.py posts to the address with a trailing slash.
    Route("/api/v1/reports", create, methods=["POST"]),
    Route("/api/v1/reports/", create, methods=["POST"]),
    Route("/api/v1/admin/reports", admin_index, methods=["GET"]),
    Route("/api/v1/admin/reports/{id}", admin_show, methods=["GET"]),
    Route("/api/v1/admin/reports/{id}/resolve", admin_resolve, methods=["POST"]),
    Route("/api/v1/admin/reports/{id}/reopen", admin_reopen, methods=["POST"]),
    Route("/api/v1/admin/reports/{id}/assign_to_self", admin_assign_to_self, methods=["POST"]),
    Route("/api/v1/admin/reports/{id}/unassign", admin_unassign, methods=["POST"]),
]
