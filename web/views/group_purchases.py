"""Group purchases: the form to propose one, its page (total against the minimum, the
commit / change / withdraw form), the organiser's decision, and the list of who takes
what (a printable page and a CSV file)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from babel.numbers import format_decimal
from starlette.responses import Response

from fedlocal.clock import utcnow
from fedlocal.models import Actor, Post
from fedlocal.purchases import UNITS, from_milli, per_unit, unit_named
from fedlocal.services import group_purchases as purchase_service
from fedlocal.services.errors import InvalidInput
from fedlocal.services.group_purchases import TITLE_MAX, PurchaseInput, price_text

from .. import labels
from ..forms import FormState, parse_date, parse_local_datetime
from ..links import post_path
from ..page import Page
from ..service_messages import KNOWN, Refusal, sentence
from .cards import neighbour_name
from .common import visible_post
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

FORM_VISIBILITIES = ("public", "followers", "local")
SERVICE_FIELDS = {
    "title": "title",
    "description": "description",
    "unit": "unit",
    "unit_price": "unit_price",
    "minimum": "minimum",
    "maximum": "maximum",
    "deadline": "deadline_on",
    "pickup_at": "pickup_on",
    "pickup_place": "pickup_place",
    "quarter": "quarter",
    "visibility": "visibility",
    "category": "category",
}


def _labels(page: Page) -> dict[str, str]:
    t = page.t
    return {
        "title": t("Title"),
        "description": t("Description"),
        "category": t("Category"),
        "unit": t("Sold by"),
        "unit_price": t("Price per unit (€)"),
        "minimum": t("Minimum total quantity"),
        "maximum": t("Maximum total quantity"),
        "deadline_on": t("Commitments until (date)"),
        "deadline_time": t("Commitments until (time)"),
        "pickup_on": t("Pickup date"),
        "pickup_time": t("Pickup time"),
        "pickup_place": t("Pickup place"),
        "quarter": t("Quarter"),
        "visibility": t("Who sees it"),
    }


def _quantity(page: Page):
    """Thousandths shown as the visitor writes numbers: 2500 → "2,5" in French."""
    return lambda milli: format_decimal(from_milli(milli), locale=page.t.locale)


def _amount(page: Page, unit_key: str):
    """Thousandths with the unit's name for that quantity: 2500 → "2,5 stères"."""
    unit = unit_named(unit_key)
    quantity = _quantity(page)

    def amount(milli: int) -> str:
        name = unit.label_for(page.lang, milli) if unit else unit_key
        return f"{quantity(milli)} {name}"

    return amount


def _units(page: Page) -> list[tuple[str, str]]:
    return [(unit.key, unit.label(page.lang)) for unit in UNITS]


async def new_purchase(page: Page) -> Response:
    assert page.me is not None
    state = FormState(
        values={"unit": "kg", "visibility": "public", "quarter": page.me.home_quarter or ""}
    )
    return await _form(page, state)


async def _form(page: Page, state: FormState, status: int = 200) -> Response:
    t = page.t
    slots = listing_slots(page)
    return await page.render(
        "group_purchase_form.html",
        status=status,
        kind="group_purchase",
        state=state,
        labels={**_labels(page), **slot_labels(slots)},
        units=_units(page),
        categories=offered_categories(page),
        quarters=[(q.name, q.name) for q in page.config.quarters],
        visibilities=[(v, t(labels.VISIBILITIES[v])) for v in FORM_VISIBILITIES],
        title_max=TITLE_MAX,
        description_max=page.config.post_max_characters,
        timezone=page.config.timezone,
        section="publish",
        **photo_form_values(page, slots),
    )


async def publish_purchase(page: Page) -> Response:
    assert page.me is not None
    me = page.me
    return await publish_with_photos(
        page,
        listing_slots(page),
        lambda state: read_purchase(page, state),
        lambda data: purchase_service.propose(page.services, me, data),
        lambda state, status: _form(page, state, status=status),
        SERVICE_FIELDS,
    )


def read_purchase(page: Page, state: FormState) -> PurchaseInput | None:
    t, values = page.t, state.values
    title = read_title(page, state, TITLE_MAX)
    category, description = read_category_and_description(page, state)
    unit = values.get("unit", "")
    if unit_named(unit) is None:
        state.error("unit", t("Choose one of the options."))
    for name in ("unit_price", "minimum"):
        if not values.get(name, "").strip():
            state.error(name, t("Enter a number."))
    deadline = _moment(page, state, "deadline_on", "deadline_time")
    pickup_at = _moment(page, state, "pickup_on", "pickup_time")
    place = values.get("pickup_place", "").strip()
    if not place:
        state.error("pickup_place", t("Say where neighbours collect their share."))
    quarter = where(page, state, address=place)
    visibility = values.get("visibility", "public")
    if visibility not in FORM_VISIBILITIES:
        state.error("visibility", t("Choose who sees this post."))
    if not state.ok or deadline is None or pickup_at is None:
        return None
    return PurchaseInput(
        title=title,
        unit=unit,
        unit_price=values.get("unit_price", ""),
        minimum=values.get("minimum", ""),
        maximum=values.get("maximum", "").strip() or None,
        deadline=deadline,
        pickup_at=pickup_at,
        pickup_place=place,
        description=description,
        category=category or None,
        quarter=quarter,
        visibility=visibility,
        language=page.lang,
    )


