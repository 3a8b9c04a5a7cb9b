"""Reporting a post, a message or an account to the moderators: one form page (no
JavaScript), reached from the "Report" links on posts, messages and profiles."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.models import REPORT_CATEGORIES, Actor, Post
from fedlocal.services import reports as report_service
from fedlocal.services.errors import ServiceError
from fedlocal.services.reports import ReportInput

from ..forms import FormState
from ..labels import N_
from ..links import actor_link, post_path
from ..page import Page, safe_next
from ..post_text import excerpt_of
from .common import keep_error

# The reasons, as residents read them (Mastodon's categories).
CATEGORY_LABELS = {
    "spam": N_("Spam or unwanted advertising"),
    "legal": N_("Illegal content"),
    "violation": N_("It breaks this instance's rules"),
    "other": N_("Something else"),
}
SERVICE_FIELDS = {"category": "category", "comment": "comment", "account_id": "_form"}


def _labels(page: Page) -> dict[str, str]:
    return {"category": page.t("Reason"), "comment": page.t("What is wrong")}


async def _subject(page: Page, source) -> tuple[Actor, Post | None]:
    me = page.me
    assert me is not None
    return await report_service.subject(
        page.services,
        me,
        account_id=ids.query_id(source.get("account"), "account"),
        post_id=ids.query_id(source.get("post"), "post"),
    )


def _back(page: Page, target: Actor, post: Post | None, given: str | None) -> str:
    default = post_path(post) if post is not None else actor_link(target)
    return safe_next(given, default if default.startswith("/") else "/")


async def _render(
    page: Page,
    target: Actor,
    post: Post | None,
    state: FormState,
    back: str,
    status: int = 200,
) -> Response:
    return await page.render(
        "report.html",
        status=status,
        target=target,
        post=post,
        excerpt=excerpt_of(post) if post is not None else None,
        state=state,
        labels=_labels(page),
        categories=[(c, page.t(CATEGORY_LABELS[c])) for c in REPORT_CATEGORIES],
        comment_max=report_service.COMMENT_MAX,
        back=back,
    )


async def form(page: Page) -> Response:
    query = page.request.query_params
    target, post = await _subject(page, query)
    state = FormState(values={"category": "other"})
    return await _render(page, target, post, state, _back(page, target, post, query.get("next")))


async def submit(page: Page) -> Response:
    me = page.me
    assert me is not None
    target, post = await _subject(page, page.form)
    state = FormState(values=page.form.as_dict())
    back = _back(page, target, post, page.form.get("next"))
    try:
        await report_service.file_report(
            page.services,
            me,
            ReportInput(
                account_id=target.id,
                post_ids=(post.id,) if post is not None else (),
                category=page.form.get("category"),
                comment=page.form.get("comment"),
                forward=page.form.get("forward") == "yes",
            ),
        )
    except ServiceError as exc:
        keep_error(page, state, exc, SERVICE_FIELDS)
        return await _render(page, target, post, state, back, status=exc.status)
    return page.redirect(back, notice="reported")
