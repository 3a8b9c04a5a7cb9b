"""What our actors tell other servers, as services say it: one record per kind of news,
handed to `ports.Outbox.send` inside the transaction of the change it tells about.

The federation layer turns each into an ActivityStreams activity and decides which
inboxes receive it (`fedlocal/federation/outbox.py`); services only say what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..models import Actor, Announce, Block, Follow, Participation, Post, RideBooking


@dataclass(frozen=True)
class PostCreated:
    author: Actor
    post: Post


@dataclass(frozen=True)
class PostUpdated:
    """The post changed (an edit, a status, its participants); `also_to` are actors the
    change took off it (a reservation released), who must hear of it too; `step` names
    the step of an offer or a request with a neighbour it tells about (reserved, lent…)."""

    author: Actor
    post: Post
    also_to: tuple[str, ...] = ()
    step: str | None = None


@dataclass(frozen=True)
class PurchaseTotalChanged:
    """The committed total of one of our group purchases changed (a commitment made,
    changed or withdrawn, here or from a neighbour instance): its `Update`, carrying the
    current total, goes to the audience of its Create and to remote committers. A change
    while the previous one still waits to be sent folds into it (federation/outbox.py)."""

    organiser: Actor
    post: Post


@dataclass(frozen=True)
class PostDeleted:
    author: Actor
    post: Post


@dataclass(frozen=True)
class PostPinned:
    """The author pinned their post (an `Add` to their featured collection)."""

    author: Actor
    post: Post


@dataclass(frozen=True)
class PostUnpinned:
    author: Actor
    post: Post


@dataclass(frozen=True)
class ProfileUpdated:
    actor: Actor


@dataclass(frozen=True)
class AccountDeleted:
    """One of our accounts is deleted: a Delete of the actor to `inboxes` (its remote
    followers' and every known server's), gathered before its follows went."""

    actor: Actor
    inboxes: tuple[str, ...]


@dataclass(frozen=True)
class Moved:
    """One of our residents moved house to `target_uri` (a Move, to their followers)."""

    actor: Actor
    target_uri: str


@dataclass(frozen=True)
class FollowSent:
    follower: Actor
    followed: Actor
    follow: Follow


@dataclass(frozen=True)
class FollowUndone:
    follower: Actor
    followed: Actor
    follow: Follow


@dataclass(frozen=True)
class FollowAccepted:
    followed: Actor
    follower: Actor
    follow: Follow


@dataclass(frozen=True)
class FollowRejected:
    followed: Actor
    follower: Actor
    follow: Follow


@dataclass(frozen=True)
class Boosted:
    """An Announce of a post (a resident's boost, the community's share)."""

    announcer: Actor
    post: Post
    announce: Announce


@dataclass(frozen=True)
class BoostUndone:
    announcer: Actor
    post: Post
    announce: Announce


@dataclass(frozen=True)
class GroupShared:
    """A group redistributes a member's post (FEP-1b12); `inner` is the member's activity
    as received, None for one of our residents' posts."""

    group: Actor
    post: Post
    announce: Announce
    inner: dict[str, Any] | None


@dataclass(frozen=True)
class GroupPassedOn:
    """A group passes an activity on to its members (a member's Update or Delete)."""

    group: Actor
    activity: dict[str, Any]
    announce_id: str | None = None


@dataclass(frozen=True)
class GroupRemoved:
    """A group's moderator took a post out."""

    group: Actor
    moderator: Actor
    post_uri: str


@dataclass(frozen=True)
class Liked:
    liker: Actor
    post: Post
    author: Actor
    like_uri: str


@dataclass(frozen=True)
class LikeUndone:
    liker: Actor
    post: Post
    author: Actor
    like_uri: str


@dataclass(frozen=True)
class Joined:
    actor: Actor
    event: Post
    organiser: Actor
    participation: Participation


@dataclass(frozen=True)
class Left:
    actor: Actor
    event: Post
    organiser: Actor


@dataclass(frozen=True)
class JoinAccepted:
    organiser: Actor
    participant: Actor
    event: Post
    participation: Participation