def _moment(page: Page, state: FormState, day_field: str, time_field: str) -> datetime | None:
    t = page.t
    day = state.values.get(day_field, "").strip()
    clock = state.values.get(time_field, "").strip() or "18:00"
    if not day:
        state.error(day_field, t("Give the date."))
        return None
    if parse_date(day) is None:
        state.error(day_field, t("Enter a date, for example 2025-06-14."))
        return None
    moment = parse_local_datetime(day, clock, page.config.timezone)
    if moment is None:
        state.error(time_field, t("Enter a time, for example 18:30."))
    return moment


# The page of a group purchase


async def detail(page: Page, post: Post, author: Actor) -> Response:
    me = page.me
    _, purchase = await purchase_service.get(page.services, post.id)
    mine = await purchase_service.my_commitment(page.services, me, post.id) if me else None
    unit = unit_named(purchase.unit)
    return await page.render(
        "group_purchase.html",
        post=post,
        author=author,
        neighbour=await neighbour_name(page, author),
        purchase=purchase,
        unit_label=unit.label(page.lang) if unit else purchase.unit,
        per_unit=per_unit(purchase.unit, page.lang),
        quantity=_quantity(page),
        amount=_amount(page, purchase.unit),
        price=price_text(purchase.unit_price_cents),
        mine=mine,
        refusal=_refusal(page, mine.reason) if mine and mine.reason else None,
        elsewhere=not post.is_local,
        is_organiser=me is not None and me.id == author.id and post.is_local,
        # A purchase from another server too: its server counts, ours waits for its answer.
        can_commit=(me is not None and me.role == "resident" and purchase.is_open_at(utcnow())),
        section="feed",
    )


_REMAINING = re.compile(r"^only ([0-9.]+) remain$")


def _refusal(page: Page, reason: str) -> str:
    """Why the purchase's server elsewhere refused a commitment, in the visitor's words
    when it is one of ours (fedlocal says it in English), else as that server wrote it."""
    if reason in KNOWN:
        return sentence(page.t(KNOWN[reason]))
    remaining = _REMAINING.match(reason)
    if remaining:
        quantity = format_decimal(Decimal(remaining.group(1)), locale=page.t.locale)
        return sentence(page.t("only %(remaining)s remain", remaining=quantity))
    return sentence(reason)


async def _purchase(page: Page) -> Post:
    post, _author = await visible_post(page, page.request.path_params["post_id"])
    if post.kind != "group_purchase":
        raise InvalidInput("no such group purchase")
    return post


async def commit(page: Page) -> Response:
    assert page.me is not None
    post = await _purchase(page)
    quantity = (page.form.get("quantity") or "").strip()
    if not quantity:
        raise Refusal(page.t("Enter a quantity."), field="quantity")
    done = await purchase_service.commit(page.services, page.me, post.id, quantity)
    sent = done.commitment.state == "pending"
    return page.redirect(post_path(post), notice="commitment-sent" if sent else "committed")


async def withdraw(page: Page) -> Response:
    assert page.me is not None
    post = await _purchase(page)
    await purchase_service.withdraw(page.services, page.me, post.id)
    return page.redirect(post_path(post), notice="withdrawn")


async def decide(page: Page) -> Response:
    assert page.me is not None
    post = await _purchase(page)
    decision = page.form.get("decision")
    if decision not in ("confirm", "cancel"):
        raise Refusal(page.t("Choose one of the options."))
    await purchase_service.decide(page.services, page.me, post.id, confirm=decision == "confirm")
    return page.redirect(post_path(post), notice="purchase-decided")


async def takers(page: Page) -> Response:
    """Who takes what: a page the organiser prints for the pickup."""
    assert page.me is not None
    post = await _purchase(page)
    found = await purchase_service.takers(page.services, page.me, post.id)
    _, purchase = await purchase_service.get(page.services, post.id)
    unit = unit_named(purchase.unit)
    return await page.render(
        "group_purchase_takers.html",
        post=post,
        purchase=purchase,
        takers=found,
        unit_label=unit.label(page.lang) if unit else purchase.unit,
        quantity=_quantity(page),
        amount=_amount(page, purchase.unit),
        money=price_text,
        total_cents=sum(taker.price_cents for taker in found),
        section="feed",
    )


async def takers_csv(page: Page) -> Response:
    assert page.me is not None
    post = await _purchase(page)
    found = await purchase_service.takers(page.services, page.me, post.id)
    _, purchase = await purchase_service.get(page.services, post.id)
    return Response(
        purchase_service.takers_csv(purchase, found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="group-purchase-{post.id}.csv"'},
    )
