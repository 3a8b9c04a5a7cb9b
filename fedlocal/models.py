"""The internal model: plain typed records, free of ActivityStreams and Mastodon JSON.

`fedlocal.federation.from_as` and `to_as` convert to and from ActivityStreams; the store
returns these records; services take and return them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from .purchases import GroupPurchase

ActorRole = Literal["resident", "community", "instance", "group", "remote"]
Visibility = Literal["public", "unlisted", "followers", "direct", "local"]
FollowState = Literal["pending", "accepted"]
PostKind = Literal["note", "offer", "request", "event", "ride", "group_purchase"]
# What an offer or request is about: offers give, lend, sell (cheaply) or provide a
# service; requests ask for help or for an item.
OFFER_INTENTS = ("give", "lend", "sell", "service")
REQUEST_INTENTS = ("help", "item")
ListingStatus = Literal["open", "reserved", "closed", "cancelled"]
CLOSED_AS = ("given", "lent", "returned", "done")
EventStatus = Literal["confirmed", "tentative", "cancelled"]
JOIN_MODES = ("free", "restricted", "external")
ParticipationState = Literal["pending", "accepted", "rejected"]
RideRole = Literal["offer", "request"]
# `departed`: its last date has passed (the maintenance worker, services/rides.py).
RideStatus = Literal["open", "cancelled", "departed"]
RideBookingState = Literal["pending", "accepted", "declined", "cancelled"]
MediaPurpose = Literal["attachment", "avatar", "header"]
# An upload through `POST /api/v2/media` may still be processing when it answers.
MediaState = Literal["ready", "processing", "failed"]


@dataclass(frozen=True)
class ProfileField:
    """One name/value line of a profile (Mastodon's fields, AS `PropertyValue`): `value`
    is HTML; `source` what one of our residents typed."""

    name: str
    value: str
    source: str | None = None


@dataclass(frozen=True)
class ShopProfile:
    """What a shop's or a producer's page says (services/shops.py): its opening hours, a
    simple weekly schedule of (weekday 0 = Monday, opens "HH:MM", closes "HH:MM")
    periods in the instance's time zone, its address and what it sells."""

    hours: tuple[tuple[int, str, str], ...] = ()
    address: str = ""
    sells: str = ""


@dataclass(frozen=True)
class Actor:
    """Anyone who can act: a resident, our community/instance/group actors, or a remote actor."""

    id: int
    uri: str
    type: str
    role: ActorRole
    username: str
    domain: str
    display_name: str
    summary: str
    inbox_url: str | None
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    url: str | None
    manually_approves_followers: bool
    created_at: datetime
    updated_at: datetime
    fetched_at: datetime | None = None
    gone_at: datetime | None = None
    # The actor's avatar (its `icon`): a remote actor's address, or our upload's.
    icon_url: str | None = None
    # The header image (its `image`).
    image_url: str | None = None
    # Our own copies of the avatar (its 400 px thumbnail) and of the header image (1,600 px
    # and 400 px), the only addresses our pages show: a remote actor's pictures are fetched
    # and kept here, never linked to on their server.
    avatar_small_url: str | None = None
    header_large_url: str | None = None
    header_small_url: str | None = None
    # A resident's home quarter (a gazetteer name), centre of their nearby feed.
    home_quarter: str | None = None
    # A group's moderators (ids of our actors).
    moderator_ids: tuple[int, ...] = ()
    # A verified organisation's type (fedlocal/organizations.py), None for a person.
    organization_type: str | None = None
    # Profile fields (up to four for our residents), and the bio as a resident typed it
    # (`summary` is its HTML).
    fields: tuple[ProfileField, ...] = ()
    note_source: str | None = None
    # A shop's or a producer's hours, address and wares (services/shops.py).
    shop: ShopProfile | None = None
    # Moving house (Mastodon's account migration), for our residents: the other accounts
    # they declare as theirs (`alsoKnownAs`), and the account they moved to and when.
    also_known_as: tuple[str, ...] = ()
    moved_to: str | None = None
    moved_at: datetime | None = None

    @property
    def is_local(self) -> bool:
        return self.role != "remote"

    @property
    def handle(self) -> str:
        """`user@domain`, the form WebFinger and Mastodon's `acct` use."""
        return f"{self.username}@{self.domain}"

    @property
    def delivery_inbox(self) -> str | None:
        """Where to deliver: the shared inbox when there is one."""
        return self.shared_inbox_url or self.inbox_url


@dataclass(frozen=True)
class ActorKey:
    """A public key (and, for our actors, the private key) by its key id."""

    id: int
    actor_id: int
    key_id: str
    algorithm: Literal["rsa", "ed25519"]
    public_pem: str
    private_pem: str | None


@dataclass(frozen=True)
class Account:
    """A person who logs in; `actor_id` is their Person actor."""

    id: int
    actor_id: int
    username: str
    email: str | None
    password_hash: str
    is_admin: bool
    is_approved: bool
    is_disabled: bool
    locale: str | None
    created_at: datetime
    # Moderators work the moderation queue; admins do that and everything else.
    is_moderator: bool = False

    @property
    def is_staff(self) -> bool:
        return self.is_admin or self.is_moderator


@dataclass(frozen=True)
class Follow:
    id: int
    follower_id: int
    followed_id: int
    uri: str
    state: FollowState
    created_at: datetime


@dataclass(frozen=True)
class Place:
    """Where something is: a named quarter or venue, approximate coordinates, and for
    events an optional postal address. Offers never carry an exact address."""

    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    street: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    region: str | None = None
    country: str | None = None

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def address_lines(self) -> tuple[str, ...]:
        parts = (self.street, " ".join(p for p in (self.postal_code, self.locality) if p))
        return tuple(p for p in parts if p)


@dataclass(frozen=True)
class ListingDetails:
    """What makes a post an offer or a request."""

    intent: str
    status: ListingStatus = "open"
    closed_as: str | None = None
    reserved_for: str | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    expires_at: datetime | None = None
    quantity: int = 1
    price: str | None = None
    # A loan (services/loans.py): handed over at, to come back on (a day), came back at.
    lent_at: datetime | None = None
    due_on: date | None = None
    returned_at: datetime | None = None

    @property
    def on_loan(self) -> bool:
        """Lent and not back yet."""
        return self.closed_as == "lent" and self.due_on is not None and self.returned_at is None

    def overdue_on(self, today: date) -> bool:
        """On loan and past its return day (`today` in the instance's time zone)."""
        return self.on_loan and self.due_on is not None and today > self.due_on


@dataclass(frozen=True)
class EventDetails:
    """What makes a post an event."""

    starts_at: datetime
    ends_at: datetime | None = None
    timezone: str = "Europe/Paris"
    status: EventStatus = "confirmed"
    join_mode: str = "free"
    capacity: int | None = None
    participant_count: int = 0
    external_url: str | None = None

    @property
    def remaining_places(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.participant_count, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.participant_count >= self.capacity


@dataclass(frozen=True)
class RideDetails:
    """What makes a post a ride (services/rides.py): a driver's offer (`offer`) or a
    resident's request for one (`request`), from one place to another, once or weekly."""

    role: RideRole
    origin: Place
    destination: Place
    departs_at: datetime
    seats: int
    timezone: str = "Europe/Paris"
    arrives_at: datetime | None = None
    # Weekly: again every seven days at the same local time, up to `until` (a day) if set.
    weekly: bool = False
    until: date | None = None
    # Per passenger, in cents of `currency`; None: free or not said.
    contribution_cents: int | None = None
    currency: str = "EUR"
    notes: str = ""
    status: RideStatus = "open"
    # Seats held per day (pending or accepted bookings): ours counted from the bookings
    # under the ride's lock, a peer's ride as its server says (`upcomingDates`).
    booked: tuple[tuple[date, int], ...] = ()


@dataclass(frozen=True)
class RideBooking:
    """Seats a passenger asked for on a ride, on one of its dates."""

    id: int
    ride_id: int
    actor_id: int
    departs_on: date
    seats: int
    state: RideBookingState
    created_at: datetime
    # The FEP-0837 Offer a remote passenger sent (None for ours).
    offer_uri: str | None = None


@dataclass(frozen=True)
class Mention:
    """An actor a post mentions: its id, and its handle as shown (`@anne@nord.example`)."""

    href: str
    name: str


@dataclass(frozen=True)
class Attachment:
    """A picture a post carries, as it was when the post was published: its addresses,
    sizes, BlurHash, alternative text and focal point."""

    url: str
    media_type: str
    width: int | None = None
    height: int | None = None
    preview_url: str | None = None
    preview_width: int | None = None
    preview_height: int | None = None
    blurhash: str | None = None
    description: str | None = None
    # Focal point, each in -1..1 (x to the right, y upwards, as Mastodon's).
    focus: tuple[float, float] = (0.0, 0.0)
    # Our upload's id (`MediaUpload.id`) for a picture of ours.
    media_id: int | None = None
    # A received picture's address on its server (`url` and `preview_url` are our copy's,
    # empty until it is fetched).
    remote_url: str | None = None


@dataclass(frozen=True)
class MediaUpload:
    """A picture a resident uploaded: waiting for its post, attached to one, or their
    avatar or header image. `file_key` and `small_key` name its files (media/files.py)."""

    id: int
    actor_id: int
    post_id: int | None
    purpose: MediaPurpose
    file_key: str
    content_type: str
    width: int
    height: int
    small_key: str
    small_content_type: str
    small_width: int
    small_height: int
    blurhash: str | None
    description: str | None
    focus_x: float
    focus_y: float
    created_at: datetime
    attached_at: datetime | None = None
    position: int = 0
    # While `processing` (or once `failed`, with `error` saying why) the file fields are
    # placeholders that name no file.
    state: MediaState = "ready"
    error: str | None = None

    @property
    def is_attached(self) -> bool:
        return self.attached_at is not None

    @property
    def is_ready(self) -> bool:
        return self.state == "ready"


@dataclass(frozen=True)
class Post:
    """A post of any kind (note, offer, request, event), local or a remote copy."""

    id: int
    uri: str
    type: str
    kind: str
    actor_id: int
    is_local: bool
    visibility: Visibility
    content: str
    published: datetime
    created_at: datetime
    in_reply_to_uri: str | None = None
    name: str | None = None
    summary: str | None = None
    source: str | None = None
    sensitive: bool = False
    language: str | None = None
    url: str | None = None
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    category: str | None = None
    place: Place | None = None
    listing: ListingDetails | None = None
    event: EventDetails | None = None
    ride: RideDetails | None = None
    hashtags: tuple[str, ...] = ()
    # Actors a non-public post is addressed to (beyond followers): who may see it here.
    recipients: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    # A followers-only or direct reply in a local-only thread: it keeps its audience but
    # never leaves this instance (see `is_local_only`).
    local_only: bool = False
    # A remote listing that came with FEP-0837 terms: its server understands an `Offer`.
    fep0837: bool = False
    attachments: tuple[Attachment, ...] = ()

    @property
    def title(self) -> str:
        return self.name or ""

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_public(self) -> bool:
        return self.visibility in ("public", "unlisted")

    @property
    def is_local_only(self) -> bool:
        """Never leaves this instance: a local-only post (visibility `local`), or a
        followers-only or direct post marked so (a reply in a local-only thread)."""
        return self.visibility == "local" or self.local_only


@dataclass(frozen=True)
class Announce:
    id: int
    uri: str
    actor_id: int
    object_uri: str
    object_id: int | None
    published: datetime


@dataclass(frozen=True)
class RemoteActorData:
    """What we keep of a fetched remote actor document (from `from_as.actor_from_as`)."""

    uri: str
    type: str
    username: str
    domain: str
    display_name: str
    summary: str
    inbox_url: str
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    url: str | None
    manually_approves_followers: bool
    # (key_id, algorithm "rsa" | "ed25519", public key PEM)
    keys: tuple[tuple[str, str, str], ...]
    icon_url: str | None = None
    # The header image (`image`).
    image_url: str | None = None
    # `fedlocal:organizationType`, as the document claims it (kept for linked neighbours).
    organization_type: str | None = None
    fields: tuple[ProfileField, ...] = ()
    # A shop's or a producer's hours, address and wares (`fedlocal:openingHours`…).
    shop: ShopProfile | None = None
    # Moving house: the actor's other accounts (`alsoKnownAs`) and where it moved
    # (`movedTo`), as the document claims them.
    also_known_as: tuple[str, ...] = ()
    moved_to: str | None = None


@dataclass(frozen=True)
class RemotePostData:
    """A remote post as read from ActivityStreams (from `from_as.post_from_as`)."""

    uri: str
    type: str
    kind: str
    attributed_to: str
    visibility: Visibility
    content: str
    published: datetime
    recipients: tuple[str, ...] = ()
    in_reply_to_uri: str | None = None
    name: str | None = None
    summary: str | None = None
    sensitive: bool = False
    language: str | None = None
    url: str | None = None
    edited_at: datetime | None = None
    category: str | None = None
    # The organisation types our `category` is reserved to (empty: open to all).
    category_reserved_for: tuple[str, ...] = ()
    place: Place | None = None
    listing: ListingDetails | None = None
    event: EventDetails | None = None
    ride: RideDetails | None = None
    # A group purchase's terms (post_id 0), for a post of kind `group_purchase`.
    group_purchase: GroupPurchase | None = None
    hashtags: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    fep0837: bool = False
    # The author's Markdown, when the sender publishes it as `source` (fedlocal does).
    source: str | None = None
    # When the document says this version was written: `updated`, else `published`;
    # None when it says neither (`published` above then defaults to the time it came).
    # Only a later version replaces our copy (store.posts.save_remote_post).
    version: datetime | None = None
    # Its pictures: read with only `remote_url` set, then our copies once fetched
    # (services/remote_media.py); one that could not be fetched is dropped.
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Participation:
    """Someone's RSVP to an event: pending until the organiser decides (restricted events)."""

    id: int
    event_id: int
    actor_id: int
    state: ParticipationState
    join_uri: str
    message: str | None
    created_at: datetime


@dataclass(frozen=True)
class Interest:
    """Someone said "I'm interested" in an offer or request."""

    id: int
    post_id: int
    actor_id: int
    message_uri: str | None
    offer_uri: str | None
    created_at: datetime


ListingStepName = Literal[
    "reserved", "released", "lent", "reminder", "overdue", "returned", "given", "cancelled"
]
LISTING_STEPS: tuple[ListingStepName, ...] = (
    "reserved",
    "released",
    "lent",
    "reminder",
    "overdue",
    "returned",
    "given",
    "cancelled",
)


@dataclass(frozen=True)
class ListingStep:
    """One step of an offer or a request with one neighbour (services/loans.py)."""

    id: int
    post_id: int
    actor_id: int
    step: ListingStepName
    at: datetime
    due_on: date | None = None


@dataclass(frozen=True)
class Notification:
    """Something a local actor should hear about."""

    id: int
    recipient_id: int
    type: str
    actor_id: int | None
    post_id: int | None
    created_at: datetime
    read_at: datetime | None = None
    # A moderation_warning's text (store `account_warnings`).
    warning_id: int | None = None


@dataclass(frozen=True)
class WebSession:
    """A browser's session of the web app (the store keeps its token's hash only)."""

    id: int
    account_id: int | None
    csrf_secret: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Thread:
    """Messages between two people: one thread per pair and per listing (the messages
    about an offer or a request), and one for the pair's other messages."""

    id: int
    listing_id: int | None
    last_post_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ThreadMember:
    """One of our residents in a thread: their neighbour there and their own marks."""

    thread_id: int
    actor_id: int
    other_id: int
    unread: bool
    hidden: bool


@dataclass(frozen=True)
class Block:
    """`account_id` blocks `target_id` (`uri`: the Block activity's id)."""

    id: int
    account_id: int
    target_id: int
    uri: str
    created_at: datetime


@dataclass(frozen=True)
class Mute:
    """`account_id` mutes `target_id`: their notifications too with `notifications`,
    until `expires_at` when set."""

    id: int
    account_id: int
    target_id: int
    notifications: bool
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Marker:
    """Where a resident stopped reading a timeline (`home`, `notifications`)."""

    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


# spam | legal | violation | other: Mastodon's report categories.
REPORT_CATEGORIES = ("spam", "legal", "violation", "other")


@dataclass(frozen=True)
class Report:
    """A report of an account (and some of its posts) by one of our residents, or a Flag
    another server sent (`origin_domain` names it; `reporter_id` is then its sender).
    `snapshot` is what was reported as it was then: `account` and `posts`, plain JSON."""

    id: int
    uri: str | None
    reporter_id: int | None
    origin_domain: str | None
    target_id: int
    post_ids: tuple[int, ...]
    category: str
    comment: str
    forwarded: bool
    snapshot: dict[str, Any]
    note: str
    assigned_account_id: int | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    action: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def is_remote(self) -> bool:
        """Sent by another server (a Flag), not by one of our residents."""
        return self.origin_domain is not None


@dataclass(frozen=True)
class UserList:
    """A resident's list of accounts they follow (Mastodon's lists)."""

    id: int
    actor_id: int
    title: str
    replies_policy: str  # followed | list | none
    exclusive: bool


@dataclass(frozen=True)
class FilterKeyword:
    id: int
    filter_id: int
    keyword: str
    whole_word: bool


@dataclass(frozen=True)
class FilterStatus:
    id: int
    filter_id: int
    post_id: int


@dataclass(frozen=True)
class Filter:
    """A resident's filter (Mastodon's v2): keywords and statuses it catches, the
    contexts it applies in, and what it does there (`warn`, `hide`, `blur`)."""

    id: int
    actor_id: int
    title: str
    context: tuple[str, ...]
    action: str
    expires_at: datetime | None
    keywords: tuple[FilterKeyword, ...] = ()
    statuses: tuple[FilterStatus, ...] = ()


@dataclass(frozen=True)
class PushSubscription:
    """A Web Push subscription of one access token (Mastodon's WebPushSubscription)."""

    id: int
    token_id: int
    actor_id: int
    endpoint: str
    p256dh: str
    auth: str
    alerts: tuple[str, ...]
    policy: str  # all | followed | follower | none
    # RFC 8291 `aes128gcm` when true, the draft `aesgcm` Mastodon long used when false.
    standard: bool = False


@dataclass(frozen=True)
class PushDelivery:
    """A notification to push to one subscription, with its attempts so far."""

    id: int
    subscription_id: int
    notification_id: int
    attempts: int


@dataclass(frozen=True)
class PostVersion:
    """A post as it read at one time (its edit history): `created_at` is when this version
    was written."""

    content: str
    summary: str | None
    name: str | None
    sensitive: bool
    attachments: tuple[Attachment, ...]
    created_at: datetime
