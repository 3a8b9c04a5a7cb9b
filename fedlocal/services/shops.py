"""Shops and producers ("Commerces et producteurs"): the opening hours, address and wares
an organisation account of type shop or producer gives on its settings page, and the page
listing those of the quarter and of linked neighbours, nearest first, with an "open now"
mark computed in the instance's time zone and their current offers and events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..geo import haversine_km
from ..models import Actor, Post, ShopProfile
from ..store import follows as follow_store
from ..store import residents as resident_store
from ..store import shops as shop_store
from ..store.clock import utcnow
from .context import ServiceContext
from .errors import Forbidden, InvalidInput

SHOP_TYPES = ("shop", "producer")
# What a shop's card lists of its posts.
SHOP_KINDS: tuple[str, ...] = ("offer", "group_purchase", "event")
ADDRESS_MAX = 200
SELLS_MAX = 500
_PERIOD = re.compile(r"^\s*(\d{1,2})[:h.]?(\d{2})?\s*[-–à]\s*(\d{1,2})[:h.]?(\d{2})?\s*$")


@dataclass(frozen=True)
class ShopCard:
    actor: Actor
    profile: ShopProfile
    open_now: bool | None  # None: no hours given
    distance_km: float | None
    posts: tuple[Post, ...]
    # The viewer's follow of it: `accepted`, `pending` (waiting for its approval) or None.
    follow: str | None = None


# How a period that closes at midnight ("18:00-24:00") is kept.
MIDNIGHT = "23:59"


def parse_day(text: str, day: int) -> list[tuple[int, str, str]]:
    """A day's periods from "9:00-12:30, 14h-19h" (empty: closed), or InvalidInput."""
    periods = []
    for part in (p for p in text.split(",") if p.strip()):
        found = _PERIOD.match(part)
        if found is None:
            raise InvalidInput(
                "write opening hours like 9:00-12:30, 14:00-19:00", field=f"day{day}"
            )
        h1, m1, h2, m2 = found.groups()
        opens, closes = (int(h1), int(m1 or 0)), (int(h2), int(m2 or 0))
        if not (opens[0] < 24 and closes[0] <= 24 and opens < closes):
            raise InvalidInput("a shop closes after it opens", field=f"day{day}")
        closes = min(closes, (23, 59))  # midnight: see `is_open`
        periods.append((day, f"{opens[0]:02d}:{opens[1]:02d}", f"{closes[0]:02d}:{closes[1]:02d}"))
    return periods


def day_text(profile: ShopProfile, day: int) -> str:
    return ", ".join(f"{o}-{c}" for d, o, c in profile.hours if d == day)


async def save_profile(
    ctx: ServiceContext, actor: Actor, *, days: list[str], address: str, sells: str
) -> ShopProfile:
    """The organisation's hours (one text per weekday, Monday first), address and wares."""
    if not actor.is_local or actor.organization_type not in SHOP_TYPES:
        raise Forbidden("only shops and producers have opening hours here")
    if len(days) != 7:
        raise InvalidInput("give the hours of each day of the week", field="day0")
    hours = tuple(period for day, text in enumerate(days) for period in parse_day(text, day))
    address, sells = " ".join(address.split()), sells.strip()
    if len(address) > ADDRESS_MAX:
        raise InvalidInput(
            "an address has at most %(max)s characters", max=ADDRESS_MAX, field="address"
        )
    if len(sells) > SELLS_MAX:
        raise InvalidInput("at most %(max)s characters", max=SELLS_MAX, field="sells")
    profile = ShopProfile(hours=hours, address=address, sells=sells)
    async with ctx.db.write() as conn:
        await resident_store.set_shop(conn, actor.id, profile)
    return profile


def is_open(profile: ShopProfile, moment: datetime, timezone: str) -> bool | None:
    """Whether the shop is open at `moment` (in `timezone`); None without hours."""
    if not profile.hours:
        return None
    local = moment.astimezone(ZoneInfo(timezone))
    clock = f"{local.hour:02d}:{local.minute:02d}"
    # A period that closes at midnight is kept as ending at 23:59 (`parse_day`, and
    # schema.org's custom): it runs through that last minute.
    return any(
        d == local.weekday() and o <= clock and (clock < c or c == MIDNIGHT)
        for d, o, c in profile.hours
    )


async def shops(
    ctx: ServiceContext,
    *,
    near: tuple[float, float] | None = None,
    viewer: Actor | None = None,
) -> list[ShopCard]:
    """Shops and producers here and of linked neighbours, nearest first (from `near`, by
    their home quarter), each with its current offers and events, and whether `viewer`
    follows it already."""
    now = utcnow()
    async with ctx.db.read() as conn:
        found = await shop_store.organisations_of_types(conn, SHOP_TYPES)
        posts = await shop_store.current_posts(conn, [a.id for a in found], SHOP_KINDS)
        followed = (
            await follow_store.follow_states(conn, viewer.id, [a.id for a in found])
            if viewer is not None
            else {}
        )
    cards = []
    for actor in found:
        profile = actor.shop or ShopProfile()
        quarter = ctx.config.find_quarter(actor.home_quarter or "")
        distance = (
            haversine_km(near[0], near[1], quarter.latitude, quarter.longitude)
            if near and quarter
            else None
        )
        cards.append(
            ShopCard(
                actor=actor,
                profile=profile,
                open_now=is_open(profile, now, ctx.config.timezone),
                distance_km=distance,
                posts=tuple(posts.get(actor.id, ())),
                follow=followed.get(actor.id),
            )
        )
    far = float("inf")
    cards.sort(
        key=lambda c: (not c.actor.is_local, c.distance_km if c.distance_km is not None else far)
    )
    return cards
