"""The internal model (through the read views of services/views.py) → Mastodon's JSON
entities: Account, Status, Notification, Relationship, Application, Tag, List, Context,
Search results.

Ids are numeric strings (Ivory, Tusky and masto.js compare them); dates are RFC 3339
with milliseconds and `Z`; absent features come as empty arrays or nulls of the right
shape. Offers, requests and events read as statuses: the title in bold, the key facts,
then the description, with a `fedlocal` object for clients that know more.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..categories import Categories
from ..formatting import normalise_hashtag
from ..models import (
    Account,
    Actor,
    Attachment,
    Filter,
    FilterKeyword,
    FilterStatus,
    Place,
    Post,
    PostVersion,
    RideDetails,
    UserList,
)
from ..oauth import OAuthApp
from ..organizations import OrganizationType, organization_type
from ..purchases import GroupPurchase, show_quantity
from ..ride_dates import seat_dates
from ..sanitize import html_to_text
from ..services.group_purchases import progress_words
from ..services.messages import ConversationView
from ..services.notification_groups import group_key
from ..services.tags import TagView
from ..services.timelines import Relationship
from ..services.views import AccountView, BoostView, FilterMatch, NotificationView, PostView
from ..urls import Urls
from . import entity_types as E

# Mastodon's visibility names; a local-only post shows as public (with `local_only`).
VISIBILITY = {
    "public": "public",
    "unlisted": "unlisted",
    "followers": "private",
    "direct": "direct",
    "local": "public",
}
BOOST_ID_BASE = 1 << 48
DEFAULT_AVATAR = "/avatars/original/missing.png"
DEFAULT_HEADER = "/headers/original/missing.png"
NEARBY_LIST_ID = "nearby"

KIND_WORDS = {
    "fr": {
        "offer": "Offre",
        "request": "Demande",
        "event": "Événement",
        "group_purchase": "Achat groupé",
    },
    "en": {
        "offer": "Offer",
        "request": "Request",
        "event": "Event",
        "group_purchase": "Group purchase",
    },
}
STATUS_WORDS = {
    "fr": {"reserved": "réservé", "closed": "clos", "cancelled": "annulé"},
    "en": {"reserved": "reserved", "closed": "closed", "cancelled": "cancelled"},
}
# A closed offer says how it ended; a loan until when ("prêté jusqu'au 2031-05-08").
CLOSED_WORDS = {
    "fr": {"given": "donné", "lent": "prêté", "returned": "prêté puis rendu", "done": "fait"},
    "en": {"given": "given", "lent": "lent", "returned": "lent and returned", "done": "done"},
}
LENT_UNTIL = {"fr": "prêté jusqu'au {due}", "en": "lent until {due}"}


def timestamp(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with milliseconds, as Mastodon writes dates."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def boost_id(announce_id: int) -> int:
    """A boost's own status id, in a range no post id reaches."""
    return BOOST_ID_BASE + announce_id


def acct(actor: Actor, local_domain: str) -> str:
    """`user` for our accounts, `user@host[:port]` for remote ones, exactly as typed."""
    return actor.username if actor.is_local else f"{actor.username}@{actor.domain}"


