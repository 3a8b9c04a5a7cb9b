"""The web app's answer to a request the error boundary refused or that failed: the
site's error page in the visitor's language, with a reference to quote for a server
error. The technical reason stays in the log."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedlocal.boundary.answers import Problem
from fedlocal.boundary.request_id import current_request_id

from .labels import N_

TITLES = {
    "not_found": N_("Page not found"),
    "server_error": N_("Something went wrong"),
    "unavailable": N_("Briefly unavailable"),
}
MESSAGES = {
    "bad_request": N_("This request could not be understood. Go back and try again."),
    "not_found": N_("There is nothing at this address. The link may be wrong or out of date."),
    "method_not_allowed": N_("This address cannot be used that way."),
    "too_large": N_("What you sent is too large."),
    "unsupported_type": N_("This form was not sent the way our forms are."),
    "too_many_requests": N_("Too many attempts in a short time. Wait a moment and try again."),
    "server_error": N_(
        "Something went wrong on our side. Try again; if it happens again, tell the "
        "administrators and give them the reference below."
    ),
    "unavailable": N_("The site is briefly unavailable. Try again in a minute."),
}


async def render_error_page(request: Request, problem: Problem) -> Response:
    """The error page for `problem`, as the visitor's other pages look."""
    page = await request.app.state.pages.open_page(request)
    title = TITLES.get(problem.key, N_("Sorry"))
    message = MESSAGES.get(problem.key, MESSAGES["bad_request"])
    response = await page.error(
        problem.status,
        page.t(message),
        title=page.t(title),
        reference=current_request_id() if problem.status >= 500 else None,
    )
    return await page.finish(response)
