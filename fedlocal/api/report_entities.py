"""Reports as Mastodon answers them: the reporter's `Report`, and the moderators'
`Admin::Report` with its `Admin::Account`s."""

from __future__ import annotations

from typing import Any

from ..services.reports import ReportDetails
from ..services.views import AccountView
from ..urls import Urls
from . import entities


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
        "target_account": entities.account(details.target, urls, domain=domain),
    }


def admin_account(view: AccountView, urls: Urls, *, domain: str) -> dict[str, Any]:
    """Mastodon's Admin::Account, as far as we know it (no addresses are kept)."""
    actor, account = view.actor, view.account
    created = account.created_at if account is not None else actor.created_at
    return {
        "id": str(actor.id),
        "username": actor.username,
        "domain": None if actor.is_local else actor.domain,
        "created_at": entities.timestamp(created),
        "email": (account.email or "") if account is not None else "",
        "ip": None,
        "ips": [],
        "locale": (account.locale or "") if account is not None else "",
        "invite_request": None,
        "role": {
            "id": "-99",
            "name": "",
            "permissions": "0",
            "color": "",
            "highlighted": False,
        },
        "confirmed": True,
        "approved": account.is_approved if account is not None else True,
        "disabled": account.is_disabled if account is not None else False,
        "silenced": False,
        "suspended": account.is_disabled if account is not None else actor.gone_at is not None,
        "sensitized": False,
        "account": entities.account(view, urls, domain=domain),
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }


def admin_report(
    details: ReportDetails, urls: Urls, *, domain: str, **options: Any
) -> dict[str, Any]:
    """Mastodon's Admin::Report. A Flag from another server has its sender (that server's
    instance actor, usually) as `account`."""

    def person(view: AccountView | None) -> dict[str, Any] | None:
        return admin_account(view, urls, domain=domain) if view is not None else None

    report = details.view.report
    return {
        **_common(details),
        "updated_at": entities.timestamp(report.updated_at),
        "account": person(details.reporter),
        "target_account": person(details.target),
        "assigned_account": person(details.assigned),
        "action_taken_by_account": person(details.resolved_by),
        "statuses": [
            entities.status(view, urls, domain=domain, **options) for view in details.statuses
        ],
        "rules": [],
    }