def account(
    view: AccountView,
    urls: Urls,
    *,
    domain: str,
    source: E.CredentialSource | None = None,
    language: str = "fr",
) -> E.Account:
    actor = view.actor
    created = view.account.created_at if view.account is not None else actor.created_at
    # Our files only: a remote actor's pictures are our copies (services/remote_media.py).
    own_avatar = actor.icon_url if actor.is_local else actor.avatar_small_url
    own_header = actor.image_url if actor.is_local else actor.header_large_url
    avatar = own_avatar or urls.base + DEFAULT_AVATAR
    header = own_header or urls.base + DEFAULT_HEADER
    entity: E.Account = {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct(actor, domain),
        "display_name": actor.display_name or actor.username,
        "locked": actor.manually_approves_followers,
        "bot": actor.type in ("Service", "Application"),
        "discoverable": actor.role in ("resident", "community", "group") or None,
        "indexable": False,
        "group": actor.type == "Group",
        # Mastodon gives the day an account was made, at midnight.
        "created_at": timestamp(created.replace(hour=0, minute=0, second=0, microsecond=0)),
        "note": actor.summary or "",
        "url": actor.url or actor.uri,
        "uri": actor.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": view.followers_count,
        "following_count": view.following_count,
        "statuses_count": view.statuses_count,
        "last_status_at": view.last_status_at.date().isoformat() if view.last_status_at else None,
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [{"name": f.name, "value": f.value, "verified_at": None} for f in actor.fields],
    }
    roles: list[E.AccountRole] = []
    staff_role = role(view.account)
    if staff_role["highlighted"]:
        # Mastodon lists an account's highlighted roles (the badge apps show).
        roles.append({"id": staff_role["id"], "name": staff_role["name"], "color": ""})
    organization = organization_type(actor.organization_type)
    if organization is not None:
        org_roles, org_fields = _organization(organization, language, created)
        # The verified type first, then the account's own fields (a neighbour's actor
        # also carries its type as a field: not twice).
        own = [f for f in entity["fields"] if f["name"] not in ("Organisation", "Organization")]
        entity["fields"] = [*org_fields, *own]
        roles.extend(org_roles)
    if roles:
        entity["roles"] = roles
    if source is not None:
        entity["source"] = source
        entity["role"] = role(view.account)
    if view.moved is not None:
        entity["moved"] = account(view.moved, urls, domain=domain, language=language)
    return entity


def _organization(
    organization: OrganizationType, language: str, since: datetime
) -> tuple[list[E.AccountRole], list[E.Field]]:
    """A verified organisation as Mastodon apps show it: a role badge with its type, and
    a verified profile field saying it (the green tick apps draw)."""
    label = organization.label(language)
    role: E.AccountRole = {
        "id": f"organization-{organization.key}",
        "name": label,
        "color": organization.color,
    }
    name = "Organisation" if language == "fr" else "Organization"
    field: E.Field = {"name": name, "value": label, "verified_at": timestamp(since)}
    return [role], [field]


# Mastodon's permission bits (UserRole::FLAGS): `administrator` grants everything; a
# moderator views the dashboard and the audit log, and manages reports, users and tags.
_ADMINISTRATOR = 1 << 0
_MODERATOR = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 8) | (1 << 10)


def role(account: Account | None) -> E.Role:
    """The account's role as Mastodon names its default ones (verify_credentials' `role`;
    the highlighted ones are also the badges of the account's `roles`)."""
    if account is not None and account.is_admin:
        return {
            "id": "3",
            "name": "Admin",
            "permissions": str(_ADMINISTRATOR),
            "color": "",
            "highlighted": True,
        }
    if account is not None and account.is_moderator:
        return {
            "id": "1",
            "name": "Moderator",
            "permissions": str(_MODERATOR),
            "color": "",
            "highlighted": True,
        }
    return {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False}


def credential_source(
    view: AccountView, *, language: str, follow_requests: int
) -> E.CredentialSource:
    """`source` of the logged-in account (verify_credentials)."""
    return {
        "privacy": "public",
        "sensitive": False,
        "language": (view.account.locale if view.account else None) or language,
        "note": view.actor.note_source or _plain(view.actor.summary),
        "fields": [
            {"name": f.name, "value": f.source or _plain(f.value), "verified_at": None}
            for f in view.actor.fields
        ],
        "follow_requests_count": follow_requests,
        "hide_collections": False,
        "discoverable": True,
        "indexable": False,
        "attribution_domains": [],
    }


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment or "")).strip()


def _size(width: int | None, height: int | None) -> E.MediaSize | None:
    if not width or not height:
        return None
    return {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": round(width / height, 6),
    }


