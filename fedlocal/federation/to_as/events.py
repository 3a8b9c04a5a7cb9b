"""Events as `Event`s with FEP-8a8e fields plus Mobilizon's (interop.md §7).

Mastodon shows an Event as its name, its `summary` and a link, so the summary states the
date, time, time zone and place in words; Mobilizon and Gancio read the structured fields.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ...categories import Categories
from ...formatting import normalise_hashtag
from ...hashtags import EVENT_HASHTAG
from ...models import Actor, Post
from ...urls import Urls
from . import wording
from .attachments import poster_documents, poster_image
from .common import addressing, hashtag_tags, iso, iso_precise, place_document

ICAL_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
EVENT_STATUS = {
    "confirmed": "EventScheduled",
    "tentative": "EventTentative",
    "cancelled": "EventCancelled",
}
# FEP-8a8e wants an endTime even for an open-ended event, one that software (not people)
# can take as its end; `displayEndTime: false` says not to show it.
OPEN_END = timedelta(hours=3)


def event_hashtags(post: Post, categories: Categories) -> list[str]:
    """`#evenement`, the category's hashtag, then any other the post carries."""
    category = categories.get(post.category)
    tags = [
        EVENT_HASHTAG,
        normalise_hashtag(category.hashtag) if category else None,
        *post.hashtags,
    ]
    return list(dict.fromkeys(tag for tag in tags if tag))


def local_time(moment: datetime, timezone: str) -> str:
    """ISO 8601 with the offset of the event's time zone, as Mobilizon writes it."""
    return moment.astimezone(wording.zone(timezone)).isoformat(timespec="seconds")


def event(
    post: Post,
    author: Actor,
    urls: Urls,
    *,
    categories: Categories,
    language: str | None = None,
) -> dict[str, Any]:
    """An event as an `Event` object (without `@context`)."""
    details = post.event
    if details is None:
        raise ValueError(f"post {post.uri} is not an event")
    words = wording.wording_language(language or post.language)
    category = categories.get(post.category)
    to, cc = addressing(post, author)
    document: dict[str, Any] = {
        "id": post.uri,
        "type": "Event",
        "attributedTo": author.uri,
        "name": post.name or "",
        "content": post.content,
        "mediaType": "text/html",
        "summary": wording.event_summary(details, post.place, words),
        "startTime": local_time(details.starts_at, details.timezone),
        "endTime": local_time(details.ends_at or details.starts_at + OPEN_END, details.timezone),
        "timezone": details.timezone,
        "joinMode": details.join_mode,
        "participantCount": details.participant_count,
        "ical:status": ICAL_STATUS[details.status],
        "eventStatus": EVENT_STATUS[details.status],
        "commentsEnabled": True,
        "anonymousParticipationEnabled": False,
        "isOnline": False,
        # FEP-8a8e: organisers as a collection; ours is the author alone.
        "organizers": {"type": "Collection", "totalItems": 1, "items": [author.uri]},
        "published": iso(post.published),
        "url": post.url or post.uri,
        "to": to,
        "cc": cc,
        "sensitive": post.sensitive,
        "tag": hashtag_tags(event_hashtags(post, categories), urls),
    }
    optional: dict[str, Any] = {
        "displayEndTime": False if details.ends_at is None else None,
        "location": place_document(post.place, with_address=True),
        # Mobilizon reads a capacity of 0 as "no limit": an unlimited event sends none.
        "maximumAttendeeCapacity": details.capacity or None,
        "remainingAttendeeCapacity": details.remaining_places if details.capacity else None,
        "externalParticipationUrl": details.external_url,
        "category": category.mobilizon if category else None,
        "communityCategory": post.category,
        "inLanguage": post.language,
        "contentMap": {post.language: post.content} if post.language else None,
        "source": {"content": post.source, "mediaType": "text/markdown"}
        if post.source is not None
        else None,
        "inReplyTo": post.in_reply_to_uri,
        "updated": iso_precise(post.edited_at) if post.edited_at else None,
        "attachment": poster_documents(post) or None,
        "image": poster_image(post),
    }
    document.update({key: value for key, value in optional.items() if value is not None})
    return document
