"""What a post's page shows beside the post: for an offer or a request, who is
interested and whom it is reserved for; for an event, who takes part and who waits."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Actor, Interest, Participation, Post
from ..store import actors as actor_store
from ..store import interests as interest_store
from ..store import participations as participation_store
from .context import ServiceContext


@dataclass(frozen=True)
class ListingPage:
    # Everyone interested, for the author only.
    interested: list[tuple[Interest, Actor]]
    # The viewer's own interest.
    mine: Interest | None
    # Shown to the author and to the person it is reserved for, nobody else.
    reserved_for: Actor | None


@dataclass(frozen=True)
class EventPage:
    participants: list[tuple[Participation, Actor]]
    # Waiting for the organiser's answer.
    pending: list[tuple[Participation, Actor]]
    mine: Participation | None
    # How many take part: for a neighbour's event, the count its organiser last sent,
    # never fewer than the participations known here.
    count: int = 0

    @property
    def unlisted(self) -> int:
        """Participants counted but not listed: people from other servers, whose
        participations only the organiser's server knows."""
        return self.count - len(self.participants)


async def listing_page(ctx: ServiceContext, viewer: Actor | None, post: Post) -> ListingPage:
    """What `viewer` sees around the offer or request `post`."""
    is_author = viewer is not None and viewer.id == post.actor_id
    target = post.listing.reserved_for if post.listing else None
    async with ctx.db.read() as conn:
        interested = await interest_store.list_for_post(conn, post.id) if is_author else []
        mine = (
            await interest_store.get(conn, post.id, viewer.id) if viewer and not is_author else None
        )
        reserved_for = None
        if target and (is_author or (viewer is not None and viewer.uri == target)):
            reserved_for = await actor_store.get_actor_by_uri(conn, target)
    return ListingPage(interested, mine, reserved_for)


async def interested(ctx: ServiceContext, post: Post) -> list[Actor]:
    """Who showed interest in the offer or request `post`, first come first."""
    async with ctx.db.read() as conn:
        return [actor for _interest, actor in await interest_store.list_for_post(conn, post.id)]


async def event_page(ctx: ServiceContext, viewer: Actor | None, post: Post) -> EventPage:
    """Who takes part in the event `post`, who waits, and the viewer's own answer."""
    async with ctx.db.read() as conn:
        people = await participation_store.list_for_event(conn, post.id)
        mine = await participation_store.get(conn, post.id, viewer.id) if viewer else None
    participants = [(p, actor) for p, actor in people if p.state == "accepted"]
    # Our events count their accepted participations (events._recount). A copy of a
    # neighbour's event counts what its organiser sent (`participantCount`), which lags
    # behind an acceptance just received and includes people we never hear of.
    received = post.event.participant_count if post.event else 0
    return EventPage(
        participants=participants,
        pending=[(p, actor) for p, actor in people if p.state == "pending"],
        mine=mine,
        count=max(received, len(participants)),
    )


async def participation(ctx: ServiceContext, participation_id: int) -> Participation | None:
    """A request to take part in an event, by its id."""
    async with ctx.db.read() as conn:
        return await participation_store.get_by_id(conn, participation_id)