def media_attachment(attachment: Attachment, media_id: str) -> E.MediaAttachment:
    """A MediaAttachment: a picture of a post (or an upload waiting for its post)."""
    meta: E.MediaMeta = {"focus": {"x": attachment.focus[0], "y": attachment.focus[1]}}
    if (original := _size(attachment.width, attachment.height)) is not None:
        meta["original"] = original
    small = _size(attachment.preview_width, attachment.preview_height)
    if small is not None:
        meta["small"] = small
    return {
        "id": media_id,
        "type": "image" if attachment.media_type.startswith("image/") else "unknown",
        "url": attachment.url,
        "preview_url": attachment.preview_url or attachment.url,
        "remote_url": attachment.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": attachment.description,
        "blurhash": attachment.blurhash,
    }


def mention(actor: Actor, domain: str) -> E.Mention:
    return {
        "id": str(actor.id),
        "username": actor.username,
        "url": actor.url or actor.uri,
        "acct": acct(actor, domain),
    }


def tag(name: str, urls: Urls) -> E.Tag:
    return {"name": name, "url": urls.tag(name), "history": [], "following": False}


def tag_view(view: TagView, urls: Urls) -> E.Tag:
    """A Tag with its use over the last week (Mastodon's `history`: newest day first,
    each day's UNIX time and counts as strings) and whether the viewer follows it."""
    return {
        "name": view.name,
        "url": urls.tag(normalise_hashtag(view.name)),
        "history": [
            {
                "day": str(int(datetime.combine(d.day, datetime.min.time(), UTC).timestamp())),
                "uses": str(d.uses),
                "accounts": str(d.accounts),
            }
            for d in view.history
        ],
        "following": view.following,
    }


def _hashtags(post: Post) -> list[str]:
    tags = post.hashtags
    return [t for t in dict.fromkeys(tags) if isinstance(t, str) and t]


def content(
    post: Post, language: str, timezone: str = "UTC", purchase: GroupPurchase | None = None
) -> str:
    """What the status shows: for an offer, a request or an event, the title in bold and
    the key facts before the description; an event's start in the instance's `timezone`,
    named; a group purchase's total against its minimum and its deadline, as counted now
    (`purchase`), so a Mastodon app reads "12 kg sur 20 kg · jusqu'au 5 décembre"."""
    if (post.kind not in ("offer", "request", "event") and not post.name) or post.kind == "ride":
        # A ride's content opens with its summary already ("Paramé → Dinan · jeudi 8 h…").
        return post.content or ""
    words = "fr" if (post.language or language) == "fr" else "en"
    parts = []
    if post.name:
        parts.append(f"<p><strong>{html.escape(post.name)}</strong></p>")
    facts = []
    if post.kind in KIND_WORDS[words]:
        facts.append(KIND_WORDS[words][post.kind])
    state = post.listing.status if post.listing else post.event.status if post.event else None
    listing = post.listing
    if listing is not None and listing.on_loan and listing.due_on is not None:
        facts.append(LENT_UNTIL[words].format(due=listing.due_on.isoformat()))
    elif listing is not None and state == "closed" and listing.closed_as in CLOSED_WORDS[words]:
        facts.append(CLOSED_WORDS[words][listing.closed_as])
    elif state in STATUS_WORDS[words]:
        facts.append(STATUS_WORDS[words][state])
    if post.event is not None:
        facts.append(_start(post.event.starts_at, timezone))
    if purchase is not None:
        facts.append(progress_words(purchase, words, timezone))
    if post.place is not None and post.place.name:
        facts.append(post.place.name)
    if facts:
        parts.append("<p>" + html.escape(" · ".join(facts)) + "</p>")
    if post.content:
        parts.append(post.content)
    return "".join(parts)


def _start(moment: datetime, timezone: str) -> str:
    """`2026-12-05 19:00 (Europe/Paris)`; in UTC for a zone unknown here or a date at the
    very end of the calendar."""
    try:
        return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M") + f" ({timezone})"
    except (ZoneInfoNotFoundError, ValueError, OverflowError):
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _group_purchase(purchase: GroupPurchase) -> E.GroupPurchaseDetails:
    remaining = purchase.remaining_milli
    return {
        "unit": purchase.unit,
        "whole_units": purchase.whole,
        "unit_price": f"{purchase.unit_price_cents / 100:.2f}",
        "currency": purchase.currency,
        "minimum": show_quantity(purchase.minimum_milli),
        "maximum": (
            show_quantity(purchase.maximum_milli) if purchase.maximum_milli is not None else None
        ),
        "committed": show_quantity(purchase.committed_milli),
        "committers": purchase.committers,
        "remaining": show_quantity(remaining) if remaining is not None else None,
        "deadline": timestamp(purchase.deadline),
        "pickup_at": timestamp(purchase.pickup_at),
        "pickup_place": purchase.pickup_place,
        "status": purchase.state,
    }


