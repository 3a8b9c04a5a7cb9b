"""Table definitions (SQLAlchemy Core). Alembic migrations must match these exactly;
`tests/store/test_migrations.py` compares them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .types import AutoId, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Every actor we know: our residents, community, instance and group actors, and remote ones.
actors = Table(
    "actors",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("uri", Text, nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    # resident | community | instance | group | remote
    Column("role", String(16), nullable=False),
    Column("username", String(255), nullable=False),
    Column("domain", String(255), nullable=False),
    # Set only for our own actors: NULLs do not collide, so local handles stay unique.
    Column("local_username", String(255), unique=True),
    Column("display_name", Text, nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("inbox_url", Text),
    Column("shared_inbox_url", Text),
    Column("outbox_url", Text),
    Column("followers_url", Text),
    Column("following_url", Text),
    Column("url", Text),
    Column("manually_approves_followers", Boolean, nullable=False, default=False),
    Column("data", JSON),
    Column("fetched_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("gone_at", UTCDateTime),
    # A verified organisation's type (fedlocal/organizations.py): set by our admins for
    # our accounts, kept from a linked neighbour's actor document for theirs.
    Column("organization_type", String(32)),
    Index(None, "domain", "username"),
    Index(None, "organization_type"),
)

# Public keys of every actor by key id (GoToSocial keys live at their own URL), and the
# private half for ours.
actor_keys = Table(
    "actor_keys",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("key_id", Text, nullable=False, unique=True),
    # rsa | ed25519
    Column("algorithm", String(16), nullable=False),
    Column("public_pem", Text, nullable=False),
    Column("private_pem", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

# People who log in. Each has exactly one local Person actor.
accounts = Table(
    "accounts",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(320), unique=True),
    Column("password_hash", Text, nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_approved", Boolean, nullable=False, default=True),
    Column("is_disabled", Boolean, nullable=False, default=False),
    Column("locale", String(16)),
    # Staff below the admins: works the moderation queue (docs/moderation.md).
    Column("is_moderator", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
    # Trust between residents (services/vouches.py): the few words a newcomer wrote at
    # sign-up for the neighbours who may know them, and whether they agree to show who
    # vouched for them (and to be named on the profiles of those they vouched for).
    Column("signup_presentation", Text),
    Column("shows_vouches", Boolean, nullable=False, default=False),
)

follows = Table(
    "follows",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("follower_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("followed_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    # The Follow activity's id, needed for Accept/Reject/Undo in both directions.
    Column("uri", Text, nullable=False, unique=True),
    # pending | accepted
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("follower_id", "followed_id"),
    Index(None, "followed_id", "state"),
)

# Posts: ours and remote ones we hold a copy of.
objects = Table(
    "objects",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("uri", Text, nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    # note | offer | request | event
    Column("kind", String(16), nullable=False, default="note"),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("is_local", Boolean, nullable=False),
    # public | unlisted | followers | direct
    Column("visibility", String(16), nullable=False),
    Column("in_reply_to_uri", Text),
    Column("name", Text),
    Column("summary", Text),
    Column("content", Text, nullable=False, default=""),
    Column("source", Text),
    Column("sensitive", Boolean, nullable=False, default=False),
    Column("language", String(16)),
    Column("url", Text),
    Column("published", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),
    # The received document (remote) or extra fields (local) not kept in columns.
    Column("data", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    # Offers, requests and events share these: one table, so the nearby feed filters
    # every kind with one query.
    Column("category", String(64)),
    # listings: open | reserved | closed | cancelled; events: confirmed | tentative | cancelled
    Column("status", String(16)),
    Column("place_name", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    # Grid cell of 0.01° (see fedlocal/geo.py): the index that prefilters radius queries.
    Column("geo_cell", BigInteger),
    Column("address", JSON),
    # Offers and requests.
    Column("intent", String(16)),
    Column("closed_as", String(16)),
    Column("reserved_for_uri", Text),
    Column("available_from", UTCDateTime),
    Column("available_until", UTCDateTime),
    Column("expires_at", UTCDateTime),
    Column("quantity", Integer),
    Column("price", Text),
    # A loan: when the thing was handed over, the agreed return day, when it came back.
    Column("lent_at", UTCDateTime),
    Column("due_on", Date),
    Column("returned_at", UTCDateTime),
    # Events.
    Column("starts_at", UTCDateTime),
    Column("ends_at", UTCDateTime),
    Column("timezone", String(64)),
    Column("join_mode", String(16)),
    Column("capacity", Integer),
    Column("participant_count", Integer),
    Column("external_url", Text),
    Index(None, "actor_id", "id"),
    Index(None, "is_local", "visibility", "id"),
    Index(None, "in_reply_to_uri"),
    Index(None, "geo_cell", "id"),
    Index(None, "kind", "status", "id"),
    Index(None, "category", "id"),
    Index(None, "starts_at"),
    Index(None, "expires_at"),
    Index(None, "due_on"),
    Index(None, "edited_at"),
)

# RSVPs to events, ours and remote people's; for a remote event, our residents' own.
participations = Table(
    "participations",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("event_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    # pending | accepted | rejected
    Column("state", String(16), nullable=False),
    Column("join_uri", Text, nullable=False, unique=True),
    Column("message", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("event_id", "actor_id"),
    Index(None, "event_id", "state"),
)

# Seats booked on rides (services/rides.py), by our residents and remote passengers: one
# booking per passenger, ride and date (a weekly ride has one per week).
ride_bookings = Table(
    "ride_bookings",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("ride_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("departs_on", Date, nullable=False),
    Column("seats", Integer, nullable=False),
    # pending | accepted | declined | cancelled
    Column("state", String(16), nullable=False),
    # The FEP-0837 Offer a remote passenger sent.
    Column("offer_uri", Text, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("ride_id", "actor_id", "departs_on"),
    Index(None, "ride_id", "departs_on", "state"),
    Index(None, "actor_id", "state"),
)

# "I'm interested" in an offer or request: by direct message, or a FEP-0837 Offer.
interests = Table(
    "interests",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("message_uri", Text),
    # The FEP-0837 Offer(Agreement) activity id, when the peer sent one.
    Column("offer_uri", Text),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("post_id", "actor_id"),
)

# Messages: direct posts between two people, one thread per pair of actors and per listing
# (a chain of messages about an offer or a request is that listing's thread; the others
# are the pair's own thread). Only threads with one of our residents in them are kept.
threads = Table(
    "threads",
    metadata,
    Column("id", AutoId, primary_key=True),
    # "<lower actor id>:<higher actor id>:<listing id or nothing>": the thread's identity.
    Column("key", String(64), nullable=False, unique=True),
    Column("listing_id", ForeignKey("objects.id", ondelete="SET NULL")),
    # The newest message: the order of the lists and the client API's paging key.
    Column("last_post_id", ForeignKey("objects.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "listing_id"),
)

# Our residents in a thread, each with their neighbour and their own unread and hidden marks.
thread_members = Table(
    "thread_members",
    metadata,
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("other_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("unread", Boolean, nullable=False, default=False),
    # Hidden from the list (the client API's DELETE) until the next message.
    Column("hidden", Boolean, nullable=False, default=False),
    Index(None, "actor_id", "unread"),
)

# Which direct post belongs to which thread.
thread_messages = Table(
    "thread_messages",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("thread_id", "post_id"),
    Index(None, "post_id"),
)

# The steps of an offer or a request with one neighbour (reserved, lent, reminder,
# overdue, returned, given, released): the history shown beside their messages, and the
# record that a reminder or an overdue notice went out once.
listing_steps = Table(
    "listing_steps",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("step", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("due_on", Date),
    Index(None, "post_id", "actor_id", "at"),
)

# What our actors should hear about: follows, mentions, interest, RSVPs.
notifications = Table(
    "notifications",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("recipient_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    # follow | follow_request | mention | interest | rsvp | reblog | favourite | update
    Column("type", String(32), nullable=False),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE")),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime),
    # A moderation_warning's text (`account_warnings`).
    Column("warning_id", ForeignKey("account_warnings.id", ondelete="CASCADE")),
    Index(None, "recipient_id", "id"),
    # The maintenance worker forgets notifications past `notification_retention_days`.
    Index(None, "created_at"),
)

# Announces (boosts), ours (the community actor's) and received ones.
announces = Table(
    "announces",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("uri", Text, nullable=False, unique=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("object_uri", Text, nullable=False),
    Column("object_id", ForeignKey("objects.id", ondelete="CASCADE")),
    Column("published", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("actor_id", "object_uri"),
    Index(None, "object_id"),
)

# Ids of activities already processed: the inbox worker's idempotency record.
received_activities = Table(
    "received_activities",
    metadata,
    Column("uri", Text, primary_key=True),
    Column("received_at", UTCDateTime, nullable=False, index=True),
)

# Raw inbound activities, written before the 202 and processed by the inbox worker.
inbox_queue = Table(
    "inbox_queue",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("activity_uri", Text),
    Column("actor_uri", Text),
    Column("key_id", Text),
    # pending | failed (done rows are deleted)
    Column("state", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("last_error", Text),
    Index(None, "state", "next_attempt_at"),
    # The inbox skips an activity already waiting here (a sender's retry, a second inbox).
    Index(None, "activity_uri"),
)

# An activity we send: the first stage of the two-stage fan-out. Its audience (followers
# of an actor, explicit inboxes) is expanded in bounded batches into `deliveries`.
outgoing_activities = Table(
    "outgoing_activities",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("uri", Text, nullable=False, unique=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    Column("followers_of", ForeignKey("actors.id", ondelete="SET NULL")),
    # More actors whose followers receive it (an Update of a post the community announced
    # also reaches the community's followers).
    Column("extra_followers_of", JSON),
    Column("inboxes", JSON, nullable=False),
    # pending | done
    Column("fanout_state", String(16), nullable=False),
    Column("fanout_cursor", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "fanout_state", "id"),
)

# One row per (activity, distinct inbox). Done rows are deleted; dead ones are kept.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column(
        "activity_id",
        ForeignKey("outgoing_activities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("inbox_url", Text, nullable=False),
    Column("domain", String(255), nullable=False),
    # pending | dead
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("activity_id", "inbox_url"),
    Index(None, "state", "next_attempt_at"),
    Index(None, "domain"),
)

# Health of every remote host we deliver to: the circuit breaker's memory.
remote_domains = Table(
    "remote_domains",
    metadata,
    Column("domain", String(255), primary_key=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    # closed | open
    Column("circuit_state", String(16), nullable=False, default="closed"),
    Column("open_until", UTCDateTime),
    Column("last_failure_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
)

# Pictures residents uploaded: attachments of posts (until attached, an upload waits here
# for its post; never attached, it is removed after a day), avatars and header images.
# The files themselves are in the media files store (fedlocal/media/files.py), named by
# their content's hash: two rows may name the same file, which is removed with the last.
media_attachments = Table(
    "media_attachments",
    metadata,
    Column("id", AutoId, primary_key=True),
    # Who uploaded it.
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    # The post it is attached to; empty while it waits (and for avatars and headers).
    Column("post_id", ForeignKey("objects.id", ondelete="SET NULL")),
    # attachment | avatar | header
    Column("purpose", String(16), nullable=False),
    # Order among the post's attachments.
    Column("position", Integer, nullable=False, default=0),
    Column("file_key", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("small_key", Text, nullable=False),
    Column("small_content_type", String(64), nullable=False),
    Column("small_width", Integer, nullable=False),
    Column("small_height", Integer, nullable=False),
    Column("blurhash", String(64)),
    # Alternative text.
    Column("description", Text),
    # Focal point, each in -1..1 (Mastodon's `focus`).
    Column("focus_x", Float, nullable=False, default=0.0),
    Column("focus_y", Float, nullable=False, default=0.0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attached_at", UTCDateTime),
    # ready | processing | failed. While processing (or once failed) the file columns
    # hold placeholders (empty keys, zero sizes) and name no file.
    Column("state", String(16), nullable=False, default="ready", server_default="ready"),
    # Why a failed upload was refused, in plain words.
    Column("error", Text),
    Index(None, "actor_id", "purpose"),
    Index(None, "post_id"),
    Index(None, "file_key"),
    Index(None, "small_key"),
    Index(None, "attached_at", "created_at"),
)

# Our copies of other servers' pictures (attachments of received posts, event posters,
# remote actors' avatars and header images), by their address there: fetched once,
# processed like uploads, and evicted oldest first past `remote_media_cache_bytes`.
remote_media = Table(
    "remote_media",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("remote_url", Text, nullable=False, unique=True),
    Column("file_key", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("small_key", Text, nullable=False),
    Column("small_content_type", String(64), nullable=False),
    Column("small_width", Integer, nullable=False),
    Column("small_height", Integer, nullable=False),
    Column("blurhash", String(64)),
    # Both files' sizes: what the cache limit counts.
    Column("size_bytes", BigInteger, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Index(None, "fetched_at"),
    Index(None, "file_key"),
    Index(None, "small_key"),
)

# --- Mastodon client API and OAuth2 (fedlocal/api) -----------------------------------------

# Client applications registered through `POST /api/v1/apps`.
oauth_applications = Table(
    "oauth_applications",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("website", Text),
    # One registered redirect URI per line (custom schemes and the OOB URN included).
    Column("redirect_uris", Text, nullable=False),
    # Space-separated, as the app asked for them.
    Column("scopes", String(1024), nullable=False),
    Column("client_id", String(64), nullable=False, unique=True),
    # SHA-256 of the secret: the secret itself is shown once, at registration.
    Column("client_secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Authorization codes of the code grant: single use, short-lived, PKCE-bound when asked.
oauth_authorization_codes = Table(
    "oauth_authorization_codes",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column(
        "application_id",
        ForeignKey("oauth_applications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", String(1024), nullable=False),
    Column("code_challenge", String(128)),
    Column("code_challenge_method", String(16)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

# Bearer tokens, stored as SHA-256 of the token. `account_id` is empty for
# client_credentials tokens (an app acting for itself).
oauth_access_tokens = Table(
    "oauth_access_tokens",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column(
        "application_id",
        ForeignKey("oauth_applications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("scopes", String(1024), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Index(None, "account_id"),
)

# Favourites (Likes), our residents' and remote people's likes of our posts.
favourites = Table(
    "favourites",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    # The Like activity's id, for its Undo.
    Column("uri", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("actor_id", "post_id"),
    Index(None, "post_id"),
)

# Which post carries which hashtag (normalised form), for tag timelines and search.
post_hashtags = Table(
    "post_hashtags",
    metadata,
    Column("hashtag", String(100), primary_key=True),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True),
    Index(None, "post_id"),
)

# `Idempotency-Key` of status posts: the same key from the same account gives back the
# status made the first time.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "key"),
    Index(None, "created_at"),
)

# --- The resident web app (web/) -----------------------------------------------------------

# Browser sessions. The cookie holds a random token; the store keeps only its SHA-256, so
# a copy of the database logs nobody in. A visitor who has not logged in gets a session
# too (no account) when a form needs its CSRF secret.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    # Signs this session's one-time form tokens (web/csrf.py).
    Column("csrf_secret", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "account_id"),
    Index(None, "expires_at"),
)

# One-time form tokens already sent: the same form sent twice is refused the second time.
# Kept until the token would have expired anyway.
web_used_form_tokens = Table(
    "web_used_form_tokens",
    metadata,
    Column("nonce_hash", String(64), primary_key=True),
    Column(
        "session_id", ForeignKey("web_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("used_at", UTCDateTime, nullable=False, index=True),
)

# Invitations for instances whose sign-up mode is `invite`.
invite_codes = Table(
    "invite_codes",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("created_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("max_uses", Integer, nullable=False),
    Column("uses", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

# Failed logins, for the rate limit per address and per account (services/login.py).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", AutoId, primary_key=True),
    # Keyed hashes (HMAC-SHA256 under the instance's secret, 128 bits in hex) of the
    # client's address and of the login tried (the account's username, or the login as
    # typed when no account has it): no address is kept on disk, nor a mistyped login,
    # which is often a password typed in the wrong field.
    Column("address_hash", String(32), nullable=False),
    Column("login_hash", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "address_hash", "created_at"),
    Index(None, "login_hash", "created_at"),
)

# A resident's blocks, and a remote actor's blocks of our residents (a Block received):
# `account_id` blocks `target_id`. `uri` is the Block activity's id (ours, or theirs),
# named again by its Undo.
account_blocks = Table(
    "account_blocks",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("account_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("target_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("uri", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "target_id"),
    Index(None, "target_id"),
)

# A resident's mutes: `target_id`'s posts leave `account_id`'s timelines (and their
# notifications too with `notifications`), until `expires_at` when it is set.
account_mutes = Table(
    "account_mutes",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("account_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("target_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("notifications", Boolean, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "target_id"),
)

# A resident's own domain blocks (Mastodon's /api/v1/domain_blocks), not the instance's.
account_domain_blocks = Table(
    "account_domain_blocks",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("account_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("domain", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "domain"),
)


# Pinned posts (Mastodon's pins, the actor's `featured` collection): ours, and those of
# linked neighbours' organisations as their Add/Remove activities tell us.
pins = Table(
    "pins",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("object_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("actor_id", "object_id"),
    Index(None, "object_id"),
)


# "I know this person": a resident vouches for a neighbour (services/vouches.py). In the
# `vouch` sign-up mode, enough vouches open a waiting account.
vouches = Table(
    "vouches",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("voucher_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("vouchee_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("voucher_id", "vouchee_id"),
    Index(None, "vouchee_id"),
)


# Where a resident stopped reading, per timeline (`home`, `notifications`), as Mastodon's
# markers: apps save it on one device and resume from it on another.
markers = Table(
    "markers",
    metadata,
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("timeline", String(16), primary_key=True),
    Column("last_read_id", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# A resident's notification policy (Mastodon 4.3's v2 shape): for each kind of sender,
# `accept`, `filter` (kept aside as a notification request) or `drop`.
notification_policies = Table(
    "notification_policies",
    metadata,
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("for_not_following", String(8), nullable=False),
    Column("for_not_followers", String(8), nullable=False),
    Column("for_new_accounts", String(8), nullable=False),
    Column("for_private_mentions", String(8), nullable=False),
    Column("for_limited_accounts", String(8), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Senders whose notifications a resident accepted from their requests: never filtered.
notification_permissions = Table(
    "notification_permissions",
    metadata,
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("sender_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# --- Moderation ---------------------------------------------------------------------------

# Reports: a resident's report of a post, a message or an account, or a `Flag` another
# server sent. Each keeps a snapshot of what was reported as it was then (text, pictures,
# author), so a later edit or deletion does not change what moderators read.
reports = Table(
    "reports",
    metadata,
    Column("id", AutoId, primary_key=True),
    # The Flag's id: ours when forwarded, the sender's when received (Misskey sends none).
    Column("uri", Text),
    # Who reported: one of our residents, or the actor that sent the Flag (then
    # `origin_domain` names its server, and that is all moderators are shown).
    Column("reporter_id", ForeignKey("actors.id", ondelete="SET NULL")),
    Column("origin_domain", String(255)),
    Column("target_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    # Our ids of the reported posts (kept when a post is deleted; the snapshot has them).
    Column("post_ids", JSON, nullable=False),
    # spam | legal | violation | other
    Column("category", String(16), nullable=False),
    Column("comment", Text, nullable=False, default=""),
    # Sent on as a Flag to the reported account's server.
    Column("forwarded", Boolean, nullable=False, default=False),
    Column("snapshot", JSON, nullable=False),
    # The moderators' note.
    Column("note", Text, nullable=False, default=""),
    Column("assigned_account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    # Set when resolved (dismissed, or acted upon); cleared when reopened.
    Column("resolved_at", UTCDateTime),
    Column("resolved_by_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    # What was done (dismiss, remove_post, warn, limit, suspend, block_domain).
    Column("action", String(16)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "resolved_at", "id"),
    Index(None, "target_id", "id"),
    Index(None, "reporter_id"),
)

# --- Staff and moderation (docs/moderation.md) -------------------------------------------

# Every moderation and administration action: who did it, what, to what, and why.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", AutoId, primary_key=True),
    # NULL once the staff account is gone; `by_username` keeps who it was.
    Column("account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("by_username", String(64), nullable=False),
    # warn | limit | unlimit | suspend | unsuspend | remove_post | block_domain | role …
    Column("action", String(32), nullable=False),
    # What was acted on, as `kind:key` (`account:12`, `post:7`, `domain:bad.example`).
    Column("target", Text, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# Accounts (ours or remote) limited (Mastodon's "silence") or suspended by moderators.
# A local suspension also disables the account's logins (`accounts.is_disabled`).
actor_moderation = Table(
    "actor_moderation",
    metadata,
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("limited_at", UTCDateTime),
    Column("suspended_at", UTCDateTime),
)

# What a moderator told a resident (Mastodon's AccountWarning), shown in their
# notifications.
account_warnings = Table(
    "account_warnings",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True),
    # none | silence | suspend | delete_statuses (Mastodon's names)
    Column("action", String(32), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("created_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
)

# Domains blocked by the admins beside the config's `blocked_domains`.
domain_blocks = Table(
    "domain_blocks",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("domain", String(255), nullable=False, unique=True),
    # silence | suspend
    Column("severity", String(16), nullable=False),
    Column("public_comment", Text, nullable=False, default=""),
    Column("private_comment", Text, nullable=False, default=""),
    Column("created_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Domains allowed by the admins beside the config's `allowed_domains` (allowlist mode).
domain_allows = Table(
    "domain_allows",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("domain", String(255), nullable=False, unique=True),
    Column("created_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
)


# --- Legal pages and consent (services/legal.py) --------------------------------------------

# The legal pages as admins wrote them, one row per edit (the newest is shown, the older
# ones are the history). A row without body returns the page to its template.
legal_documents = Table(
    "legal_documents",
    metadata,
    Column("id", AutoId, primary_key=True),
    # notice | privacy | terms | accessibility
    Column("kind", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("body", Text),
    Column("edited_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "kind", "language", "id"),
)

# Each resident's acceptance of the terms of use and the privacy policy: the terms'
# version (`[legal] terms_version`) and when.
terms_acceptances = Table(
    "terms_acceptances",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("version", String(32), nullable=False),
    Column("accepted_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "version"),
)


# A resident's lists (Mastodon's): a title, which replies show, and whether its members'
# posts leave home (`exclusive`).
lists = Table(
    "lists",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("title", String(256), nullable=False),
    # followed | list | none
    Column("replies_policy", String(16), nullable=False),
    Column("exclusive", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# The accounts on a list (accounts its owner follows, as Mastodon requires).
list_members = Table(
    "list_members",
    metadata,
    Column("list_id", ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "actor_id"),
)

# Filters (Mastodon's v2): where they apply, what they do, until when.
filters = Table(
    "filters",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("title", String(256), nullable=False),
    # A comma-separated subset of home, notifications, public, thread, account.
    Column("context", String(64), nullable=False),
    # warn | hide | blur
    Column("action", String(8), nullable=False),
    Column("expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

filter_keywords = Table(
    "filter_keywords",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("filter_id", ForeignKey("filters.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("keyword", String(256), nullable=False),
    Column("whole_word", Boolean, nullable=False),
)

filter_statuses = Table(
    "filter_statuses",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("filter_id", ForeignKey("filters.id", ondelete="CASCADE"), nullable=False),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("filter_id", "post_id"),
)

# Web Push subscriptions, one per access token (Mastodon's rule).
push_subscriptions = Table(
    "push_subscriptions",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column(
        "token_id",
        ForeignKey("oauth_access_tokens.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("endpoint", Text, nullable=False),
    # The subscriber's P-256 public key and auth secret (base64url), from the browser.
    Column("p256dh", String(128), nullable=False),
    Column("auth", String(64), nullable=False),
    # The notification types it wants, comma-separated.
    Column("alerts", String(256), nullable=False),
    # all | followed | follower | none
    Column("policy", String(16), nullable=False),
    # RFC 8291 `aes128gcm` (Mastodon's `standard`), else the draft `aesgcm`.
    Column("standard", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Pushes to send: one row per (subscription, notification), retried with backoff.
push_deliveries = Table(
    "push_deliveries",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column(
        "subscription_id",
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("notification_id", ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False),
    # pending | dead
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("subscription_id", "notification_id"),
    Index(None, "state", "next_attempt_at"),
)


# Earlier versions of an edited post (ours or a remote copy), for its edit history: each
# row is a version as it was until the next one (`created_at`: when it was written).
post_edits = Table(
    "post_edits",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("content", Text, nullable=False),
    Column("summary", Text),
    Column("name", Text),
    Column("sensitive", Boolean, nullable=False),
    Column("attachments", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "post_id", "id"),
)

# A resident's bookmarks (private: never federated).
bookmarks = Table(
    "bookmarks",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("actor_id", "post_id"),
    Index(None, "post_id"),
)

# Hashtags a resident follows: `hashtag` folded as post_hashtags keeps it, `name` as typed.
followed_tags = Table(
    "followed_tags",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("hashtag", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("actor_id", "hashtag"),
)


# Group purchases (achats groupés): what makes a post of kind `group_purchase` one, beside
# its row in `objects` (title, description, pictures, pickup place). Quantities are kept in
# thousandths of the unit (1.5 kg is 1500) so sums are exact; prices in cents.
group_purchases = Table(
    "group_purchases",
    metadata,
    Column("post_id", ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True),
    Column("unit", String(16), nullable=False),
    # Only whole units may be committed (pieces, boxes); else thousandths (kg, litres).
    Column("whole", Boolean, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("minimum_milli", BigInteger, nullable=False),
    Column("maximum_milli", BigInteger),
    Column("deadline", UTCDateTime, nullable=False),
    Column("pickup_at", UTCDateTime, nullable=False),
    Column("pickup_place", Text, nullable=False),
    # open | confirmed | cancelled
    Column("state", String(16), nullable=False),
    Column("decided_at", UTCDateTime),
    # A purchase on another server: the total its server last stated (`committedQuantity`);
    # None for ours, whose total is the sum of the commitments below.
    Column("remote_committed_milli", BigInteger),
    Index(None, "state", "deadline"),
)

# Who takes how much of a group purchase: ours and remote neighbours'; one per person.
group_purchase_commitments = Table(
    "group_purchase_commitments",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column(
        "purchase_id", ForeignKey("group_purchases.post_id", ondelete="CASCADE"), nullable=False
    ),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
    Column("quantity_milli", BigInteger, nullable=False),
    # The activity that made or last changed it (a remote neighbour's `Offer`, or our
    # resident's Offer to a purchase elsewhere), if any.
    Column("activity_uri", Text, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # accepted | pending | refused | withdrawn: only our residents' commitments to a
    # purchase on another server wait (pending) for its server's Accept or Reject; a
    # remote neighbour's withdrawal is kept (counting nothing) so their late Offer is not.
    Column("state", String(16), nullable=False, default="accepted", server_default="accepted"),
    # Why the organiser's server refused it (its Reject's words).
    Column("reason", Text),
    # On a purchase elsewhere: the quantity its server last accepted, kept while a change
    # waits, so a refused change falls back to it (what that server still counts).
    Column("accepted_milli", BigInteger),
    # When the Offer behind it was written (its `published`): an Offer arriving late,
    # older than the one counted or than a withdrawal, changes nothing.
    Column("offered_at", UTCDateTime),
    UniqueConstraint("purchase_id", "actor_id"),
)


# A resident's data download (services/data_exports.py): one row per account, built in
# the background by the export worker, its zip kept under data_dir/exports until
# `expires_at`. A new request while one is pending or running is the same job.
data_exports = Table(
    "data_exports",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # pending | running | ready | failed
    Column("state", String(16), nullable=False),
    # 0 to 100, shown on the settings page.
    Column("progress", Integer, nullable=False, default=0),
    Column("file_name", String(64)),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("expires_at", UTCDateTime),
    UniqueConstraint("account_id"),
    Index(None, "state", "id"),
)


# Periodic jobs shared by every process on the database (store/job_leases.py): the
# process holding `locked_until` in the future runs the job; `last_run_at` spaces rounds
# out across processes, so N processes run one round per interval, not N.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64)),
    Column("locked_until", UTCDateTime),
    Column("last_run_at", UTCDateTime),
)

# Events counted by a sliding-window rate limit (store/rate_events.py), shared by every
# process on the database: API sign-ups per address, lookups of visitors' own servers.
# `key_hash` is a keyed hash (the client's address never reaches the disk).
rate_events = Table(
    "rate_events",
    metadata,
    Column("id", AutoId, primary_key=True),
    Column("scope", String(32), nullable=False),
    Column("key_hash", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "scope", "key_hash", "at"),
    Index(None, "at"),
)
