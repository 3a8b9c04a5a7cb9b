"""Mastodon's admin API for domain blocks (`admin:read:domain_blocks`,
`admin:write:domain_blocks`; administrators only), and the public list
`GET /api/v1/instance/domain_blocks` (Mastodon's default `show_domain_blocks: all`)."""

from __future__ import annotations

from starlette.routing import Route

from ..services import domain_blocks
from ..services.errors import Conflict
from .admin_entities import admin_domain_block, domain_block
from .auth import Call, endpoint
from .errors import ApiError
from .pagination import page_from
from .present import paged


@endpoint("admin:read:domain_blocks")
async def index(call: Call):
    page = page_from(call.params, default=100, maximum=200)
    found = await domain_blocks.admin_page(
        call.ctx, call.account, max_id=page.max_id, since_id=page.since_id, limit=page.limit
    )
    return paged(call, [admin_domain_block(b) for b in found], [b.id for b in found])


@endpoint("admin:read:domain_blocks")
async def show(call: Call):
    return admin_domain_block(await domain_blocks.block(call.ctx, call.account, call.path_id()))


@endpoint("admin:write:domain_blocks")
async def create(call: Call):
    """Mastodon's default severity is `silence`; an existing block is a 422."""
    p = call.params
    try:
        created = await domain_blocks.create(
            call.ctx,
            call.account,
            domain=p.str("domain") or "",
            severity=p.str("severity") or "silence",
            public_comment=p.str("public_comment") or "",
            private_comment=p.str("private_comment") or "",
        )
    except Conflict as exc:
        raise ApiError(422, exc.message) from None
    return admin_domain_block(created)


@endpoint("admin:write:domain_blocks")
async def update(call: Call):
    p = call.params
    changed = await domain_blocks.update(
        call.ctx,
        call.account,
        call.path_id(),
        severity=p.str("severity") or None,
        public_comment=p.str("public_comment"),
        private_comment=p.str("private_comment"),
    )
    return admin_domain_block(changed)


@endpoint("admin:write:domain_blocks")
async def destroy(call: Call):
    await domain_blocks.remove(call.ctx, call.account, call.path_id())
    return {}


@endpoint(who="none")
async def public(call: Call):
    """Every block, with its public comment, to anyone (as Mastodon's default)."""
    return [domain_block(b) for b in await domain_blocks.public_list(call.ctx)]


routes = [
    Route("/api/v1/admin/domain_blocks", index, methods=["GET"]),
    Route("/api/v1/admin/domain_blocks", create, methods=["POST"]),
    Route("/api/v1/admin/domain_blocks/{id}", show, methods=["GET"]),
    Route("/api/v1/admin/domain_blocks/{id}", update, methods=["PUT"]),
    Route("/api/v1/admin/domain_blocks/{id}", destroy, methods=["DELETE"]),
    Route("/api/v1/instance/domain_blocks", public, methods=["GET"]),
]