def _fedlocal_details(
    post: Post, categories: Categories, purchase: GroupPurchase | None = None
) -> E.FedlocalDetails:
    details: E.FedlocalDetails = {"kind": post.kind}
    if post.name:
        details["title"] = post.name
    if post.category and (found := categories.get(post.category)) is not None:
        details["category"] = {"key": found.key, "fr": found.fr, "en": found.en}
    if post.listing is not None:
        details["listing"] = {
            "intent": post.listing.intent,
            "status": post.listing.status,
            "closed_as": post.listing.closed_as,
            "quantity": post.listing.quantity,
            "price": post.listing.price,
            "expires_at": timestamp(post.listing.expires_at),
        }
        if post.listing.lent_at is not None:
            details["listing"]["lent_at"] = timestamp(post.listing.lent_at)
            due = post.listing.due_on
            details["listing"]["due_on"] = due.isoformat() if due else None
            details["listing"]["returned_at"] = timestamp(post.listing.returned_at)
    if post.event is not None:
        details["event"] = {
            "starts_at": timestamp(post.event.starts_at),
            "ends_at": timestamp(post.event.ends_at),
            "timezone": post.event.timezone,
            "status": post.event.status,
            "join_mode": post.event.join_mode,
            "capacity": post.event.capacity,
            "participant_count": post.event.participant_count,
        }
    if post.ride is not None:
        details["ride"] = _ride_details(post.ride)
    if purchase is not None:
        details["group_purchase"] = _group_purchase(purchase)
    if post.place is not None:
        details["place"] = {
            "name": post.place.name,
            "latitude": post.place.latitude,
            "longitude": post.place.longitude,
        }
    return details


def _place_details(place: Place) -> E.PlaceDetails:
    return {"name": place.name, "latitude": place.latitude, "longitude": place.longitude}


def _ride_details(ride: RideDetails) -> E.RideDetails:
    cents = ride.contribution_cents
    return {
        "role": ride.role,
        "status": ride.status,
        "origin": _place_details(ride.origin),
        "destination": _place_details(ride.destination),
        "departs_at": timestamp(ride.departs_at),
        "arrives_at": timestamp(ride.arrives_at),
        "timezone": ride.timezone,
        "weekly": ride.weekly,
        "until": ride.until.isoformat() if ride.until else None,
        "seats": ride.seats,
        "contribution": (
            None
            if cents is None
            else {"amount": f"{cents // 100}.{cents % 100:02d}", "currency": ride.currency}
        ),
        "notes": ride.notes,
        # The next dates (one, or a weekly ride's next few) and the seats left on each; a
        # full date cannot be booked. None once the ride is cancelled or has left.
        "dates": [
            {
                "date": d.day.isoformat(),
                "departs_at": timestamp(d.departs_at),
                "seats_left": d.seats_left,
                "full": d.is_full,
            }
            for d in (seat_dates(ride) if ride.status == "open" else [])
        ],
    }


