"""Blocks and mutes, as Mastodon's client API has them: block, unblock, mute (with
`notifications` and `duration`) and unmute an account, answered with the Relationship;
the lists of blocked and muted accounts, and the resident's own domain blocks."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..services import blocks
from ..services import timelines as timeline_service
from . import entities, present
from .auth import Call, endpoint
from .errors import ApiError
from .pagination import link_header, page_from


async def _relationship(call: Call, actor_id: int):
    found = await timeline_service.relationships(call.ctx, call.actor, [actor_id])
    return entities.relationship(found[0])


@endpoint("write:blocks")
async def block(call: Call):
    target = await blocks.block(call.ctx, call.actor, call.path_id())
    return await _relationship(call, target.id)


@endpoint("write:blocks")
async def unblock(call: Call):
    target = await blocks.unblock(call.ctx, call.actor, call.path_id())
    return await _relationship(call, target.id)


@endpoint("write:mutes")
async def mute(call: Call):
    duration = None
    if call.params.get("duration") not in (None, ""):
        duration = call.params.int("duration")
        if duration is None:
            raise ApiError(422, "Validation failed: duration must be a number of seconds")
    target = await blocks.mute(
        call.ctx,
        call.actor,
        call.path_id(),
        notifications=call.params.bool("notifications", default=True),
        duration=duration,
    )
    return await _relationship(call, target.id)


@endpoint("write:mutes")
async def unmute(call: Call):
    target = await blocks.unmute(call.ctx, call.actor, call.path_id())
    return await _relationship(call, target.id)


@endpoint("read:blocks")
async def blocked(call: Call):
    pairs = await blocks.blocked(
        call.ctx, call.actor, page_from(call.params, default=40, maximum=80)
    )
    return present.paged(
        call, present.accounts(call, [view for _id, view in pairs]), [i for i, _v in pairs]
    )


@endpoint("read:mutes")
async def muted(call: Call):
    found = await blocks.muted(call.ctx, call.actor, page_from(call.params, default=40, maximum=80))
    accounts = [
        {
            **present.account(call, item.account),
            "mute_expires_at": entities.timestamp(item.mute.expires_at)
            if item.mute.expires_at
            else None,
        }
        for item in found
    ]
    return present.paged(call, accounts, [item.mute.id for item in found])


@endpoint("read:blocks")
async def domain_blocks(call: Call):
    pairs = await blocks.blocked_domains(
        call.ctx, call.actor, page_from(call.params, default=100, maximum=200)
    )
    return JSONResponse(
        [domain for _id, domain in pairs],
        headers=link_header(call.request, call.config.base_url, [i for i, _d in pairs]),
    )


def _domain(call: Call) -> str:
    domain = call.params.str("domain")
    if not domain:
        raise ApiError(422, "Validation failed: domain is missing")
    return domain


@endpoint("write:blocks")
async def block_domain(call: Call):
    await blocks.block_domain(call.ctx, call.actor, _domain(call))
    return {}


@endpoint("write:blocks")
async def unblock_domain(call: Call):
    await blocks.unblock_domain(call.ctx, call.actor, _domain(call))
    return {}


routes = [
    Route("/api/v1/accounts/{id}/block", block, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unblock", unblock, methods=["POST"]),
    Route("/api/v1/accounts/{id}/mute", mute, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unmute", unmute, methods=["POST"]),
    Route("/api/v1/blocks", blocked, methods=["GET"]),
    Route("/api/v1/mutes", muted, methods=["GET"]),
    Route("/api/v1/domain_blocks", domain_blocks, methods=["GET"]),
    Route("/api/v1/domain_blocks", block_domain, methods=["POST"]),
    Route("/api/v1/domain_blocks", unblock_domain, methods=["DELETE"]),
]
