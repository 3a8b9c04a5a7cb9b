"""Mastodon's admin entities (Admin::Account, Admin::DomainBlock) and the public
DomainBlock of `GET /api/v1/instance/domain_blocks`."""

from __future__ import annotations

import hashlib

from ..services.admin_accounts import AdminAccountView
from ..services.domain_blocks import DomainBlock, PublicBlock
from ..urls import Urls
from . import entity_types as E
from .entities import account, role, timestamp


def admin_account(item: AdminAccountView, urls: Urls, *, domain: str) -> E.AdminAccount:
    actor, behind = item.actor, item.account
    return {
        "id": str(actor.id),
        "username": actor.username,
        "domain": None if actor.is_local else actor.domain,
        "created_at": timestamp(behind.created_at if behind else actor.created_at),
        "email": behind.email if behind else None,
        "ip": None,
        "ips": [],
        "locale": behind.locale if behind else None,
        "invite_request": None,
        "role": role(behind),
        "confirmed": behind is not None,
        "approved": behind.is_approved if behind else True,
        "disabled": behind.is_disabled if behind else False,
        "silenced": item.state.limited_at is not None,
        "suspended": item.state.suspended_at is not None,
        "sensitized": False,
        "account": account(item.view, urls, domain=domain),
    }


def digest(domain: str) -> str:
    return hashlib.sha256(domain.encode()).hexdigest()


def admin_domain_block(block: DomainBlock) -> E.AdminDomainBlock:
    return {
        "id": str(block.id),
        "domain": block.domain,
        "digest": digest(block.domain),
        "created_at": timestamp(block.created_at),
        "severity": block.severity,
        "reject_media": False,
        "reject_reports": False,
        "private_comment": block.private_comment or None,
        "public_comment": block.public_comment or None,
        "obfuscate": False,
    }


def domain_block(block: PublicBlock) -> E.DomainBlock:
    return {
        "domain": block.domain,
        "digest": digest(block.domain),
        "severity": block.severity,
        "comment": block.comment or None,
    }