def status(
    view: PostView,
    urls: Urls,
    *,
    domain: str,
    categories: Categories,
    language: str,
    timezone: str = "UTC",
    source: bool = False,
) -> E.Status:
    post = view.post
    entity: E.Status = {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or post.uri,
        "created_at": timestamp(post.published),
        "account": account(view.author, urls, domain=domain, language=language),
        "content": content(post, language, timezone, view.group_purchase),
        "visibility": VISIBILITY.get(post.visibility, "public"),
        "sensitive": post.sensitive,
        "spoiler_text": (post.summary or "") if post.kind == "note" else "",
        "media_attachments": [
            media_attachment(a, str(a.media_id or f"{post.id}-{i}"))
            for i, a in enumerate(post.attachments)
        ],
        "application": None,
        "mentions": [mention(actor, domain) for actor in view.mentions],
        "tags": [tag(name, urls) for name in _hashtags(post)],
        "emojis": [],
        "reblogs_count": view.reblogs_count,
        "favourites_count": view.favourites_count,
        "replies_count": view.replies_count,
        "in_reply_to_id": str(view.in_reply_to_id) if view.in_reply_to_id else None,
        "in_reply_to_account_id": (
            str(view.in_reply_to_account_id) if view.in_reply_to_account_id else None
        ),
        "reblog": None,
        "poll": None,
        "card": None,
        "language": post.language,
        "text": post.source if source else None,
        # Only an edit of its text marks it edited, as Mastodon does: a copy's Update of
        # a total or of seats left is no edit (services/views.py).
        "edited_at": None if view.unedited_copy else timestamp(post.edited_at),
        "favourited": view.favourited,
        "reblogged": view.reblogged,
        "muted": False,
        "bookmarked": view.bookmarked,
        "pinned": view.pinned,
        "filtered": [filter_result(found) for found in view.filtered],
        "local_only": post.is_local_only,
    }
    if post.kind != "note" or post.name:
        entity["fedlocal"] = _fedlocal_details(post, categories, view.group_purchase)
    return entity


def status_edit(
    post: Post, version: PostVersion, author: E.Account, language: str, timezone: str = "UTC"
) -> E.StatusEdit:
    """One version of a status in its edit history (an offer's shows its title too)."""
    shown = replace(
        post,
        content=version.content,
        name=version.name,
        summary=version.summary,
        sensitive=version.sensitive,
        attachments=version.attachments,
    )
    return {
        "content": content(shown, language, timezone),
        "spoiler_text": (version.summary or "") if post.kind == "note" else "",
        "sensitive": version.sensitive,
        "created_at": timestamp(version.created_at),
        "account": author,
        "poll": None,
        "media_attachments": [
            media_attachment(a, str(a.media_id or f"{post.id}-{i}"))
            for i, a in enumerate(version.attachments)
        ],
        "emojis": [],
    }


def status_source(post: Post) -> E.StatusSource:
    """What the author wrote, for an app's edit form."""
    return {
        "id": str(post.id),
        "text": _source_text(post),
        "spoiler_text": (post.summary or "") if post.kind == "note" else "",
    }


def _source_text(post: Post) -> str:
    """What to edit: a note's text; an offer's or a request's title, then its
    description (as an app posts one)."""
    body = post.source if post.source is not None else html_to_text(post.content)
    if post.kind in ("offer", "request") and post.name:
        return f"{post.name}\n{body}".strip()
    return body


def boost(
    view: BoostView,
    urls: Urls,
    *,
    domain: str,
    categories: Categories,
    language: str,
    timezone: str = "UTC",
) -> E.Status:
    """A boost: a status of its own wrapping the boosted one (`reblog`)."""
    inner = status(
        view.reblog,
        urls,
        domain=domain,
        categories=categories,
        language=language,
        timezone=timezone,
    )
    return {
        **inner,
        "id": str(boost_id(view.announce.id)),
        "uri": view.announce.uri,
        "url": view.announce.uri,
        "created_at": timestamp(view.announce.published),
        "account": account(view.author, urls, domain=domain, language=language),
        "content": "",
        "spoiler_text": "",
        "mentions": [],
        "tags": [],
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": inner,
        "text": None,
        "edited_at": None,
    }


