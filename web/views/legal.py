"""The legal pages (legal notice, privacy policy, terms of use, accessibility statement),
the "Your data" page, the acceptance of new terms, and the admins' editing of the legal
pages."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from fedlocal.services import legal as legal_service
from fedlocal.services.errors import NotFound, ServiceError
from fedlocal.services.legal_templates import LANGUAGES
from fedlocal.services.login import WINDOW as LOGIN_WINDOW

from ..forms import FormState
from ..labels import N_
from ..page import Page, safe_next
from ..service_messages import translate_service_error

TITLES = {
    "notice": N_("Legal notice"),
    "privacy": N_("Privacy policy"),
    "terms": N_("Terms of use"),
    "accessibility": N_("Accessibility statement"),
}
# While a resident has not accepted the current terms, only these stay open to them.
OPEN_BEFORE_CONSENT = ("/legal/", "/your-data", "/logout", "/language")
CONSENT_PATH = "/legal/accept"


def consent_exempt(path: str) -> bool:
    return path.startswith(OPEN_BEFORE_CONSENT)


async def needs_consent(page: Page) -> bool:
    """Whether the logged-in resident must accept the current terms before going on."""
    account = page.account
    if account is None:
        return False
    return await legal_service.accepted_current_terms(page.services, account.id) is None


def to_consent(page: Page) -> Response:
    back = page.path if page.request.method == "GET" else "/"
    return page.redirect(f"{CONSENT_PATH}?next={quote(back, safe='')}")


async def show(page: Page) -> Response:
    kind = page.request.path_params["kind"]
    if kind not in TITLES:
        raise NotFound("no such page")
    shown = await legal_service.page(page.services, kind, page.lang)
    return await page.render(
        "legal.html", kind=kind, title=page.t(TITLES[kind]), document=shown, section="legal"
    )


async def your_data(page: Page) -> Response:
    config = page.config
    return await page.render(
        "your_data.html",
        session_days=config.session_retention_days,
        notification_days=config.notification_retention_days,
        listing_days=config.listing_expiry_days,
        login_minutes=int(LOGIN_WINDOW.total_seconds() // 60),
        section="your-data",
    )


async def consent_form(page: Page) -> Response:
    target = safe_next(page.request.query_params.get("next"))
    if page.me is None:
        return page.to_login()
    if not await needs_consent(page):
        return page.redirect(target)
    return await page.render(
        "consent.html", next=target, version=legal_service.terms_version(page.services)
    )


async def accept(page: Page) -> Response:
    account = page.account
    assert account is not None
    await legal_service.accept_terms(page.services, account.id)
    return page.redirect(safe_next(page.form.get("next")), notice="terms-accepted")


# Administration


async def admin_index(page: Page) -> Response:
    pages = []
    for kind in TITLES:
        for language in LANGUAGES:
            pages.append((kind, language, await legal_service.page(page.services, kind, language)))
    return await page.render("admin_legal.html", pages=pages, titles=TITLES, section="admin")


def _edited(page: Page) -> tuple[str, str]:
    kind = page.request.path_params["kind"]
    language = page.request.path_params["language"]
    if kind not in TITLES or language not in LANGUAGES:
        raise NotFound("no such page")
    return kind, language


async def edit_form(page: Page, state: FormState | None = None, status: int = 200) -> Response:
    kind, language = _edited(page)
    shown = await legal_service.page(page.services, kind, language)
    state = state or FormState(values={"body": shown.markdown})
    return await page.render(
        "admin_legal_edit.html",
        status=status,
        state=state,
        kind=kind,
        language=language,
        title=page.t(TITLES[kind]),
        document=shown,
        template_text=legal_service.template(page.services, kind, language),
        labels={"body": page.t("Text (Markdown)")},
        section="admin",
    )


async def save(page: Page) -> Response:
    kind, language = _edited(page)
    account = page.account
    assert account is not None
    back_to_template = page.form.get("action") == "template"
    body = None if back_to_template else page.form.get("body")
    try:
        await legal_service.save(page.services, account, kind, language, body)
    except ServiceError as exc:
        state = FormState(values={"body": body or ""})
        state.error("body", translate_service_error(page.t, exc))
        return await edit_form(page, state, status=exc.status)
    return page.redirect(f"/admin/legal/{kind}/{language}", notice="legal-saved")
