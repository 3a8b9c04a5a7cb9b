"""A resident's settings: profile (display name, home quarter, bio and fields), language,
password; and
the language switch of every page."""

from __future__ import annotations

from starlette.responses import FileResponse, Response

from fedlocal.boundary import ids
from fedlocal.services import account_deletion
from fedlocal.services import data_exports as export_service
from fedlocal.services import media as media_service
from fedlocal.services import settings as settings_service
from fedlocal.services import vouches as vouch_service
from fedlocal.services.accounts import MIN_PASSWORD_LENGTH
from fedlocal.services.errors import Busy, Conflict, InvalidInput
from fedlocal.services.login import TooManyAttempts

from ..forms import FormState
from ..i18n import LANGUAGE_NAMES
from ..page import Page, safe_next
from ..service_messages import translate_service_error
from .photos import ACCEPT, AGAIN

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "display_name": t("Display name"),
        "note": t("About you"),
        "field_name_0": t("Profile fields"),
        "quarter": t("My quarter"),
        "avatar": t("Profile picture"),
        "header": t("Header image"),
        "language": t("Language"),
        "current_password": t("Current password"),
        "new_password": t("New password"),
    }


async def index(page: Page) -> Response:
    return await _render(page, FormState(), FormState())


async def _render(
    page: Page, profile: FormState, password: FormState, status: int = 200
) -> Response:
    me = page.me
    assert me is not None and page.account is not None
    profile.values.setdefault("display_name", me.display_name)
    profile.values.setdefault("quarter", me.home_quarter or "")
    profile.values.setdefault("locked", "yes" if me.manually_approves_followers else "")
    profile.values.setdefault("note", me.note_source or "")
    for n, field in enumerate(me.fields[: settings_service.FIELDS_MAX]):
        profile.values.setdefault(f"field_name_{n}", field.name)
        profile.values.setdefault(f"field_value_{n}", field.source or "")
    return await page.render(
        "settings.html",
        status=status,
        profile=profile,
        password=password,
        labels=_labels(page),
        quarters=[(q.name, q.name) for q in page.config.quarters],
        language_choices=[(code, LANGUAGE_NAMES.get(code, code)) for code in page.config.languages],
        min_password=MIN_PASSWORD_LENGTH,
        display_name_max=settings_service.DISPLAY_NAME_MAX,
        note_max=settings_service.NOTE_MAX,
        fields_max=settings_service.FIELDS_MAX,
        field_max=settings_service.FIELD_PART_MAX,
        photo_accept=ACCEPT,
        photo_max_megabytes=page.config.media_max_bytes // (1024 * 1024),
        shows_vouches=await vouch_service.shows_vouches(page.services, page.account),
        data_export=await export_service.current(page.services, page.account),
        section="settings",
    )


async def save_profile(page: Page) -> Response:
    assert page.account is not None
    state = FormState(values=page.form.as_dict())
    try:
        await settings_service.update_profile(
            page.services,
            page.account,
            display_name=state.values.get("display_name", ""),
            quarter=state.values.get("quarter") or None,
            locked=state.values.get("locked") == "yes",
        )
        sent_fields = any(k.startswith("field_name_") for k in state.values)
        await settings_service.update_about(
            page.services,
            page.account,
            note=state.values.get("note"),
            fields=[
                (state.values.get(f"field_name_{n}", ""), state.values.get(f"field_value_{n}", ""))
                for n in range(settings_service.FIELDS_MAX)
            ]
            if sent_fields
            else None,
        )
    except InvalidInput as exc:
        field = "field_name_0" if exc.field == "fields_attributes" else exc.field
        state.error(field or "_form", translate_service_error(page.t, exc))
        return await _render(page, state, FormState(), status=422)
    # The pictures after the text: a refused picture is shown beside its field, the rest
    # of the profile being saved already (and the form says to choose the file again).
    files = page.form.files
    for which in ("avatar", "header"):
        if which not in files:
            continue
        try:
            await media_service.set_profile_pictures(
                page.services, page.account, **{which: files[which]}
            )
        except InvalidInput as exc:
            state.error(which, translate_service_error(page.t, exc))
    if not state.ok:
        state.values[AGAIN] = "yes"
        return await _render(page, state, FormState(), status=422)
    return page.redirect("/settings", notice="profile-saved")