def notification(
    view: NotificationView,
    urls: Urls,
    *,
    domain: str,
    categories: Categories,
    language: str,
    timezone: str = "UTC",
) -> E.Notification:
    n = view.notification
    entity: E.Notification = {
        "id": str(n.id),
        "type": view.type,
        # The key of its group in /api/v2/notifications, as Mastodon 4.3 gives it here too
        # (Phanpy folds a streamed notification into its group by it).
        "group_key": group_key(view),
        "created_at": timestamp(n.created_at),
        "account": account(view.account, urls, domain=domain, language=language),
        "status": (
            status(
                view.status,
                urls,
                domain=domain,
                categories=categories,
                language=language,
                timezone=timezone,
            )
            if view.status is not None
            else None
        ),
    }
    if view.fedlocal_type:
        entity["fedlocal_type"] = view.fedlocal_type
    if view.warning is not None:
        entity["moderation_warning"] = {
            "id": str(view.warning.id),
            "action": view.warning.action,
            "text": view.warning.text,
            "status_ids": None,
            "target_account": entity["account"],
            "appeal": None,
            "created_at": timestamp(view.warning.created_at),
        }
    return entity


def conversation(
    view: ConversationView,
    urls: Urls,
    *,
    domain: str,
    categories: Categories,
    language: str,
    timezone: str = "UTC",
) -> E.Conversation:
    """A thread of messages as Mastodon's Conversation: the neighbour is its account."""
    return {
        "id": str(view.thread.id),
        "unread": view.unread,
        "accounts": [account(a, urls, domain=domain, language=language) for a in view.accounts],
        "last_status": (
            status(
                view.last_status,
                urls,
                domain=domain,
                categories=categories,
                language=language,
                timezone=timezone,
            )
            if view.last_status is not None
            else None
        ),
    }


def relationship(found: Relationship) -> E.Relationship:
    return {
        "id": str(found.id),
        "following": found.following,
        "showing_reblogs": found.following,
        "notifying": False,
        "languages": None,
        "followed_by": found.followed_by,
        "blocking": found.blocking,
        "blocked_by": found.blocked_by,
        "muting": found.muting,
        "muting_notifications": found.muting_notifications,
        "requested": found.requested,
        "requested_by": found.requested_by,
        "domain_blocking": found.domain_blocking,
        "endorsed": False,
        "note": "",
    }


def application(
    app: OAuthApp, *, client_secret: str | None = None, vapid_key: str = ""
) -> E.Application:
    """An Application; with its credentials at registration only."""
    entity: E.Application = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": list(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
        "vapid_key": vapid_key,
    }
    if client_secret is not None:
        entity["client_id"] = app.client_id
        entity["client_secret"] = client_secret
        entity["client_secret_expires_at"] = 0
    return entity


def filter_keyword(found: FilterKeyword) -> dict[str, Any]:
    return {"id": str(found.id), "keyword": found.keyword, "whole_word": found.whole_word}


def filter_status(found: FilterStatus) -> dict[str, Any]:
    return {"id": str(found.id), "status_id": str(found.post_id)}


def filter_v2(found: Filter) -> dict[str, Any]:
    """Mastodon's Filter (v2), with its keywords and statuses."""
    return {
        "id": str(found.id),
        "title": found.title,
        "context": list(found.context),
        "expires_at": timestamp(found.expires_at),
        "filter_action": found.action,
        "keywords": [filter_keyword(k) for k in found.keywords],
        "statuses": [filter_status(s) for s in found.statuses],
    }


def filter_result(found: FilterMatch) -> dict[str, Any]:
    """Mastodon's FilterResult: a status's `filtered` entry."""
    return {
        "filter": filter_v2(found.filter),
        "keyword_matches": list(found.keyword_matches) or None,
        "status_matches": [str(i) for i in found.status_matches] or None,
    }


def filter_v1(found: Filter, keyword: FilterKeyword) -> dict[str, Any]:
    """One keyword of a v2 filter as Mastodon's v1 Filter shows it."""
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": list(found.context),
        "whole_word": keyword.whole_word,
        "expires_at": timestamp(found.expires_at),
        "irreversible": found.action == "hide",
    }


def user_list(found: UserList) -> E.List:
    return {
        "id": str(found.id),
        "title": found.title,
        "replies_policy": found.replies_policy,
        "exclusive": found.exclusive,
    }


def nearby_list(language: str) -> E.List:
    return {
        "id": NEARBY_LIST_ID,
        "title": "À proximité" if language == "fr" else "Nearby",
        "replies_policy": "none",
        "exclusive": False,
    }