@dataclass(frozen=True)
class JoinRejected:
    organiser: Actor
    participant: Actor
    event: Post
    participation: Participation


@dataclass(frozen=True)
class InterestOffered:
    """FEP-0837: propose an agreement on a marketplace-aware peer's listing."""

    actor: Actor
    listing: Post
    author: Actor
    offer_uri: str


@dataclass(frozen=True)
class OfferAccepted:
    """FEP-0837: accept a peer's Offer when the listing is reserved for them."""

    author: Actor
    listing: Post
    interested: Actor
    offer_uri: str


@dataclass(frozen=True)
class RideBooked:
    """FEP-0837: one of our residents books seats on a ride elsewhere (an `Offer`)."""

    passenger: Actor
    ride: Post
    driver: Actor
    booking: RideBooking


@dataclass(frozen=True)
class RideBookingWithdrawn:
    """One of our residents cancels their booking on a ride elsewhere: the `Undo` of their
    `Offer`, so the driver's server frees the seats."""

    passenger: Actor
    ride: Post
    driver: Actor
    booking: RideBooking


@dataclass(frozen=True)
class RideBookingAnswered:
    """The driver's answer to a remote passenger's FEP-0837 Offer: `Accept` with the
    agreement when `booking` is accepted, else `Reject` saying `reason` (declined, full,
    cancelled…)."""

    driver: Actor
    ride: Post
    passenger: Actor
    offer_uri: str
    booking: RideBooking | None = None
    reason: str = "declined"


@dataclass(frozen=True)
class CommitmentAnswered:
    """FEP-0837: the organiser of a group purchase answers a remote neighbour's
    commitment: accepted with the quantity counted, or rejected with the reason."""

    organiser: Actor
    neighbour: Actor
    purchase: Post
    offer_uri: str
    unit: str
    quantity_milli: int
    refusal: str | None = None


@dataclass(frozen=True)
class _CommitmentTerms:
    """What an `Offer` of a `Commitment` carries, and the `Undo` that embeds it."""

    neighbour: Actor
    purchase: Post
    organiser: Actor
    unit: str
    quantity_milli: int
    offer_uri: str
    # The Offer's `published`: the organiser's server keeps the newest of them.
    offered_at: datetime | None = None


@dataclass(frozen=True)
class CommitmentOffered(_CommitmentTerms):
    """FEP-0837: one of our residents commits to (or changes their quantity in) a group
    purchase elsewhere: an `Offer` of a `Commitment` with the quantity, whose id is
    `commitment.activity_uri`."""


@dataclass(frozen=True)
class CommitmentWithdrawn(_CommitmentTerms):
    """One of our residents withdraws from a group purchase elsewhere: `Undo` of their
    last `Offer` (embedded, so its server finds the purchase without the id)."""


@dataclass(frozen=True)
class Blocked:
    """One of our residents blocks someone elsewhere (Mastodon's Block, to them only)."""

    blocker: Actor
    target: Actor
    block: Block


@dataclass(frozen=True)
class BlockUndone:
    blocker: Actor
    target: Actor
    block: Block


@dataclass(frozen=True)
class ReportForwarded:
    """A resident's report of another server's account, sent on to that server as a Flag
    from our instance actor (the resident is not named)."""

    instance: Actor
    target: Actor
    report_uri: str
    post_uris: tuple[str, ...]
    comment: str


News = (
    PostCreated
    | PostUpdated
    | PurchaseTotalChanged
    | PostDeleted
    | PostPinned
    | PostUnpinned
    | ProfileUpdated
    | AccountDeleted
    | Moved
    | FollowSent
    | FollowUndone
    | FollowAccepted
    | FollowRejected
    | Boosted
    | BoostUndone
    | GroupShared
    | GroupPassedOn
    | GroupRemoved
    | Liked
    | LikeUndone
    | Joined
    | Left
    | JoinAccepted
    | JoinRejected
    | InterestOffered
    | OfferAccepted
    | RideBooked
    | RideBookingWithdrawn
    | RideBookingAnswered
    | CommitmentAnswered
    | CommitmentOffered
    | CommitmentWithdrawn
    | Blocked
    | BlockUndone
    | ReportForwarded
)