async def change_password(page: Page) -> Response:
    assert page.account is not None
    state = FormState()
    try:
        await settings_service.change_password(
            page.services,
            page.account,
            current=page.form.get("current_password"),
            new=page.form.get("new_password"),
            address=page.client_ip,
        )
    except InvalidInput as exc:
        field = exc.field if exc.field in ("current_password", "new_password") else "_form"
        state.error(field, translate_service_error(page.t, exc))
        return await _render(page, FormState(), state, status=422)
    except (TooManyAttempts, Busy) as exc:
        state.error("_form", translate_service_error(page.t, exc))
        response = await _render(page, FormState(), state, status=exc.status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    await page.web.sessions.end_other_sessions(page.visitor)
    return page.redirect("/settings", notice="password-changed")


async def request_export(page: Page) -> Response:
    """Ask for one's data download: built in the background, shown on the settings page."""
    assert page.account is not None
    await export_service.request_export(page.services, page.account)
    return page.redirect("/settings#download", notice="export-requested")


async def download_export(page: Page) -> Response:
    """The zip of one's data download (its owner only: anyone else gets 404)."""
    assert page.account is not None
    export_id = ids.path_id(page.request.path_params["export_id"], "export")
    path = await export_service.download(page.services, page.account, export_id)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{page.account.username}-data.zip",
        headers={"Cache-Control": "private, no-store"},
    )


async def delete_form(page: Page) -> Response:
    """The page that says what deleting the account removes, and asks for the password."""
    return await _render_delete(page, FormState())


async def _render_delete(page: Page, state: FormState, status: int = 200) -> Response:
    return await page.render(
        "delete_account.html",
        status=status,
        form=state,
        labels={"current_password": page.t("Current password")},
        section="settings",
    )


async def delete_account(page: Page) -> Response:
    """The resident deletes their account; they are logged out and land on the home page."""
    assert page.account is not None
    state = FormState()
    try:
        await account_deletion.delete_own_account(
            page.services,
            page.account,
            password=page.form.get("current_password"),
            address=page.client_ip,
        )
    except (InvalidInput, Conflict) as exc:
        field = "current_password" if isinstance(exc, InvalidInput) else "_form"
        state.error(field, translate_service_error(page.t, exc))
        return await _render_delete(page, state, status=exc.status)
    except (TooManyAttempts, Busy) as exc:
        state.error("_form", translate_service_error(page.t, exc))
        response = await _render_delete(page, state, status=exc.status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    await page.web.sessions.log_out(page.visitor)
    return page.redirect("/", notice="account-deleted")


async def switch_language(page: Page) -> Response:
    """The language switch of a logged-in resident: saved to their account."""
    assert page.account is not None
    language = page.form.get("language")
    await settings_service.set_language(page.services, page.account, language)
    response = page.redirect(safe_next(page.form.get("next"), "/settings"))
    _remember(page, response, language)
    return response


async def choose_language(page: Page) -> Response:
    """The language switch of a visitor: a cookie (nothing is stored on our side)."""
    language = page.request.path_params["language"]
    if page.web.i18n.supported(language) is None:
        return await page.error(404, page.t("This language is not available here."))
    response = page.redirect(safe_next(page.request.query_params.get("next")))
    _remember(page, response, language)
    return response


def _remember(page: Page, response: Response, language: str) -> None:
    response.set_cookie(
        page.web.language_cookie,
        language,
        max_age=LANGUAGE_COOKIE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=page.web.sessions.secure,
    )
