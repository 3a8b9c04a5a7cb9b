"""Offers and requests: the forms to publish them, their page, "I'm interested", and the
author's status actions (reserve for someone who is interested, release, close, cancel)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from starlette.responses import Response

from fedlocal.clock import utcnow
from fedlocal.models import OFFER_INTENTS, REQUEST_INTENTS, Actor, Post
from fedlocal.services import interest as interest_service
from fedlocal.services import listings as listing_service
from fedlocal.services import messages as message_service
from fedlocal.services import post_pages
from fedlocal.services.errors import InvalidInput
from fedlocal.services.listings import LISTING_VISIBILITIES, MAX_QUANTITY, TITLE_MAX, ListingInput

from .. import labels
from ..forms import FormState, day_end, day_start, parse_date, parse_int
from ..links import post_path
from ..page import Page
from ..service_messages import Refusal
from .cards import neighbour_name
from .common import back_to, visible_post
from .photos import (
    listing_slots,
    photo_form_values,
    slot_labels,
)
from .publish_fields import (
    offered_categories,
    read_category_and_description,
    read_title,
    where,
)
from .publish_flow import publish_with_photos

PRICE_MAX = 40
MESSAGE_MAX = 1000
# The service's field names, as this form calls them.
SERVICE_FIELDS = {
    "title": "title",
    "description": "description",
    "intent": "intent",
    "category": "category",
    "quantity": "quantity",
    "available_from": "available_from",
    "available_until": "available_until",
    "visibility": "visibility",
    "price": "price",
    "quarter": "quarter",
    "latitude": "quarter",
}
# The visibilities a resident chooses from (unlisted is for Mastodon clients).
FORM_VISIBILITIES = tuple(v for v in ("public", "followers", "local") if v in LISTING_VISIBILITIES)


def _intents(kind: str) -> tuple[str, ...]:
    return OFFER_INTENTS if kind == "offer" else REQUEST_INTENTS


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "intent": t("What is it?"),
        "title": t("Title"),
        "description": t("Description"),
        "category": t("Category"),
        "quarter": t("Quarter"),
        "address": t("Address"),
        "available_from": t("Available from"),
        "available_until": t("Available until"),
        "quantity": t("Quantity"),
        "price": t("Price"),
        "visibility": t("Who sees it"),
    }


async def new_offer(page: Page) -> Response:
    return await _form(page, "offer", _initial(page, "offer"))


async def new_request(page: Page) -> Response:
    return await _form(page, "request", _initial(page, "request"))


async def publish_offer(page: Page) -> Response:
    return await _publish(page, "offer")


async def publish_request(page: Page) -> Response:
    return await _publish(page, "request")


def _initial(page: Page, kind: str) -> FormState:
    assert page.me is not None
    return FormState(
        values={
            "intent": _intents(kind)[0],
            "quantity": "1",
            "visibility": "public",
            "quarter": page.me.home_quarter or "",
        }
    )


async def _form(page: Page, kind: str, state: FormState, status: int = 200) -> Response:
    t = page.t
    return await page.render(
        "listing_form.html",
        status=status,
        kind=kind,
        state=state,
        labels={**_labels(page), **slot_labels(listing_slots(page))},
        intents=[(intent, t(labels.INTENTS[intent])) for intent in _intents(kind)],
        categories=offered_categories(page),
        quarters=[(q.name, q.name) for q in page.config.quarters],
        visibilities=[(v, t(labels.VISIBILITIES[v])) for v in FORM_VISIBILITIES],
        title_max=TITLE_MAX,
        description_max=page.config.post_max_characters,
        max_quantity=MAX_QUANTITY,
        price_max=PRICE_MAX,
        section="publish",
        **photo_form_values(page, listing_slots(page)),
    )


async def _publish(page: Page, kind: str) -> Response:
    assert page.me is not None
    me = page.me
    return await publish_with_photos(
        page,
        listing_slots(page),
        lambda state: read_listing(page, kind, state),
        lambda data: listing_service.publish_listing(page.services, me, data),
        lambda state, status: _form(page, kind, state, status=status),
        SERVICE_FIELDS,
    )


def read_listing(page: Page, kind: str, state: FormState) -> ListingInput | None:
    """The form's values as the service takes them, or None with the errors in `state`."""
    t, values = page.t, state.values
    title = read_title(page, state, TITLE_MAX)
    intent = values.get("intent", "")
    if intent not in _intents(kind):
        state.error("intent", t("Choose one of the options."))
    category, description = read_category_and_description(page, state)
    quarter = where(page, state)
    available_from = _date(page, state, "available_from")
    available_until = _date(page, state, "available_until")
    if available_from and available_until and available_until < available_from:
        state.error("available_until", t("This date comes before the first one."))
    quantity = parse_int(values.get("quantity", "") or "1", minimum=1, maximum=MAX_QUANTITY)
    if quantity is None:
        state.error("quantity", t("Enter a number from 1 to %(max)s.", max=MAX_QUANTITY))
    price = values.get("price", "").strip()
    if price and intent != "sell":
        price = ""  # the field is only for sales; a leftover value is dropped
    if len(price) > PRICE_MAX:
        state.error("price", t("A price has at most %(max)s characters.", max=PRICE_MAX))
    visibility = values.get("visibility", "public")
    if visibility not in FORM_VISIBILITIES:
        state.error("visibility", t("Choose who sees this post."))
    if not state.ok:
        return None
    zone = page.config.timezone
    return ListingInput(
        kind=kind,
        title=title,
        description=description,
        intent=intent,
        category=category,
        quarter=quarter,
        available_from=day_start(available_from, zone) if available_from else None,
        available_until=day_end(available_until, zone) if available_until else None,
        quantity=quantity or 1,
        price=price or None,
        visibility=visibility,
        language=page.lang,
    )


