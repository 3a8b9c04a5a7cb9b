"""The steps of an offer or a request with one neighbour, and who hears of each.

A step (reserved, released, lent, reminder, overdue, returned, given, cancelled) is kept
in the listing's history with that neighbour (`history` returns it for the messages
thread) and told:

- to the neighbour: a notification naming and linking the listing when they live here;
  when they live elsewhere, the listing's `Update` carries the step (`listingStep`) to
  their server, which tells them — a fedlocal neighbour does; other software (Mastodon)
  shows nothing for an Update, so they also get a short direct message with the link;
- to the author, for what concerns them both: the day-before reminder and the overdue
  notice.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import LISTING_STEPS, Actor, ListingStep, ListingStepName, Post
from ..store import actors as actor_store
from ..store import interests as interest_store
from ..store import listing_steps as step_store
from ..store import notifications as notification_store
from ..store.clock import utcnow
from . import neighbours
from .context import ServiceContext
from .posts import write_note

# Steps the author hears of too (the neighbour's side of them is the author's own act
# otherwise).
AUTHOR_HEARS = frozenset({"reminder", "overdue"})

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "reserved": "« {title} » est réservé pour vous.",
        "released": "« {title} » n'est plus réservé pour vous.",
        "lent": "« {title} » vous est prêté jusqu'au {due}.",
        "reminder": "Rappel : « {title} » est à rendre demain, le {due}.",
        "overdue": "« {title} » devait être rendu le {due}.",
        "returned": "Merci : « {title} » est rendu.",
        "given": "« {title} » vous est donné.",
        "cancelled": "« {title} » est annulé.",
    },
    "en": {
        "reserved": "“{title}” is reserved for you.",
        "released": "“{title}” is no longer reserved for you.",
        "lent": "“{title}” is lent to you until {due}.",
        "reminder": "Reminder: “{title}” is due back tomorrow, {due}.",
        "overdue": "“{title}” was due back on {due}.",
        "returned": "Thank you: “{title}” is back.",
        "given": "“{title}” is given to you.",
        "cancelled": "“{title}” is cancelled.",
    },
}


def notification_type(step: ListingStepName, *, for_author: bool = False) -> str:
    """The notification's stored type: `listing_<step>`, `…_author` for the author's."""
    return f"listing_{step}_author" if for_author else f"listing_{step}"


def step_named(value: object) -> ListingStepName | None:
    """`value` if it is a step's name (as received), else None."""
    return next((step for step in LISTING_STEPS if step == value), None)


def today(ctx: ServiceContext, now: datetime | None = None) -> date:
    """The instance's calendar day."""
    return (now or utcnow()).astimezone(ZoneInfo(ctx.config.timezone)).date()


async def history(ctx: ServiceContext, post: Post, neighbour: Actor) -> list[ListingStep]:
    """The steps of `post` with `neighbour`, oldest first (for the messages thread)."""
    async with ctx.db.read() as conn:
        return await step_store.list_for(conn, post.id, neighbour.id)


async def tell(
    ctx: ServiceContext,
    conn: AsyncConnection,
    author: Actor,
    post: Post,
    neighbour_uri: str,
    step: ListingStepName,
    *,
    at: datetime | None = None,
) -> None:
    """Record `step` of the author's `post` with the neighbour, and tell them (and the
    author, for a reminder or an overdue notice). Inside the change's transaction."""
    neighbour = await actor_store.get_actor_by_uri(conn, neighbour_uri)
    if neighbour is None:
        return
    assert post.listing is not None
    due = post.listing.due_on
    await step_store.add(
        conn, post_id=post.id, actor_id=neighbour.id, step=step, at=at or utcnow(), due_on=due
    )
    if neighbour.is_local:
        await notification_store.add(
            conn,
            recipient_id=neighbour.id,
            type=notification_type(step),
            actor_id=author.id,
            post_id=post.id,
        )
    elif not await _server_tells_them(conn, post, neighbour):
        await _direct_message(ctx, conn, author, post, neighbour, step)
    if step in AUTHOR_HEARS:
        await notification_store.add(
            conn,
            recipient_id=author.id,
            type=notification_type(step, for_author=True),
            actor_id=neighbour.id,
            post_id=post.id,
        )


async def _server_tells_them(conn: AsyncConnection, post: Post, neighbour: Actor) -> bool:
    """Whether the neighbour's server reads the step from the listing's Update: a linked
    neighbour instance, or a marketplace-aware server they showed interest from (its
    FEP-0837 Offer)."""
    if await neighbours.is_linked_domain(conn, neighbour.domain):
        return True
    shown = await interest_store.get(conn, post.id, neighbour.id)
    return shown is not None and shown.offer_uri is not None


async def _direct_message(
    ctx: ServiceContext,
    conn: AsyncConnection,
    author: Actor,
    post: Post,
    neighbour: Actor,
    step: ListingStepName,
) -> None:
    language = post.language if post.language in MESSAGES else ctx.config.default_language
    words = MESSAGES.get(language, MESSAGES["en"])
    assert post.listing is not None
    due = post.listing.due_on
    text = words[step].format(
        title=post.title or "",
        due=format_date(due, "long", locale=language) if due else "",
    )
    await write_note(
        ctx,
        conn,
        author,
        f"{text} {post.url or post.uri}",
        visibility="direct",
        in_reply_to=post.uri,
        language=language,
        mentions=[neighbour],
        # The server tells the step on the author's behalf: never refused as their own.
        limited=False,
    )


# Inbound: a neighbour instance's listing changed, and the step concerns one of ours.


async def receive(
    conn: AsyncConnection,
    author: Actor,
    copy: Post,
    step: ListingStepName,
    neighbour_uris: tuple[str, ...],
) -> bool:
    """Record and tell a step of a remote listing to the resident of ours it concerns
    (`neighbour_uris`: whom it is reserved for now, or was before) if they showed
    interest in it from here. False when none is."""
    residents = await actor_store.local_actors_by_uris(conn, list(neighbour_uris))
    resident = next((actor for actor in residents if actor.role == "resident"), None)
    if resident is None:
        return False
    # Only someone who showed interest from here: a listing naming any resident of ours
    # in `reservedFor` must not be a way to send them notifications.
    shown = await interest_store.get(conn, copy.id, resident.id)
    if shown is None:
        return False
    assert copy.listing is not None
    await step_store.add(
        conn,
        post_id=copy.id,
        actor_id=resident.id,
        step=step,
        at=copy.edited_at or utcnow(),
        due_on=copy.listing.due_on,
    )
    if step == "reserved" and shown.offer_uri is not None:
        # Their FEP-0837 Offer is answered by an Accept, which notifies them already.
        return True
    await notification_store.add(
        conn,
        recipient_id=resident.id,
        type=notification_type(step),
        actor_id=author.id,
        post_id=copy.id,
    )
    return True
