"""Shops and producers: the "Commerces et producteurs" page, and the form where a shop or
a producer gives its opening hours, address and wares."""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.models import ShopProfile
from fedlocal.services import shops as shop_service
from fedlocal.services.errors import Forbidden, InvalidInput

from ..forms import FormState
from ..page import Page
from .common import centre_point, centre_quarter, keep_error

DAY_FIELDS = tuple(f"day{day}" for day in range(7))


def _days(page: Page) -> list[tuple[str, str]]:
    t = page.t
    names = (
        t("Monday"),
        t("Tuesday"),
        t("Wednesday"),
        t("Thursday"),
        t("Friday"),
        t("Saturday"),
        t("Sunday"),
    )
    return list(zip(DAY_FIELDS, names, strict=True))


async def index(page: Page) -> Response:
    centre = centre_point(page.config, centre_quarter(page.config, page.me))
    cards = await shop_service.shops(page.services, near=centre, viewer=page.me)
    return await page.render("shops.html", cards=cards, days=_days(page), section="shops")


async def form(page: Page) -> Response:
    me = page.me
    assert me is not None
    profile = me.shop or ShopProfile()
    values = {name: shop_service.day_text(profile, day) for day, name in enumerate(DAY_FIELDS)}
    values |= {"address": profile.address, "sells": profile.sells}
    return await _form(page, FormState(values=values))


async def _form(page: Page, state: FormState, status: int = 200) -> Response:
    me = page.me
    assert me is not None
    t = page.t
    labels = {"address": t("Address"), "sells": t("What you sell"), **dict(_days(page))}
    return await page.render(
        "shop_form.html",
        status=status,
        state=state,
        labels=labels,
        days=_days(page),
        allowed=me.organization_type in shop_service.SHOP_TYPES,
        address_max=shop_service.ADDRESS_MAX,
        sells_max=shop_service.SELLS_MAX,
        section="settings",
    )


async def save(page: Page) -> Response:
    assert page.me is not None
    state = FormState(values=page.form.as_dict())
    try:
        await shop_service.save_profile(
            page.services,
            page.me,
            days=[state.values.get(name, "") for name in DAY_FIELDS],
            address=state.values.get("address", ""),
            sells=state.values.get("sells", ""),
        )
    except (InvalidInput, Forbidden) as exc:
        keep_error(page, state, exc, {name: name for name in (*DAY_FIELDS, "address", "sells")})
        return await _form(page, state, status=exc.status)
    return page.redirect("/settings/shop", notice="profile-saved")