def _date(page: Page, state: FormState, name: str):
    text = state.values.get(name, "").strip()
    if not text:
        return None
    value = parse_date(text)
    if value is None:
        state.error(name, page.t("Enter a date, for example 2025-06-14."))
    return value


# The page of an offer or a request


async def detail(
    page: Page,
    post: Post,
    author: Actor,
    *,
    loan_state: FormState | None = None,
    status: int = 200,
) -> Response:
    """The page of an offer or a request; `loan_state` holds a refused loan form."""
    me = page.me
    is_author = me is not None and me.id == author.id
    assert post.listing is not None
    found = await post_pages.listing_page(page.services, me, post)
    can_answer = (
        me is not None
        and me.role == "resident"
        and not is_author
        and found.mine is None
        and post.listing.status == "open"
    )
    # Each person's thread with the author about this post: the author's links to them,
    # and the interested neighbour's link to theirs.
    threads: dict[int, int] = {}
    if me is not None and is_author:
        threads = await message_service.listing_threads(page.services, me, post)
    elif me is not None and found.mine is not None:
        mine = await message_service.existing_thread(page.services, me, author, post.id)
        threads = {author.id: mine.id} if mine is not None else {}
    return await page.render(
        "listing.html",
        threads=threads,
        status=status,
        post=post,
        author=author,
        neighbour=await neighbour_name(page, author),
        is_author=is_author and post.is_local,
        interested=found.interested,
        mine=found.mine,
        reserved_for=found.reserved_for,
        can_answer=can_answer,
        closings=[(key, page.t(text)) for key, text in labels.CLOSED_AS.items()],
        loan_state=loan_state or FormState(),
        today=local_today(page).isoformat(),
        message_max=MESSAGE_MAX,
        section="feed",
    )


def local_today(page: Page) -> date:
    """The instance's calendar day (the loan form's default and bounds)."""
    return utcnow().astimezone(ZoneInfo(page.config.timezone)).date()


async def listing_of(page: Page) -> Post:
    post, _author = await visible_post(page, page.request.path_params["post_id"])
    if post.kind not in ("offer", "request") or post.listing is None:
        raise InvalidInput("no such offer or request")
    return post


async def interest(page: Page) -> Response:
    assert page.me is not None
    post = await listing_of(page)
    message = page.form.get("message").strip()
    if len(message) > MESSAGE_MAX:
        raise Refusal(page.t("A message has at most %(max)s characters.", max=MESSAGE_MAX))
    await interest_service.express_interest(page.services, page.me, post.uri, message or None)
    return page.redirect(post_path(post), notice="interest-sent")


async def reserve(page: Page) -> Response:
    assert page.me is not None
    post = await listing_of(page)
    target = page.form.get("for")
    if target not in {actor.uri for actor in await post_pages.interested(page.services, post)}:
        raise Refusal(page.t("Choose one of the people who showed interest."))
    await listing_service.reserve(page.services, page.me, post.id, target)
    return page.redirect(back_to(page, post_path(post)), notice="reserved")


async def release(page: Page) -> Response:
    assert page.me is not None
    post = await listing_of(page)
    await listing_service.release(page.services, page.me, post.id)
    return page.redirect(back_to(page, post_path(post)), notice="released")


async def close(page: Page) -> Response:
    assert page.me is not None
    post = await listing_of(page)
    outcome = page.form.get("closed_as") or None
    if outcome is not None and outcome not in labels.CLOSED_AS:
        raise Refusal(page.t("Choose one of the options."))
    await listing_service.close(page.services, page.me, post.id, outcome)
    return page.redirect(back_to(page, post_path(post)), notice="closed")


async def cancel(page: Page) -> Response:
    assert page.me is not None
    post = await listing_of(page)
    await listing_service.cancel(page.services, page.me, post.id)
    return page.redirect(back_to(page, post_path(post)), notice="cancelled")
