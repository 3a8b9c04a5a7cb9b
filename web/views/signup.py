"""Signing up (by the instance's mode: open, approval, invitation), logging in and out."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.services import people
from fedlocal.services import signup as signup_service
from fedlocal.services.accounts import MIN_PASSWORD_LENGTH, USERNAME_PATTERN
from fedlocal.services.errors import Busy, ServiceError
from fedlocal.services.login import AwaitingApproval, LoginRefused, TooManyAttempts, log_in
from fedlocal.services.signup import PRESENTATION_MAX

from ..forms import FormState
from ..page import Page, safe_next
from ..service_messages import translate_service_error
from .trust import waiting_for_vouches

USERNAME_MAX = 30


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "username": t("Username"),
        "email": t("E-mail address"),
        "password": t("Password"),
        "invite_code": t("Invitation code"),
        "login": t("Username or e-mail address"),
        "presentation": t("A few words about you"),
        "quarter": t("My quarter"),
        "agreement": t("Terms of use"),
    }


async def form(page: Page) -> Response:
    if page.me is not None:
        return page.redirect("/")
    state = FormState(values={"invite_code": page.request.query_params.get("invite", "")[:64]})
    return await _form(page, state)


async def _form(page: Page, state: FormState, status: int = 200) -> Response:
    return await page.render(
        "signup.html",
        status=status,
        state=state,
        labels=_labels(page),
        mode=page.config.signup_mode,
        min_password=MIN_PASSWORD_LENGTH,
        username_max=USERNAME_MAX,
        presentation_max=PRESENTATION_MAX,
        quarters=[(q.name, q.name) for q in page.config.quarters],
        vouches_needed=page.config.vouches_needed,
        section="signup",
    )


async def submit(page: Page) -> Response:
    t = page.t
    state = FormState(values=page.form.as_dict())
    username = state.values.get("username", "").strip().lower()
    password = state.values.get("password", "")
    email = state.values.get("email", "").strip() or None
    if not username:
        state.error("username", t("Choose a username."))
    elif not USERNAME_PATTERN.match(username):
        state.error(
            "username",
            t("Use 1 to 30 characters: letters a-z, digits, _ and (not first or last) . or -."),
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        state.error(
            "password",
            t("Choose a password of at least %(min)s characters.", min=MIN_PASSWORD_LENGTH),
        )
    if page.config.signup_mode == "invite" and not state.values.get("invite_code", "").strip():
        state.error("invite_code", t("Enter the code of your invitation."))
    if page.config.signup_mode == "vouch":
        presentation = " ".join(state.values.get("presentation", "").split())
        if not presentation:
            state.error(
                "presentation",
                t("Write a few words so that the neighbours who know you recognise you."),
            )
        elif len(presentation) > PRESENTATION_MAX:
            state.error(
                "presentation",
                t("Write at most %(max)s characters.", max=PRESENTATION_MAX),
            )
    agreed = state.values.get("agreement") == "yes"
    if not agreed:
        state.error("agreement", t("Accept the terms of use and the privacy policy to sign up."))
    if not state.ok:
        return await _form(page, state, status=422)
    try:
        account, actor = await signup_service.sign_up(
            page.services,
            username=username,
            password=password,
            email=email,
            invite_code=state.values.get("invite_code"),
            locale=page.lang,
            presentation=state.values.get("presentation"),
            quarter=state.values.get("quarter") or None,
            agreement=agreed,
        )
    except ServiceError as exc:
        field = exc.field if exc.field in _labels(page) else "_form"
        state.error(field, translate_service_error(t, exc))
        return await _form(page, state, status=exc.status)
    if not account.is_approved and page.config.signup_mode == "vouch":
        return await waiting_for_vouches(page, account)
    if not account.is_approved:
        return page.redirect("/", notice="signup-pending")
    await page.web.sessions.log_in(page.visitor, account, actor)
    return page.redirect("/", notice="welcome")


async def login_form(page: Page) -> Response:
    target = safe_next(page.request.query_params.get("next"))
    if page.me is not None:
        return page.redirect(target)
    return await _login_form(page, FormState(values={"next": target}))


async def _login_form(page: Page, state: FormState, status: int = 200) -> Response:
    return await page.render(
        "login.html", status=status, state=state, labels=_labels(page), section="login"
    )


async def login(page: Page) -> Response:
    state = FormState(values=page.form.as_dict())
    state.values.pop("password", None)
    target = safe_next(state.values.get("next"))
    try:
        account = await log_in(
            page.services,
            page.form.get("login"),
            page.form.get("password"),
            address=page.client_ip,
        )
    except (TooManyAttempts, Busy) as exc:
        state.error("_form", translate_service_error(page.t, exc))
        response = await _login_form(page, state, status=exc.status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AwaitingApproval as exc:
        if exc.account is not None and page.config.signup_mode == "vouch":
            return await waiting_for_vouches(page, exc.account)
        state.error("_form", translate_service_error(page.t, exc))
        return await _login_form(page, state, status=exc.status)
    except LoginRefused as exc:
        state.error("_form", translate_service_error(page.t, exc))
        return await _login_form(page, state, status=exc.status)
    actor = await people.by_id(page.services, account.actor_id)
    await page.web.sessions.log_in(page.visitor, account, actor)
    return page.redirect(target, notice="logged-in")


async def logout(page: Page) -> Response:
    await page.web.sessions.log_out(page.visitor)
    return page.redirect("/", notice="logged-out")
