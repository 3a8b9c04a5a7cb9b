"""Offers and requests: publishing them and moving them through their statuses.

    open ──reserve──▶ reserved ──close──▶ closed (given, lent, done)
      │  ◀──release──    │                   │ (a loan: lent ──returned──▶ returned,
      └──────cancel──────┴──▶ cancelled      │  services/loans.py)

Every change is stored and announced (an `Update` to the author's followers, the
community's followers and the people who showed interest) in one transaction; a change
that concerns one neighbour (reserved for them, released, given…) is a step of the
listing with them (`listing_steps`): kept in its history and told to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy.ext.asyncio import AsyncConnection

from ..formatting import description_html, normalise_hashtag
from ..hashtags import listing_tags
from ..models import (
    OFFER_INTENTS,
    REQUEST_INTENTS,
    Actor,
    ListingDetails,
    ListingStatus,
    ListingStepName,
    Post,
    PostKind,
    Visibility,
)
from ..store import actors as actor_store
from ..store import posts as post_store
from ..store.clock import utcnow
from . import interest, listing_steps, media, outgoing
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .places import resolve_place
from .publishing import Draft, publish

TITLE_MAX = 120
LISTING_VISIBILITIES = ("public", "unlisted", "followers", "local")
MAX_QUANTITY = 1000
MAX_AVAILABILITY = timedelta(days=366)


@dataclass(frozen=True)
class ListingInput:
    """What a resident fills in to publish an offer or a request."""

    kind: str
    title: str
    description: str = ""
    intent: str | None = None
    category: str | None = None
    quarter: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    quantity: int = 1
    price: str | None = None
    visibility: str = "public"
    language: str | None = None
    # The author's uploads to show with it (at most four, `media.attachments_for`).
    media_ids: tuple[int, ...] = ()
    # Hashtags the author typed beside the description (an app's status), kept as typed.
    hashtags: tuple[str, ...] = ()


def validate_listing(ctx: ServiceContext, data: ListingInput) -> ListingInput:
    """The input, normalised, or InvalidInput naming the first wrong field."""
    if data.kind not in ("offer", "request"):
        raise InvalidInput("kind must be offer or request", field="kind")
    title = " ".join(data.title.split())
    if not title:
        raise InvalidInput("a title is required", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput("a title has at most %(max)s characters", max=TITLE_MAX, field="title")
    description = data.description.strip()
    if len(description) > ctx.config.post_max_characters:
        raise InvalidInput(
            "a description has at most %(max)s characters",
            max=ctx.config.post_max_characters,
            field="description",
        )
    intents = OFFER_INTENTS if data.kind == "offer" else REQUEST_INTENTS
    intent = data.intent or intents[0]
    if intent not in intents:
        article = "an" if data.kind == "offer" else "a"
        raise InvalidInput(
            "for %(article)s %(kind)s, choose one of %(choices)s",
            field="intent",
            article=article,
            kind=data.kind,
            choices=", ".join(intents),
        )
    if data.category is not None and data.category not in ctx.categories:
        raise InvalidInput(
            "unknown category '%(category)s'", category=data.category, field="category"
        )
    if not 1 <= data.quantity <= MAX_QUANTITY:
        raise InvalidInput(
            "the quantity is between 1 and %(max)s", max=MAX_QUANTITY, field="quantity"
        )
    for name in ("available_from", "available_until"):
        moment = getattr(data, name)
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("dates need a time zone", field=name)
    if data.available_from and data.available_until:
        if data.available_until < data.available_from:
            raise InvalidInput("availability ends before it starts", field="available_until")
        if data.available_until - data.available_from > MAX_AVAILABILITY:
            raise InvalidInput("availability is at most a year", field="available_until")
    if data.visibility not in LISTING_VISIBILITIES:
        raise InvalidInput(
            "visibility must be one of %(choices)s",
            choices=", ".join(LISTING_VISIBILITIES),
            field="visibility",
        )
    price = (data.price or "").strip() or None
    if price is not None and (intent != "sell" or len(price) > 40):
        raise InvalidInput("a price (40 characters at most) goes with a sale only", field="price")
    return replace(data, title=title, description=description, intent=intent, price=price)


def listing_hashtags(
    ctx: ServiceContext,
    kind: str,
    intent: str,
    category: str | None,
    typed: tuple[str, ...] = (),
) -> list[str]:
    """The hashtags a listing is published under (Mastodon users follow them): those
    typed kept as typed (`hashtags.listing_tags`), the category's added."""
    found = ctx.categories.get(category)
    category_tag = normalise_hashtag(found.hashtag) if found is not None else None
    return listing_tags(kind, intent, category_tag, typed)


async def publish_listing(ctx: ServiceContext, author: Actor, data: ListingInput) -> Post:
    """Publish an offer or a request as `author`: a resident, or an association's group
    (a group has its own offers and requests, sent to its members)."""
    if author.role not in ("resident", "group"):
        raise Forbidden("only residents and groups publish offers and requests here")
    data = validate_listing(ctx, data)
    place = resolve_place(
        ctx, quarter=data.quarter, latitude=data.latitude, longitude=data.longitude
    )
    now = utcnow()
    assert data.intent is not None
    listing = ListingDetails(
        intent=data.intent,
        status="open",
        available_from=data.available_from,
        available_until=data.available_until,
        expires_at=now + timedelta(days=ctx.config.listing_expiry_days),
        quantity=data.quantity,
        price=data.price,
    )
    described = description_html(data.description or "", ctx.urls)
    async with ctx.db.write() as conn:
        attachments = await media.attachments_for(ctx, conn, author, data.media_ids)
        draft = Draft(
            # validate_listing allows only these kinds and visibilities.
            kind=cast(PostKind, data.kind),
            visibility=cast(Visibility, data.visibility),
            name=data.title,
            content=described.html,
            source=data.description,
            language=data.language or ctx.config.default_language,
            category=data.category,
            place=place,
            listing=listing,
            hashtags=tuple(
                listing_hashtags(
                    ctx,
                    data.kind,
                    data.intent,
                    data.category,
                    (*data.hashtags, *described.hashtags),
                )
            ),
            published=now,
            attachments=attachments,
        )
        post = await publish(ctx, conn, author, draft)
    ctx.outbox.wake()
    return post


