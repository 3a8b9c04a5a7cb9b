"""Group purchases (achats groupés): an organiser proposes a product by a unit, at a unit
price, with a minimum total (and maybe a maximum), a commit deadline and a pickup place
and time. Neighbours commit a quantity, change or withdraw it until the deadline. At the
deadline (the maintenance worker) or earlier by the organiser's word, the purchase is
confirmed (minimum reached) or cancelled, and everyone committed is told, with the pickup
details; the organiser keeps the list of who takes what.

Our residents commit to purchases published on other servers too: that server counts
(FEP-0837 `Offer` of a `Commitment`), so here the commitment waits as pending until its
`Accept` or `Reject`; a change is a new Offer replacing the previous one, a withdrawal its
`Undo`; the purchase's later `Update` (confirmed or cancelled) tells our committed
residents.

    ours, to a purchase elsewhere: pending ──Accept──▶ accepted
                                       └──Reject──▶ refused (a refused change: back to
                                                    the quantity accepted before)

The post holds the title, description, pictures and the pickup quarter; the store's
`group_purchases` row holds the rest (see fedlocal/purchases.py for quantities).
"""

from __future__ import annotations

import contextlib
import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from ..formatting import markdown_to_html
from ..models import Actor, Post, Visibility
from ..purchases import (
    MILLI,
    Commitment,
    GroupPurchase,
    PurchaseState,
    per_unit,
    show_quantity,
    unit_named,
)
from ..store import actors as actor_store
from ..store import group_purchases as purchase_store
from ..store import notifications as notification_store
from ..store import posts as post_store
from ..store.clock import utcnow
from . import blocks, media, outgoing
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .places import resolve_place
from .publishing import Draft, publish
from .ride_wording import MONTHS

KIND = "group_purchase"
TITLE_MAX = 120
PLACE_MAX = 200
MAX_PICTURES = 4
MAX_QUANTITY = Decimal(1_000_000)
MAX_PRICE = Decimal(100_000)
# A deadline from a few minutes ahead (the form's grace) up to a year ahead.
MIN_AHEAD = timedelta(minutes=5)
MAX_AHEAD = timedelta(days=366)
VISIBILITIES = ("public", "unlisted", "followers", "local")
CONFIRMED = "group_purchase_confirmed"
CANCELLED = "group_purchase_cancelled"
# The answer of a purchase's server elsewhere to our resident's commitment.
ACCEPTED = "group_purchase_accepted"
REFUSED = "group_purchase_refused"
CHANGE_REFUSED = "group_purchase_change_refused"
NOTIFICATION_TYPES = (CONFIRMED, CANCELLED, ACCEPTED, REFUSED, CHANGE_REFUSED)


@dataclass(frozen=True)
class PurchaseInput:
    """What an organiser fills in. Quantities and price as typed ("12,5", "85")."""

    title: str
    unit: str
    unit_price: str
    minimum: str
    deadline: datetime
    pickup_at: datetime
    pickup_place: str
    maximum: str | None = None
    description: str = ""
    quarter: str | None = None
    category: str | None = None
    visibility: str = "public"
    language: str | None = None
    media_ids: tuple[int, ...] = ()


