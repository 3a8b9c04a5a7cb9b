"""Blocking and muting from the web app: the buttons of a person's page (each asks first,
`web/confirm.py`), their undo, and the page listing whom one blocks and mutes and which
servers one hides, where an address elsewhere can be blocked too."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.boundary.paging import PageQuery
from fedlocal.services import blocks
from fedlocal.services import follows as follow_service
from fedlocal.services.errors import NotFound, ServiceError

from ..forms import FormState
from ..page import Page, safe_next
from ..service_messages import translate_service_error

LISTED = PageQuery(limit=200)
ADDRESS_MAX = 500


def _account_id(page: Page) -> int:
    found = ids.parse_id(page.form.get("account"))
    if found is None:
        raise NotFound("no such account")
    return found


def _back(page: Page) -> str:
    return safe_next(page.form.get("next"), "/blocks")


async def block(page: Page) -> Response:
    assert page.me is not None
    await blocks.block(page.services, page.me, _account_id(page))
    return page.redirect(_back(page), notice="blocked")


async def unblock(page: Page) -> Response:
    assert page.me is not None
    await blocks.unblock(page.services, page.me, _account_id(page))
    return page.redirect(_back(page), notice="unblocked")


async def mute(page: Page) -> Response:
    assert page.me is not None
    await blocks.mute(page.services, page.me, _account_id(page))
    return page.redirect(_back(page), notice="muted")


async def unmute(page: Page) -> Response:
    assert page.me is not None
    await blocks.unmute(page.services, page.me, _account_id(page))
    return page.redirect(_back(page), notice="unmuted")


async def index(page: Page) -> Response:
    return await _render(page, FormState(), FormState())


async def _render(page: Page, address: FormState, domain: FormState, status: int = 200) -> Response:
    assert page.me is not None
    return await page.render(
        "blocks.html",
        status=status,
        blocked=[view.actor for _id, view in await blocks.blocked(page.services, page.me, LISTED)],
        muted=[item.account.actor for item in await blocks.muted(page.services, page.me, LISTED)],
        domains=[
            name for _id, name in await blocks.blocked_domains(page.services, page.me, LISTED)
        ],
        address=address,
        domain=domain,
        labels={
            "handle": page.t("Block someone by their address"),
            "domain": page.t("Hide a server"),
        },
        section="settings",
    )


async def block_address(page: Page) -> Response:
    """Block someone by their address (`@name@server`), here or elsewhere."""
    assert page.me is not None
    state = FormState(values=page.form.as_dict())
    handle = state.values.get("handle", "").strip()
    if not handle or len(handle) > ADDRESS_MAX:
        state.error("handle", page.t("Type an address like @name@server.example."))
        return await _render(page, state, FormState(), status=422)
    try:
        target = await follow_service.resolve_target(page.services, handle)
        await blocks.block(page.services, page.me, target.id)
    except ServiceError as exc:
        state.error("handle", translate_service_error(page.t, exc))
        return await _render(page, state, FormState(), status=exc.status)
    return page.redirect("/blocks", notice="blocked")


async def block_domain(page: Page) -> Response:
    assert page.me is not None
    state = FormState(values=page.form.as_dict())
    try:
        await blocks.block_domain(page.services, page.me, state.values.get("domain", ""))
    except ServiceError as exc:
        state.error("domain", translate_service_error(page.t, exc))
        return await _render(page, FormState(), state, status=exc.status)
    return page.redirect("/blocks", notice="server-hidden")


async def unblock_domain(page: Page) -> Response:
    assert page.me is not None
    await blocks.unblock_domain(page.services, page.me, page.form.get("domain"))
    return page.redirect("/blocks", notice="server-shown")
