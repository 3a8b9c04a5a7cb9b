"""Moving house (Mastodon's account migration), from the settings: the resident's other
accounts (`alsoKnownAs`, so that an old account elsewhere may move here) and moving this
account to a new one elsewhere (asks first, `web/confirm.py`)."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.services import moves
from fedlocal.services.errors import ServiceError

from ..forms import FormState
from ..page import Page
from ..service_messages import translate_service_error

ADDRESS_MAX = 500


async def index(page: Page) -> Response:
    return await _render(page, FormState(), FormState())


async def _render(page: Page, alias: FormState, target: FormState, status: int = 200) -> Response:
    assert page.me is not None
    return await page.render(
        "moving.html",
        status=status,
        aliases=page.me.also_known_as,
        moved_to=page.me.moved_to,
        alias=alias,
        target=target,
        cooldown_days=moves.MOVE_COOLDOWN.days,
        labels={
            "alias": page.t("Address of your other account"),
            "target": page.t("Address of your new account"),
        },
        section="settings",
    )


def _address(page: Page, state: FormState, field: str) -> str | None:
    value = state.values.get(field, "").strip()
    if not value or len(value) > ADDRESS_MAX:
        state.error(field, page.t("Type an address like @name@server.example."))
        return None
    return value


async def add_alias(page: Page) -> Response:
    assert page.account is not None
    state = FormState(values=page.form.as_dict())
    address = _address(page, state, "alias")
    if address is None:
        return await _render(page, state, FormState(), status=422)
    try:
        await moves.add_alias(page.services, page.account, address)
    except ServiceError as exc:
        state.error("alias", translate_service_error(page.t, exc))
        return await _render(page, state, FormState(), status=exc.status)
    return page.redirect("/settings/moving", notice="alias-added")


async def remove_alias(page: Page) -> Response:
    assert page.account is not None
    await moves.remove_alias(page.services, page.account, page.form.get("uri"))
    return page.redirect("/settings/moving", notice="alias-removed")


async def move_out(page: Page) -> Response:
    assert page.account is not None
    state = FormState(values=page.form.as_dict())
    address = _address(page, state, "target")
    if address is None:
        return await _render(page, FormState(), state, status=422)
    try:
        await moves.move_out(page.services, page.account, address)
    except ServiceError as exc:
        state.error("target", translate_service_error(page.t, exc))
        return await _render(page, FormState(), state, status=exc.status)
    return page.redirect("/settings/moving", notice="moved")