def parse_quantity(text: str | Decimal | int, *, whole: bool, field: str = "quantity") -> int:
    """A quantity as typed ("1,5", "3") in thousandths; InvalidInput when it is not a
    positive number, has more than three decimals, or is fractional for a whole unit."""
    try:
        value = Decimal(str(text).strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise InvalidInput("the quantity must be a number", field=field) from None
    if not value.is_finite():
        raise InvalidInput("the quantity must be a number", field=field)
    if value <= 0:
        raise InvalidInput("the quantity must be more than zero", field=field)
    if value > MAX_QUANTITY:
        raise InvalidInput("the quantity is too large", field=field)
    if whole and value != value.to_integral():
        raise InvalidInput("this product is sold by whole units only", field=field)
    milli = value * MILLI
    if milli != milli.to_integral():
        raise InvalidInput("a quantity has at most three decimals", field=field)
    return int(milli)


def parse_price(text: str) -> int:
    """A unit price as typed ("8,50") in cents."""
    try:
        value = Decimal(str(text).strip().replace(",", ".").replace("€", "").strip())
    except InvalidOperation:
        raise InvalidInput("the price must be a number", field="unit_price") from None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        raise InvalidInput("the price must be a number", field="unit_price")
    cents = value * 100
    if cents != cents.to_integral():
        raise InvalidInput("a price has at most two decimals", field="unit_price")
    return int(cents)


def validate(ctx: ServiceContext, data: PurchaseInput) -> GroupPurchase:
    """The purchase the input describes (post_id 0), or InvalidInput naming the field."""
    title = " ".join(data.title.split())
    if not title:
        raise InvalidInput("a title is required", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput("a title has at most %(max)s characters", max=TITLE_MAX, field="title")
    if len(data.description) > ctx.config.post_max_characters:
        raise InvalidInput(
            "a description has at most %(max)s characters",
            max=ctx.config.post_max_characters,
            field="description",
        )
    unit = unit_named(data.unit)
    if unit is None:
        raise InvalidInput("unknown unit '%(unit)s'", unit=data.unit, field="unit")
    price = parse_price(data.unit_price)
    minimum = parse_quantity(data.minimum, whole=unit.whole, field="minimum")
    maximum = None
    if data.maximum is not None and str(data.maximum).strip():
        maximum = parse_quantity(data.maximum, whole=unit.whole, field="maximum")
        if maximum < minimum:
            raise InvalidInput("the maximum cannot be below the minimum", field="maximum")
    for name in ("deadline", "pickup_at"):
        if getattr(data, name).tzinfo is None:
            raise InvalidInput("dates need a time zone", field=name)
    now = utcnow()
    if data.deadline < now + MIN_AHEAD:
        raise InvalidInput("the deadline cannot be in the past", field="deadline")
    if data.deadline > now + MAX_AHEAD:
        raise InvalidInput("the deadline must be within a year", field="deadline")
    if data.pickup_at < data.deadline:
        raise InvalidInput("the pickup comes after the deadline", field="pickup_at")
    if data.pickup_at > data.deadline + MAX_AHEAD:
        raise InvalidInput("the pickup must be within a year of the deadline", field="pickup_at")
    place = " ".join(data.pickup_place.split())
    if not place:
        raise InvalidInput("a pickup place is required", field="pickup_place")
    if len(place) > PLACE_MAX:
        raise InvalidInput("at most 200 characters", field="pickup_place")
    if data.category is not None and data.category not in ctx.categories:
        raise InvalidInput(
            "unknown category '%(category)s'", category=data.category, field="category"
        )
    if data.visibility not in VISIBILITIES:
        raise InvalidInput(
            "visibility must be one of %(choices)s",
            choices=", ".join(VISIBILITIES),
            field="visibility",
        )
    if len(data.media_ids) > MAX_PICTURES:
        raise InvalidInput("at most %(max)s pictures", max=MAX_PICTURES, field="media_ids")
    return GroupPurchase(
        post_id=0,
        unit=unit.key,
        whole=unit.whole,
        unit_price_cents=price,
        currency="EUR",
        minimum_milli=minimum,
        maximum_milli=maximum,
        deadline=data.deadline,
        pickup_at=data.pickup_at,
        pickup_place=place,
    )


def price_text(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €" if cents % 100 else f"{cents // 100} €"


def summary_html(purchase: GroupPurchase, timezone: str) -> str:
    """A French paragraph any reader (a Mastodon one too) understands: price, minimum,
    deadline, pickup."""

    zone = ZoneInfo(timezone)
    unit = unit_named(purchase.unit)
    per = per_unit(purchase.unit, "fr")
    deadline = purchase.deadline.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    pickup = purchase.pickup_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")

    def amount(milli: int) -> str:
        name = unit.label_for("fr", milli) if unit else purchase.unit
        return f"{show_quantity(milli).replace('.', ',')} {name}"

    maximum = (
        f", maximum {amount(purchase.maximum_milli)}" if purchase.maximum_milli is not None else ""
    )
    return (
        f"<p>Achat groupé : {price_text(purchase.unit_price_cents)} {per}, "
        f"minimum {amount(purchase.minimum_milli)}{maximum}. "
        f"Engagements jusqu'au {deadline}. Retrait le {pickup}, {purchase.pickup_place}.</p>"
    )


_DECIDED = {
    "fr": {"confirmed": "confirmé", "cancelled": "annulé"},
    "en": {"confirmed": "confirmed", "cancelled": "cancelled"},
}


def progress_words(purchase: GroupPurchase, language: str, timezone: str) -> str:
    """The total against the minimum and the deadline in a few words, for readers who only
    see a post's text (a Mastodon app): "12 kg sur 20 kg · jusqu'au 5 décembre". On a copy
    of a purchase elsewhere, the total is its server's (its latest Update)."""
    lang = "fr" if language.startswith("fr") else "en"
    unit = unit_named(purchase.unit)

    def amount(milli: int) -> str:
        shown = show_quantity(milli)
        shown = shown.replace(".", ",") if lang == "fr" else shown
        return f"{shown} {unit.label_for(lang, milli) if unit else purchase.unit}"

    try:
        local = purchase.deadline.astimezone(ZoneInfo(timezone))
    except (ValueError, KeyError):
        local = purchase.deadline
    month = MONTHS[lang][local.month - 1]
    if lang == "fr":
        parts = [
            f"{amount(purchase.committed_milli)} sur {amount(purchase.minimum_milli)}",
            f"jusqu'au {local.day} {month}",
        ]
    else:
        parts = [
            f"{amount(purchase.committed_milli)} of {amount(purchase.minimum_milli)}",
            f"until {local.day} {month}",
        ]
    if purchase.state in _DECIDED[lang]:
        parts.append(_DECIDED[lang][purchase.state])
    return " · ".join(parts)


async def propose(ctx: ServiceContext, organiser: Actor, data: PurchaseInput) -> Post:
    """Publish a group purchase organised by `organiser` (a resident, whether a person,
    an association or a producer)."""
    if not organiser.is_local or organiser.role != "resident":
        raise Forbidden("only residents organise group purchases here")
    purchase = validate(ctx, data)
    place = resolve_place(ctx, quarter=data.quarter)
    place = replace(place, name=purchase.pickup_place)
    description = data.description.strip()
    content = (markdown_to_html(description) if description else "") + summary_html(
        purchase, ctx.config.timezone
    )
    category = ctx.categories.get(data.category)
    hashtags = ["achatgroupe"] + ([category.hashtag] if category else [])
    async with ctx.db.write() as conn:
        attachments = await media.attachments_for(ctx, conn, organiser, data.media_ids)
        draft = Draft(
            kind="group_purchase",
            visibility=cast(Visibility, data.visibility),
            name=" ".join(data.title.split()),
            content=content,
            source=description,
            language=data.language or ctx.config.default_language,
            category=data.category,
            place=place,
            hashtags=tuple(hashtags),
            attachments=attachments,
        )
        post = await publish(
            ctx,
            conn,
            organiser,
            draft,
            # Its terms first: the Create that followers get carries them.
            with_post=lambda new: purchase_store.insert_purchase(
                conn, replace(purchase, post_id=new.id)
            ),
        )
    ctx.outbox.wake()
    return post


async def get(ctx: ServiceContext, post_id: int) -> tuple[Post, GroupPurchase]:
    async with ctx.db.read() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or post.is_deleted or post.kind != KIND:
            raise NotFound("no such group purchase")
        purchase = await purchase_store.get(conn, post_id)
    if purchase is None:
        raise NotFound("no such group purchase")
    return post, purchase


def _open_check(now: datetime) -> Callable[[GroupPurchase], None]:
    def check(purchase: GroupPurchase) -> None:
        if purchase.state == "cancelled":
            raise Conflict("this group purchase is cancelled", field="quantity")
        if purchase.state == "confirmed":
            raise Conflict("this group purchase is closed", field="quantity")
        if now >= purchase.deadline:
            raise Conflict("the deadline for this group purchase has passed", field="quantity")

    return check


async def commit(
    ctx: ServiceContext, actor: Actor, post_id: int, quantity: str | Decimal | int
) -> purchase_store.Committed:
    """`actor` commits `quantity` (or changes their commitment to it). On a purchase
    from another server, the commitment waits (pending) while an `Offer` goes to its
    server, which counts it or refuses it."""
    if actor.role != "resident":
        raise Forbidden("only residents take part in group purchases")
    async with ctx.db.write() as conn:
        post = await post_store.get_post(conn, post_id)
        found = await purchase_store.get(conn, post_id) if post else None
        if post is None or post.is_deleted or found is None:
            raise NotFound("no such group purchase")
        organiser = await actor_store.get_actor(conn, post.actor_id)
        assert organiser is not None
        await blocks.refuse_if_blocked(conn, actor, organiser)
        milli = parse_quantity(quantity, whole=found.whole)
        offer_uri = None if post.is_local else f"{actor.uri}#commitments/{uuid.uuid4()}"
        now = utcnow()
        try:
            committed = await purchase_store.commit(
                conn,
                post_id,
                actor.id,
                milli,
                activity_uri=offer_uri,
                check=_open_check(now),
                pending=offer_uri is not None,
                offered_at=now if offer_uri else None,
            )
        except purchase_store.OverMaximum as over:
            raise Conflict(
                "only %(remaining)s remain",
                remaining=show_quantity(over.remaining_milli),
                field="quantity",
            ) from None
        if offer_uri is not None:
            await ctx.outbox.send(
                conn,
                outgoing.CommitmentOffered(
                    actor, post, organiser, found.unit, milli, offer_uri, offered_at=now
                ),
            )
        else:
            await ctx.outbox.send(conn, outgoing.PurchaseTotalChanged(organiser, post))
    ctx.outbox.wake()
    return committed


async def withdraw(ctx: ServiceContext, actor: Actor, post_id: int) -> None:
    """`actor` withdraws their commitment before the deadline (on a purchase elsewhere,
    its server hears it: `Undo` of their last Offer)."""
    async with ctx.db.write() as conn:
        post = await post_store.get_post(conn, post_id)
        purchase = await purchase_store.get(conn, post_id, for_update=True)
        if post is None or purchase is None:
            raise NotFound("no such group purchase")
        _open_check(utcnow())(purchase)
        mine = await purchase_store.get_commitment(conn, post_id, actor.id)
        if mine is None or not mine.counts:
            raise Conflict("you have not committed to this group purchase")
        await purchase_store.withdraw(conn, post_id, actor.id)
        elsewhere = not post.is_local and mine.activity_uri is not None
        if not post.is_local and mine.accepted_milli:
            await purchase_store.adjust_remote_total(conn, post_id, -mine.accepted_milli)
        organiser = await actor_store.get_actor(conn, post.actor_id)
        assert organiser is not None
        if post.is_local:
            await ctx.outbox.send(conn, outgoing.PurchaseTotalChanged(organiser, post))
        if elsewhere and mine.activity_uri is not None:
            await ctx.outbox.send(
                conn,
                outgoing.CommitmentWithdrawn(
                    actor,
                    post,
                    organiser,
                    purchase.unit,
                    mine.quantity_milli,
                    mine.activity_uri,
                    offered_at=mine.offered_at,
                ),
            )
    ctx.outbox.wake()


async def decide(
    ctx: ServiceContext, organiser: Actor, post_id: int, *, confirm: bool
) -> GroupPurchase:
    """The organiser confirms (once the minimum is reached) or cancels before the
    deadline; everyone committed is told."""
    async with ctx.db.write() as conn:
        post = await post_store.get_post(conn, post_id)
        purchase = await purchase_store.get(conn, post_id, for_update=True)
        if post is None or purchase is None or post.is_deleted:
            raise NotFound("no such group purchase")
        if post.actor_id != organiser.id:
            raise Forbidden("only the organiser decides")
        if purchase.state == "confirmed":
            raise Conflict("this group purchase is already confirmed")
        if purchase.state == "cancelled":
            raise Conflict("this group purchase is already cancelled")
        if confirm and not purchase.reached:
            raise Conflict("the minimum is not reached yet", field="state")
        decided = await _settle(ctx, conn, post, purchase, confirm, utcnow())
    ctx.outbox.wake()
    return decided


async def _settle(
    ctx: ServiceContext,
    conn: AsyncConnection,
    post: Post,
    purchase: GroupPurchase,
    confirm: bool,
    now: datetime,
) -> GroupPurchase:
    """Confirm or cancel; everyone committed here is notified, and followers and remote
    committers get the `Update` (its `purchaseStatus` and pickup details)."""
    state: PurchaseState = "confirmed" if confirm else "cancelled"
    await purchase_store.set_state(conn, post.id, state, at=now)
    updated = await post_store.update_post(conn, post.id, edited_at=now)
    takers = await purchase_store.list_commitments(conn, post.id)
    organiser = await actor_store.get_actor(conn, post.actor_id)
    if organiser is not None:
        remote = tuple(neighbour.uri for _c, neighbour in takers if not neighbour.is_local)
        await ctx.outbox.send(conn, outgoing.PostUpdated(organiser, updated, also_to=remote))
    kind = CONFIRMED if confirm else CANCELLED
    told = {post.actor_id}
    await notification_store.add(
        conn, recipient_id=post.actor_id, type=kind, actor_id=post.actor_id, post_id=post.id
    )
    for _commitment, neighbour in takers:
        if neighbour.is_local and neighbour.id not in told:
            told.add(neighbour.id)
            await notification_store.add(
                conn, recipient_id=neighbour.id, type=kind, actor_id=post.actor_id, post_id=post.id
            )
    return replace(purchase, state=state, decided_at=now)


async def settle_due(ctx: ServiceContext, *, now: datetime | None = None, limit: int = 50) -> int:
    """Purchases past their deadline: confirmed when the minimum is reached, else
    cancelled. Returns how many were settled (the maintenance worker's round)."""
    now = now or utcnow()
    settled = 0
    async with ctx.db.write() as conn:
        for post_id in await purchase_store.due(conn, now=now, limit=limit):
            post = await post_store.get_post(conn, post_id)
            purchase = await purchase_store.get(conn, post_id, for_update=True)
            if post is None or purchase is None or purchase.state != "open":
                continue
            if post.is_deleted:
                # Its organiser deleted it: closed quietly, so it is not due again.
                await purchase_store.set_state(conn, post_id, "cancelled", at=now)
                continue
            await _settle(ctx, conn, post, purchase, purchase.reached, now)
            settled += 1
    if settled:
        ctx.outbox.wake()
    return settled


@dataclass(frozen=True)
class Taker:
    """One line of the organiser's list."""

    name: str
    handle: str
    quantity_milli: int
    price_cents: int
    commitment: Commitment


async def takers(ctx: ServiceContext, organiser: Actor, post_id: int) -> list[Taker]:
    """Who takes what, for the organiser only."""
    post, purchase = await get(ctx, post_id)
    if post.actor_id != organiser.id:
        raise Forbidden("only the organiser sees who takes what")
    async with ctx.db.read() as conn:
        found = await purchase_store.list_commitments(conn, post_id)
    return [
        Taker(
            name=actor.display_name or actor.username or actor.uri,
            handle=f"@{actor.username}@{actor.domain}",
            quantity_milli=commitment.quantity_milli,
            price_cents=commitment.quantity_milli * purchase.unit_price_cents // MILLI,
            commitment=commitment,
        )
        for commitment, actor in found
    ]


def takers_csv(purchase: GroupPurchase, found: list[Taker]) -> str:
    """The organiser's list as CSV (name, handle, quantity, unit, amount in euros)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "account", "quantity", "unit", "amount_eur"])
    for taker in found:
        writer.writerow(
            [
                taker.name,
                taker.handle,
                show_quantity(taker.quantity_milli),
                purchase.unit,
                f"{taker.price_cents / 100:.2f}",
            ]
        )
    return out.getvalue()


async def my_commitment(ctx: ServiceContext, actor: Actor, post_id: int) -> Commitment | None:
    async with ctx.db.read() as conn:
        return await purchase_store.get_commitment(conn, post_id, actor.id)


# Inbound: called by the inbox handler inside its transaction.


async def receive_commitment(
    ctx: ServiceContext,
    conn: AsyncConnection,
    neighbour: Actor,
    purchase_uri: str,
    quantity: str | None,
    offer_uri: str,
    offered_at: datetime | None = None,
) -> bool:
    """A remote neighbour commits to (or changes their commitment to) one of our group
    purchases. Counted and answered with an `Accept`, or refused with a `Reject` saying
    why, nothing counted: a closed or cancelled purchase, past the deadline, more than
    remains, a fraction of a whole unit, or a neighbour the organiser blocks. An Offer
    written before the one counted, or before their withdrawal (`offered_at`, its
    `published`: deliveries are not ordered), changes nothing and is not answered. False
    when the URI names no group purchase of ours (the Offer is then someone else's)."""
    post = await post_store.get_post_by_uri(conn, purchase_uri)
    if post is None or not post.is_local or post.is_deleted or post.kind != KIND:
        return False
    # Locked first, so two Offers of one neighbour are compared one after the other.
    purchase = await purchase_store.get(conn, post.id, for_update=True)
    organiser = await actor_store.get_actor(conn, post.actor_id)
    if purchase is None or organiser is None:
        return False
    held = await purchase_store.get_commitment(conn, post.id, neighbour.id)
    if held is not None and _later(held, offered_at):
        return True
    refusal: str | None = None
    milli = 0
    committed = None
    if await blocks.blocked_by_id(
        conn, neighbour, post.actor_id
    ) or await purchase_store.hides_domain(conn, post.actor_id, neighbour.domain):
        refusal = "this group purchase does not take your commitment"
    else:
        try:
            milli = parse_quantity(quantity or "", whole=purchase.whole)
            committed = await purchase_store.commit(
                conn,
                post.id,
                neighbour.id,
                milli,
                activity_uri=offer_uri,
                check=_open_check(utcnow()),
                offered_at=offered_at,
            )
        except (InvalidInput, Conflict) as refused:
            refusal = refused.message
        except purchase_store.OverMaximum as over:
            refusal = f"only {show_quantity(over.remaining_milli)} remain"
    await ctx.outbox.send(
        conn,
        outgoing.CommitmentAnswered(
            organiser,
            neighbour,
            post,
            offer_uri,
            purchase.unit,
            committed.commitment.quantity_milli if committed else milli,
            refusal,
        ),
    )
    if committed is not None:
        # After the Accept: its Update's `updated` is then never earlier than the
        # Accept's `published` (how the neighbour's server avoids counting it twice).
        await ctx.outbox.send(conn, outgoing.PurchaseTotalChanged(organiser, post))
    return True


def _later(held: Commitment, offered_at: datetime | None) -> bool:
    """Whether what we hold of a neighbour was written after an Offer of `offered_at`
    (a withdrawal at the same time is the withdrawal of that very Offer)."""
    if held.offered_at is None or offered_at is None:
        return False
    if held.state == "withdrawn":
        return offered_at <= held.offered_at
    return offered_at < held.offered_at


async def receive_withdrawal(
    ctx: ServiceContext,
    conn: AsyncConnection,
    neighbour: Actor,
    purchase_uri: str | None,
    offer_uri: str | None,
    offered_at: datetime | None = None,
) -> bool:
    """A remote neighbour withdraws from one of our group purchases (`Undo` of their
    Offer, embedded or by its id): their commitment is taken off while the purchase is
    open; once it is decided or past its deadline, it stays (the organiser counts on
    it). The withdrawal is kept, so the Offer it undoes, arriving late, is not counted;
    an Undo of an Offer older than the one counted changes nothing. False when it is
    about nothing of ours."""
    post = await post_store.get_post_by_uri(conn, purchase_uri) if purchase_uri else None
    if post is None and offer_uri:
        found = await purchase_store.get_by_activity_uri(conn, offer_uri)
        if found is not None and found.actor_id == neighbour.id:
            post = await post_store.get_post(conn, found.purchase_id)
    if post is None or not post.is_local or post.kind != KIND:
        return False
    purchase = await purchase_store.get(conn, post.id, for_update=True)
    if purchase is None:
        return False
    if not purchase.is_open_at(utcnow()):
        return True
    held = await purchase_store.get_commitment(conn, post.id, neighbour.id)
    if held is not None and held.state != "withdrawn" and _later(held, offered_at):
        return True  # they committed again after the Offer this undoes
    await purchase_store.withdraw_remote(
        conn,
        post.id,
        neighbour.id,
        activity_uri=offer_uri,
        offered_at=offered_at or (held.offered_at if held else None),
    )
    if held is not None and held.counts:
        organiser = await actor_store.get_actor(conn, post.actor_id)
        if organiser is not None:
            await ctx.outbox.send(conn, outgoing.PurchaseTotalChanged(organiser, post))
    return True


async def receive_commitment_answer(
    conn: AsyncConnection,
    organiser: Actor,
    offer_uri: str,
    *,
    accepted: bool,
    quantity: str | None = None,
    reason: str | None = None,
    answered_at: datetime | None = None,
) -> bool:
    """The purchase's server answered our resident's Offer: `Accept` (the quantity its
    Agreement states, else the one offered, is counted) or `Reject` (refused, with its
    reason; a refused change falls back to the quantity accepted before). They are told.
    The organiser's total is authoritative: our copy adds the accepted quantity to it
    only when the copy's figure is older than the Accept (`answered_at`, its
    `published`); an Update of the purchase written since the Accept counts it already.
    False when the Offer is no commitment of ours, or the answer not from the organiser."""
    commitment = await purchase_store.get_by_activity_uri(conn, offer_uri)
    if commitment is None:
        return False
    post = await post_store.get_post(conn, commitment.purchase_id)
    if post is None or post.is_local or post.actor_id != organiser.id:
        return False
    if commitment.state != "pending":
        return True  # answered already: a replay changes nothing
    purchase = await purchase_store.get(conn, post.id)
    if purchase is None:
        return False
    if accepted:
        milli = commitment.quantity_milli
        # An Agreement we cannot read: what we offered is what they took.
        with contextlib.suppress(InvalidInput):
            if quantity is not None:
                milli = parse_quantity(quantity, whole=purchase.whole)
        await purchase_store.answer(conn, commitment.id, state="accepted", quantity_milli=milli)
        figure_of = post.edited_at or post.published
        if answered_at is None or figure_of < answered_at:
            await purchase_store.adjust_remote_total(
                conn, post.id, milli - (commitment.accepted_milli or 0)
            )
        kind = ACCEPTED
    else:
        why = " ".join((reason or "").split())[:300] or None
        if commitment.accepted_milli is not None:
            # Their server still counts the quantity it accepted before.
            await purchase_store.answer(
                conn,
                commitment.id,
                state="accepted",
                quantity_milli=commitment.accepted_milli,
                reason=why,
            )
            kind = CHANGE_REFUSED
        else:
            await purchase_store.answer(
                conn,
                commitment.id,
                state="refused",
                quantity_milli=commitment.quantity_milli,
                reason=why,
            )
            kind = REFUSED
    await notification_store.add(
        conn,
        recipient_id=commitment.actor_id,
        type=kind,
        actor_id=organiser.id,
        post_id=post.id,
    )
    return True


async def keep_remote_terms(conn: AsyncConnection, post: Post, terms: GroupPurchase) -> None:
    """Our copy of a purchase elsewhere takes the terms, state and total its server
    states (its Create, its Update). When it is newly confirmed or cancelled, our
    residents committed to it are told, as the organiser's own are."""
    before = await purchase_store.keep_remote(conn, replace(terms, post_id=post.id))
    if before is None or before.state != "open" or terms.state == "open":
        return
    kind = CONFIRMED if terms.state == "confirmed" else CANCELLED
    for _commitment, neighbour in await purchase_store.list_commitments(conn, post.id):
        if neighbour.is_local:
            await notification_store.add(
                conn, recipient_id=neighbour.id, type=kind, actor_id=post.actor_id, post_id=post.id
            )


async def terms_of(ctx: ServiceContext, post: Post) -> GroupPurchase | None:
    """What the federation renders a group purchase's object with (its terms and
    totals); None for other kinds."""
    if post.kind != KIND:
        return None
    async with ctx.db.read() as conn:
        return await purchase_store.get(conn, post.id)