async def _own_listing(
    ctx: ServiceContext, conn: AsyncConnection, author: Actor, post_id: int
) -> Post:
    post = await post_store.get_post(conn, post_id)
    if post is None or post.is_deleted or post.kind not in ("offer", "request"):
        raise NotFound("no such offer or request")
    if post.actor_id != author.id:
        raise Forbidden("only the author can change this offer or request")
    assert post.listing is not None
    return post


async def change_status(
    ctx: ServiceContext,
    author: Actor,
    post_id: int,
    *,
    allowed_from: tuple[str, ...],
    status: ListingStatus,
    closed_as: str | None = None,
    reserved_for: str | None = None,
    step: ListingStepName | None = None,
    check: Callable[[ListingDetails], None] | None = None,
    changes: Callable[[ListingDetails], ListingDetails] | None = None,
    then: Callable[[AsyncConnection, Post], Awaitable[None]] | None = None,
) -> Post:
    """Move the author's listing to `status`, announce it, and tell the neighbour the
    `step` concerns (whom it is reserved for, or was). `check` refuses a change the state
    does not allow (raising); `changes` sets more of the details (a loan's dates)."""
    async with ctx.db.write() as conn:
        post = await _own_listing(ctx, conn, author, post_id)
        assert post.listing is not None
        if post.listing.status not in allowed_from:
            raise Conflict(
                "this %(kind)s is %(status)s",
                kind=post.kind,
                status=post.listing.status,
                field="status",
            )
        if check is not None:
            check(post.listing)
        listing = replace(
            post.listing, status=status, closed_as=closed_as, reserved_for=reserved_for
        )
        if changes is not None:
            listing = changes(listing)
        updated = await post_store.update_post(conn, post.id, listing=listing, edited_at=utcnow())
        # Released or cancelled: the person it was reserved for must hear it too.
        previously_for = post.listing.reserved_for
        also_to = (previously_for,) if previously_for and previously_for != reserved_for else ()
        await ctx.outbox.send(
            conn, outgoing.PostUpdated(author, updated, also_to=also_to, step=step)
        )
        neighbour = reserved_for or previously_for
        if step is not None and neighbour is not None:
            await listing_steps.tell(ctx, conn, author, updated, neighbour, step)
        if then is not None:
            await then(conn, updated)
    ctx.outbox.wake()
    return updated


async def reserve(ctx: ServiceContext, author: Actor, post_id: int, for_actor_uri: str) -> Post:
    """Reserve an open offer or request for someone (usually one who showed interest).

    Peers that sent a FEP-0837 Offer for it get an Accept with the agreement.
    """
    if not for_actor_uri.startswith(("https://", "http://")):
        raise InvalidInput("reserve for an actor URL", field="reserved_for")

    async def accept_their_offer(conn: AsyncConnection, post: Post) -> None:
        await interest.accept_offer_if_any(ctx, conn, author, post, for_actor_uri)

    return await change_status(
        ctx,
        author,
        post_id,
        allowed_from=("open",),
        status="reserved",
        reserved_for=for_actor_uri,
        step="reserved",
        then=accept_their_offer,
    )


async def release(ctx: ServiceContext, author: Actor, post_id: int) -> Post:
    """Undo a reservation: the offer or request is open again."""
    return await change_status(
        ctx, author, post_id, allowed_from=("reserved",), status="open", step="released"
    )


CLOSING = {"give": "given", "lend": "lent"}


async def close(
    ctx: ServiceContext, author: Actor, post_id: int, closed_as: str | None = None
) -> Post:
    """Close: the thing was given or lent, or the help was done."""
    async with ctx.db.read() as conn:
        post = await _own_listing(ctx, conn, author, post_id)
    assert post.listing is not None
    outcome = closed_as or CLOSING.get(post.listing.intent, "done")
    if outcome not in ("given", "lent", "done"):
        raise InvalidInput("closed as given, lent or done", field="closed_as")
    return await change_status(
        ctx,
        author,
        post_id,
        allowed_from=("open", "reserved"),
        status="closed",
        closed_as=outcome,
        reserved_for=post.listing.reserved_for,
        # A loan with its return day is loans.hand_over's; closed as lent here, it has none.
        step="given" if outcome == "given" else None,
    )


async def cancel(ctx: ServiceContext, author: Actor, post_id: int) -> Post:
    """Withdraw an open or reserved offer or request."""
    return await change_status(
        ctx,
        author,
        post_id,
        allowed_from=("open", "reserved"),
        status="cancelled",
        step="cancelled",
    )


async def expire_due(ctx: ServiceContext, *, now: datetime | None = None, limit: int = 100) -> int:
    """Close open offers and requests past their expiry (the maintenance worker's job)."""
    now = now or utcnow()
    closed = 0
    async with ctx.db.write() as conn:
        for post in await post_store.expired_listings(conn, now=now, limit=limit):
            assert post.listing is not None
            listing = replace(post.listing, status="closed", closed_as=None)
            updated = await post_store.update_post(conn, post.id, listing=listing, edited_at=now)
            author = await actor_store.get_actor(conn, updated.actor_id)
            assert author is not None
            await ctx.outbox.send(conn, outgoing.PostUpdated(author, updated))
            closed += 1
    if closed:
        ctx.outbox.wake()
    return closed
