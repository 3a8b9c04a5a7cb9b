"""Moving house (Mastodon's account migration), from the settings: the resident's other
accounts (`alsoKnownAs`, so that an old account elsewhere may move here) and moving this
account to a new one elsewhere (asks first, `web/confirm.py`)."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.services import follow_import, moves
from fedlocal.services.errors import ServiceError

from ..forms import FormState
from ..page import Page
from ..service_messages import translate_service_error

ADDRESS_MAX = 500


async def index(page: Page) -> Response:
    return await _render(page, FormState(), FormState())


async def _render(
    page: Page,
    alias: FormState,
    target: FormState,
    status: int = 200,
    *,
    upload: FormState | None = None,
    report: follow_import.ImportReport | None = None,
) -> Response:
    assert page.me is not None
    return await page.render(
        "moving.html",
        status=status,
        upload=upload or FormState(),
        report=report,
        failures=[(address, translate_service_error(page.t, exc)) for address, exc in report.failed]
        if report
        else [],
        import_batch=follow_import.BATCH,
        aliases=page.me.also_known_as,
        moved_to=page.me.moved_to,
        alias=alias,
        target=target,
        cooldown_days=moves.MOVE_COOLDOWN.days,
        labels={
            "alias": page.t("Address of your other account"),
            "target": page.t("Address of your new account"),
            "file": page.t("File of the accounts you follow"),
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


async def import_follows(page: Page) -> Response:
    """Follow the accounts of a file (Mastodon's export, or one address a line); the page
    says what was done, and what failed and why."""
    assert page.me is not None
    state = FormState()
    data = page.form.files.get("file")
    if not data:
        state.error("file", page.t("Choose a file."))
        return await _render(page, FormState(), FormState(), status=422, upload=state)
    try:
        report = await follow_import.import_follows(page.services, page.me, data)
    except ServiceError as exc:
        state.error("file", translate_service_error(page.t, exc))
        return await _render(page, FormState(), FormState(), status=exc.status, upload=state)
    return await _render(page, FormState(), FormState(), report=report)
