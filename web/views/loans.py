"""The author's steps of a loan or a gift with the neighbour an offer is reserved for:
record the handover and the return day, the return, the gift (services/loans.py)."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.services import loans as loan_service
from fedlocal.services.errors import InvalidInput

from ..forms import FormState, parse_date
from ..links import post_path
from ..page import Page
from .common import back_to, keep_error, visible_post
from .listings import detail, listing_of, local_today

# The service's field names, as the loan form calls them.
LOAN_FIELDS = {"lent_on": "lent_on", "due_on": "due_on"}


async def lend(page: Page) -> Response:
    """The handover (today unless said otherwise) and the agreed return day."""
    assert page.me is not None
    post = await listing_of(page)
    state = FormState(values=page.form.as_dict())
    lent_on = _day(page, state, "lent_on", required=False)
    due_on = _day(page, state, "due_on", required=True)
    if state.ok and due_on is not None:
        try:
            await loan_service.hand_over(
                page.services, page.me, post.id, lent_on=lent_on or local_today(page), due_on=due_on
            )
        except InvalidInput as exc:
            keep_error(page, state, exc, LOAN_FIELDS)
        else:
            return page.redirect(back_to(page, post_path(post)), notice="lent")
    post, author = await visible_post(page, str(post.id))
    return await detail(page, post, author, loan_state=state, status=422)


def _day(page: Page, state: FormState, name: str, *, required: bool):
    text = state.values.get(name, "").strip()
    if not text:
        if required:
            state.error(name, page.t("Enter the day it is to be returned."))
        return None
    value = parse_date(text)
    if value is None:
        state.error(name, page.t("Enter a date, for example 2025-06-14."))
    return value


async def returned(page: Page) -> Response:
    assert page.me is not None
    post = await listing_of(page)
    await loan_service.mark_returned(page.services, page.me, post.id)
    return page.redirect(back_to(page, post_path(post)), notice="returned")


async def give(page: Page) -> Response:
    assert page.me is not None
    post = await listing_of(page)
    await loan_service.give(page.services, page.me, post.id)
    return page.redirect(back_to(page, post_path(post)), notice="given")
