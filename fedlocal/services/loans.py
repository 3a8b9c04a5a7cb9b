"""Lending and giving to the neighbour an offer is reserved for.

    reserved ──hand_over(lent_on, due_on)──▶ lent ──returned──▶ returned
       │                                       └─ the day before due_on: a reminder
       │                                       └─ past due_on: overdue (told once)
       └──give──▶ given

A loan is the listing closed as `lent` with its handover and return day; returning it
closes it as `returned`. Each step is a step of the listing with the borrower
(`listing_steps`): announced as an `Update`, kept in its history, told to both where it
concerns both. `remind_and_flag_overdue` is the maintenance worker's part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ..models import Actor, ListingDetails, ListingStepName, Post
from ..store import actors as actor_store
from ..store import listing_steps as step_store
from ..store import posts as post_store
from ..store.clock import utcnow
from . import listing_steps, outgoing
from .context import ServiceContext
from .errors import Conflict, InvalidInput
from .listings import change_status

# A loan lasts a year at most, and is recorded within a year of its handover.
MAX_LOAN = timedelta(days=366)
MAX_LATE_RECORD = timedelta(days=366)


def check_loan_dates(today: date, lent_on: date, due_on: date) -> None:
    """InvalidInput naming the wrong field, unless the handover is today or in the past
    year and the return day after it, within a year."""
    if lent_on > today:
        raise InvalidInput("the handover cannot be in the future", field="lent_on")
    if today - lent_on > MAX_LATE_RECORD:
        raise InvalidInput("the handover is at most a year ago", field="lent_on")
    if due_on <= lent_on:
        raise InvalidInput("the return date comes after the handover", field="due_on")
    if due_on - lent_on > MAX_LOAN:
        raise InvalidInput("a loan lasts a year at most", field="due_on")
    if due_on < today:
        raise InvalidInput("the return date is already past", field="due_on")


def _handed_over_at(ctx: ServiceContext, lent_on: date, now: datetime) -> datetime:
    """The handover's moment: now when it is today, else noon that day (local time)."""
    zone = ZoneInfo(ctx.config.timezone)
    if lent_on == now.astimezone(zone).date():
        return now
    return datetime.combine(lent_on, time(12), zone).astimezone(now.tzinfo)


async def hand_over(
    ctx: ServiceContext,
    author: Actor,
    post_id: int,
    *,
    due_on: date,
    lent_on: date | None = None,
) -> Post:
    """The author of an offer to lend, reserved for a neighbour, handed it over on
    `lent_on` (today by default); it comes back on `due_on`."""
    now = utcnow()
    today = listing_steps.today(ctx, now)
    lent_on = lent_on or today
    check_loan_dates(today, lent_on, due_on)
    lent_at = _handed_over_at(ctx, lent_on, now)

    def is_a_loan(listing: ListingDetails) -> None:
        if listing.intent != "lend":
            raise Conflict("only a thing to lend is lent", field="status")

    def dates(listing: ListingDetails) -> ListingDetails:
        return replace(listing, lent_at=lent_at, due_on=due_on, returned_at=None)

    return await _close_with_neighbour(
        ctx, author, post_id, "reserved", "lent", check=is_a_loan, changes=dates
    )


async def mark_returned(ctx: ServiceContext, author: Actor, post_id: int) -> Post:
    """The borrower brought the thing back: the loan is closed as returned."""
    returned_at = utcnow()

    def on_loan(listing: ListingDetails) -> None:
        if not listing.on_loan:
            raise Conflict("this offer is not on loan", field="status")

    return await _close_with_neighbour(
        ctx,
        author,
        post_id,
        "closed",
        "returned",
        check=on_loan,
        changes=lambda listing: replace(listing, returned_at=returned_at),
    )


async def give(ctx: ServiceContext, author: Actor, post_id: int) -> Post:
    """The author gave the thing to the neighbour it was reserved for."""

    def is_a_gift(listing: ListingDetails) -> None:
        if listing.intent != "give":
            raise Conflict("only a thing to give is given", field="status")

    return await _close_with_neighbour(ctx, author, post_id, "reserved", "given", check=is_a_gift)


async def _close_with_neighbour(
    ctx: ServiceContext,
    author: Actor,
    post_id: int,
    allowed_from: str,
    outcome: Literal["lent", "returned", "given"],
    *,
    check: Callable[[ListingDetails], None],
    changes: Callable[[ListingDetails], ListingDetails] | None = None,
) -> Post:
    """Close the listing as `outcome` (also the step's name), keeping whom it is for."""
    # Read before the change: change_status checks the state and the author again
    # inside its own transaction.
    async with ctx.db.read() as conn:
        post = await post_store.get_post(conn, post_id)
    neighbour = post.listing.reserved_for if post is not None and post.listing else None
    return await change_status(
        ctx,
        author,
        post_id,
        allowed_from=(allowed_from,),
        status="closed",
        closed_as=outcome,
        reserved_for=neighbour,
        step=outcome,
        check=check,
        changes=changes,
    )


async def remind_and_flag_overdue(
    ctx: ServiceContext, *, now: datetime | None = None, limit: int = 100
) -> int:
    """Loans due back tomorrow get their reminder, loans past their day their overdue
    notice: each once per loan, to the lender and the borrower, and as an Update to
    those who hold the listing. Returns how many were told."""
    now = now or utcnow()
    today = listing_steps.today(ctx, now)
    told = 0
    async with ctx.db.write() as conn:
        for post in await post_store.loans_due(conn, by=today + timedelta(days=1), limit=limit):
            listing = post.listing
            assert listing is not None and listing.due_on is not None
            step: ListingStepName = "overdue" if listing.overdue_on(today) else "reminder"
            if step == "reminder" and listing.due_on != today + timedelta(days=1):
                continue  # due today: too late for "tomorrow", not late yet
            borrower = (
                await actor_store.get_actor_by_uri(conn, listing.reserved_for)
                if listing.reserved_for
                else None
            )
            author = await actor_store.get_actor(conn, post.actor_id)
            if borrower is None or author is None:
                continue
            since = listing.lent_at or post.published
            if await step_store.has_step_since(conn, post.id, borrower.id, step, since):
                continue
            # A newer version, so servers holding the listing take the Update.
            updated = await post_store.update_post(conn, post.id, edited_at=now)
            await ctx.outbox.send(conn, outgoing.PostUpdated(author, updated, step=step))
            await listing_steps.tell(ctx, conn, author, updated, borrower.uri, step, at=now)
            told += 1
    if told:
        ctx.outbox.wake()
    return told
