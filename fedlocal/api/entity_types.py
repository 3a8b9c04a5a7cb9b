"""The Mastodon entities we answer with, as typed dictionaries: what each key holds is
written once, here, and the type checker holds `entities.py` to it.

Names and shapes follow Mastodon's API documentation (docs.joinmastodon.org, "Entities");
`fedlocal` on a status and `fedlocal_type` on a notification are ours, for the clients
that know offers, requests and events.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Role(TypedDict):
    id: str
    name: str
    permissions: str
    color: str
    highlighted: bool


class CredentialSource(TypedDict):
    privacy: str
    sensitive: bool
    language: str
    note: str
    fields: list[Any]
    follow_requests_count: int
    hide_collections: bool
    discoverable: bool
    indexable: bool
    attribution_domains: list[str]


class AccountRole(TypedDict):
    """Mastodon 4.x's role badge on an account (a verified organisation's type here)."""

    id: str
    name: str
    color: str


class Field(TypedDict):
    name: str
    value: str
    verified_at: str | None


class Account(TypedDict):
    id: str
    username: str
    acct: str
    display_name: str
    locked: bool
    bot: bool
    discoverable: bool | None
    indexable: bool
    group: bool
    created_at: str | None
    note: str
    url: str
    uri: str
    avatar: str
    avatar_static: str
    header: str
    header_static: str
    followers_count: int
    following_count: int
    statuses_count: int
    last_status_at: str | None
    hide_collections: bool
    noindex: bool
    emojis: list[Any]
    roles: list[AccountRole]
    fields: list[Field]
    # Only on the logged-in account (verify_credentials, update_credentials).
    source: NotRequired[CredentialSource]
    role: NotRequired[Role]
    # The account it moved to (Mastodon's `moved`), when it moved.
    moved: NotRequired[Account]


class Mention(TypedDict):
    id: str
    username: str
    url: str
    acct: str


class Tag(TypedDict):
    name: str
    url: str
    history: list[Any]
    following: bool


class Category(TypedDict):
    key: str
    fr: str
    en: str


class ListingDetails(TypedDict):
    intent: str
    status: str
    closed_as: str | None
    quantity: int
    price: str | None
    expires_at: str | None
    # A loan: handed over at, to come back on (YYYY-MM-DD), came back at.
    lent_at: NotRequired[str | None]
    due_on: NotRequired[str | None]
    returned_at: NotRequired[str | None]


class EventDetails(TypedDict):
    starts_at: str | None
    ends_at: str | None
    timezone: str
    status: str
    join_mode: str
    capacity: int | None
    participant_count: int


class PlaceDetails(TypedDict):
    name: str | None
    latitude: float | None
    longitude: float | None


class Amount(TypedDict):
    amount: str
    currency: str


class RideDate(TypedDict):
    """One of a ride's next dates: its day, its departure and the seats left."""

    date: str
    departs_at: str | None
    seats_left: int
    full: bool


class RideDetails(TypedDict):
    role: str
    status: str
    origin: PlaceDetails
    destination: PlaceDetails
    departs_at: str | None
    arrives_at: str | None
    timezone: str
    weekly: bool
    until: str | None
    seats: int
    contribution: Amount | None
    notes: str
    dates: list[RideDate]


class GroupPurchaseDetails(TypedDict):
    """A group purchase: quantities as decimal strings in `unit` ("12.5")."""

    unit: str
    whole_units: bool
    unit_price: str
    currency: str
    minimum: str
    maximum: str | None
    committed: str
    committers: int
    remaining: str | None
    deadline: str | None
    pickup_at: str | None
    pickup_place: str
    # open | confirmed | cancelled
    status: str


class FedlocalDetails(TypedDict):
    """What a status says of an offer, a request or an event beyond Mastodon's fields."""

    kind: str
    title: NotRequired[str]
    category: NotRequired[Category]
    listing: NotRequired[ListingDetails]
    event: NotRequired[EventDetails]
    ride: NotRequired[RideDetails]
    group_purchase: NotRequired[GroupPurchaseDetails]
    place: NotRequired[PlaceDetails]


class MediaSize(TypedDict):
    width: int
    height: int
    size: str
    aspect: float


class MediaFocus(TypedDict):
    x: float
    y: float


class MediaMeta(TypedDict, total=False):
    original: MediaSize
    small: MediaSize
    focus: MediaFocus


class MediaAttachment(TypedDict):
    id: str
    type: str
    url: str
    preview_url: str | None
    remote_url: str | None
    preview_remote_url: str | None
    text_url: str | None
    meta: MediaMeta
    description: str | None
    blurhash: str | None


class Status(TypedDict):
    id: str
    uri: str
    url: str
    created_at: str | None
    account: Account
    content: str
    visibility: str
    sensitive: bool
    spoiler_text: str
    media_attachments: list[MediaAttachment]
    application: None
    mentions: list[Mention]
    tags: list[Tag]
    emojis: list[Any]
    reblogs_count: int
    favourites_count: int
    replies_count: int
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    reblog: Status | None
    poll: None
    card: None
    language: str | None
    text: str | None
    edited_at: str | None
    favourited: bool
    reblogged: bool
    muted: bool
    bookmarked: bool
    pinned: bool
    filtered: list[Any]
    local_only: bool
    fedlocal: NotRequired[FedlocalDetails]


class StatusEdit(TypedDict):
    content: str
    spoiler_text: str
    sensitive: bool
    created_at: str | None
    account: Account
    poll: None
    media_attachments: list[MediaAttachment]
    emojis: list[Any]


class StatusSource(TypedDict):
    id: str
    text: str
    spoiler_text: str


class Notification(TypedDict):
    id: str
    type: str
    group_key: str
    created_at: str | None
    account: Account
    status: Status | None
    fedlocal_type: NotRequired[str]
    moderation_warning: NotRequired[AccountWarning]


class Conversation(TypedDict):
    id: str
    unread: bool
    accounts: list[Account]
    last_status: Status | None


class Relationship(TypedDict):
    id: str
    following: bool
    showing_reblogs: bool
    notifying: bool
    languages: list[str] | None
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    requested: bool
    requested_by: bool
    domain_blocking: bool
    endorsed: bool
    note: str


class Application(TypedDict):
    id: str
    name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str
    redirect_uris: list[str]
    vapid_key: str
    # Only when the app is registered.
    client_id: NotRequired[str]
    client_secret: NotRequired[str]
    client_secret_expires_at: NotRequired[int]


class List(TypedDict):
    id: str
    title: str
    replies_policy: str
    exclusive: bool


# --- staff and moderation ----------------------------------------------------------------


class AccountWarning(TypedDict):
    id: str
    action: str
    text: str
    status_ids: list[str] | None
    target_account: Account
    appeal: None
    created_at: str | None


class AdminAccount(TypedDict):
    id: str
    username: str
    domain: str | None
    created_at: str | None
    email: str | None
    ip: str | None
    ips: list[Any]
    locale: str | None
    invite_request: str | None
    role: Role
    confirmed: bool
    approved: bool
    disabled: bool
    silenced: bool
    suspended: bool
    sensitized: bool
    account: Account


class AdminDomainBlock(TypedDict):
    id: str
    domain: str
    digest: str
    created_at: str | None
    severity: str
    reject_media: bool
    reject_reports: bool
    private_comment: str | None
    public_comment: str | None
    obfuscate: bool


class DomainBlock(TypedDict):
    domain: str
    digest: str
    severity: str
    comment: str | None
