"""The internal model: plain typed records, free of ActivityStreams and Mastodon JSON.

`fedlocal.federation.from_as` and `to_as` convert to and from ActivityStreams; the store
returns these records; services take and return them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ActorRole = Literal["resident", "community", "instance", "group", "remote"]
Visibility = Literal["public", "unlisted", "followers", "direct"]
FollowState = Literal["pending", "accepted"]


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
    data: dict[str, Any] | None = None

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


@dataclass(frozen=True)
class Follow:
    id: int
    follower_id: int
    followed_id: int
    uri: str
    state: FollowState
    created_at: datetime


@dataclass(frozen=True)
class Post:
    """A post of any kind (note for now), local or a remote copy."""

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
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_public(self) -> bool:
        return self.visibility in ("public", "unlisted")


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
    data: dict[str, Any] = field(default_factory=dict)


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
    data: dict[str, Any] = field(default_factory=dict)
