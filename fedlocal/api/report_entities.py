"""Reports as Mastodon answers them: the reporter's `Report`, and the moderators'
`Admin::Report` with its `Admin::Account`s (api/admin_entities.py)."""

from __future__ import annotations

from typing import Any

from ..services.admin_accounts import AdminAccountView
from ..services.reports import ReportDetails
from ..urls import Urls
from . import entities
from . import entity_types as E
from .admin_entities import admin_account


def _common(details: ReportDetails) -> dict[str, Any]:
    report = details.view.report
    return {
        "id": str(report.id),
        "action_taken": report.is_resolved,
        "action_taken_at": entities.timestamp(report.resolved_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": entities.timestamp(report.created_at),
    }


def report(details: ReportDetails, urls: Urls, *, domain: str) -> dict[str, Any]:
    """Mastodon's Report: what its reporter gets back."""
    return {
        **_common(details),
        "status_ids": [str(i) for i in details.view.report.post_ids] or None,
        "rule_ids": None,
        "target_account": entities.account(details.target.view, urls, domain=domain),
    }


def admin_report(
    details: ReportDetails, urls: Urls, *, domain: str, statuses: list[E.Status]
) -> dict[str, Any]:
    """Mastodon's Admin::Report. A Flag from another server has its sender (that server's
    instance actor, usually) as `account`."""

    def person(item: AdminAccountView | None) -> E.AdminAccount | None:
        return admin_account(item, urls, domain=domain) if item is not None else None

    report = details.view.report
    return {
        **_common(details),
        "updated_at": entities.timestamp(report.updated_at),
        "account": person(details.reporter),
        "target_account": person(details.target),
        "assigned_account": person(details.assigned),
        "action_taken_by_account": person(details.resolved_by),
        # The reported posts still held (present.statuses renders them).
        "statuses": statuses,
        "rules": [],
    }
