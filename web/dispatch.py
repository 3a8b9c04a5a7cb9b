"""Running a view: login, staff and admin guards, the form and its CSRF token, and every
expected failure turned into a page with a clear message and a 4xx (never a 500)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from fedlocal.boundary.problems import InputProblem
from fedlocal.services.errors import ServiceError
from fedlocal.services.login import TooManyAttempts
from fedlocal.services.staff import can_moderate

from . import csrf
from .error_page import MESSAGES as PROBLEM_MESSAGES
from .forms import BadForm, read_form
from .labels import N_
from .page import Page
from .service_messages import translate_service_error
from .views import legal

View = Callable[[Page], Awaitable[Response]]

CSRF_MESSAGES = {
    "missing": N_(
        "This form arrived without its security token. Reload the page and send it again."
    ),
    "no-session": N_(
        "Your browser did not send back our cookie, which forms need. Allow cookies for "
        "this site, reload the page and try again."
    ),
    "invalid": N_("This form's security token is not valid. Reload the page and try again."),
    "expired": N_("This form has expired. Reload the page and send it again."),
    "replayed": N_(
        "This form was already sent once, and is not sent twice. Reload the page if you "
        "meant to do it again."
    ),
}
BAD_FORM_MESSAGES = {
    "unsupported-type": N_("This form was not sent the way our forms are."),
    "too-large": N_("This form is too large."),
    "unreadable": N_("This form could not be read."),
}


async def run_view(
    page: Page, view: View, *, login: bool = False, admin: bool = False, staff: bool = False
) -> Response:
    try:
        response = await _guarded(page, view, login=login, admin=admin, staff=staff)
    except csrf.CsrfError as exc:
        response = await page.error(
            403, page.t(CSRF_MESSAGES[exc.reason]), title=page.t("Form refused")
        )
    except BadForm as exc:
        response = await page.error(exc.status, page.t(BAD_FORM_MESSAGES[exc.reason]))
    except InputProblem as exc:
        message = PROBLEM_MESSAGES.get(exc.code, PROBLEM_MESSAGES["bad_request"])
        response = await page.error(exc.status, page.t(message))
    except TooManyAttempts as exc:
        response = await page.error(429, translate_service_error(page.t, exc))
        response.headers["Retry-After"] = str(exc.retry_after)
    except ServiceError as exc:
        response = await page.error(exc.status, translate_service_error(page.t, exc))
    return await page.finish(response)


async def _guarded(page: Page, view: View, *, login: bool, admin: bool, staff: bool) -> Response:
    if page.request.method == "POST":
        page.form = await read_form(page.request)
        await page.web.sessions.use_form_token(page.visitor, page.form.get(csrf.FIELD) or None)
    if (login or admin or staff) and page.me is None:
        return page.to_login()
    if admin and not (page.account and page.account.is_admin):
        return await page.error(403, page.t("This page is for the instance's administrators."))
    if staff and not can_moderate(page.account):
        return await page.error(
            403, page.t("This page is for the instance's moderators and administrators.")
        )
    # New terms: nothing but the legal pages and logging out until the resident accepts.
    if not legal.consent_exempt(page.request.url.path) and await legal.needs_consent(page):
        return legal.to_consent(page)
    return await view(page)
