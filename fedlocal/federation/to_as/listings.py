"""Offers and requests as `Note`s carrying FEP-0837 (interop.md §3.4, §5).

A `Note`, so Mastodon shows it: the title, the key facts and the hashtags are in
`content`. A marketplace-aware peer reads the FEP-0837 fields instead (`purpose`,
`publishes`, `location`), and another fedlocal instance our own terms and the Markdown
`source`, which makes the round trip exact.
"""

from __future__ import annotations

import html
from typing import Any

from ...categories import Categories, Category
from ...clock import utcnow
from ...formatting import normalise_hashtag
from ...hashtags import KIND_HASHTAGS, listing_tags
from ...models import Actor, ListingDetails, Post
from ...urls import Urls
from . import wording
from .attachments import attachment_documents
from .common import addressing, hashtag_link, hashtag_tags, iso, iso_precise, place_document
from .wording import zone

# FEP-0837 recommends these two actions only: things change hands, or someone does
# something for someone.
ACTIONS = {
    "give": "transfer",
    "lend": "transfer",
    "sell": "transfer",
    "item": "transfer",
    "service": "deliverService",
    "help": "deliverService",
}


def listing_hashtags(post: Post, categories: Categories) -> list[str]:
    """Kind, intent and category hashtags (the kind's and the intent's as the author typed
    them, `hashtags.listing_tags`), then any other the post carries."""
    assert post.listing is not None
    category = categories.get(post.category)
    category_tag = normalise_hashtag(category.hashtag) if category else None
    return listing_tags(post.kind, post.listing.intent, category_tag, post.hashtags)


def listing(
    post: Post,
    author: Actor,
    urls: Urls,
    *,
    categories: Categories,
    language: str | None = None,
    timezone: str = "Europe/Paris",
) -> dict[str, Any]:
    """An offer or a request as a FEP-0837 `Note` (without `@context`)."""
    details = post.listing
    if details is None or post.kind not in KIND_HASHTAGS:
        raise ValueError(f"post {post.uri} is not an offer or a request")
    words = wording.wording_language(language or post.language)
    hashtags = listing_hashtags(post, categories)
    category = categories.get(post.category)
    content = _content(post, details, category, hashtags, urls, words, timezone)
    to, cc = addressing(post, author)
    document: dict[str, Any] = {
        "id": post.uri,
        "type": "Note",
        "attributedTo": author.uri,
        "content": content,
        "published": iso(post.published),
        "url": post.url or post.uri,
        "to": to,
        "cc": cc,
        "sensitive": post.sensitive,
        "tag": hashtag_tags(hashtags, urls),
        "purpose": post.kind,
        "publishes": {
            "type": "Intent",
            "id": f"{post.uri}#primary",
            "action": ACTIONS.get(details.intent, "transfer"),
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": str(details.quantity)},
        },
        "unitBased": False,
        "listingIntent": details.intent,
        "listingStatus": details.status,
    }
    optional: dict[str, Any] = {
        "name": post.name,
        "contentMap": {post.language: content} if post.language else None,
        "source": {"content": post.source, "mediaType": "text/markdown"}
        if post.source is not None
        else None,
        "summary": post.summary,
        "inReplyTo": post.in_reply_to_uri,
        "updated": iso_precise(post.edited_at) if post.edited_at else None,
        "location": place_document(post.place, with_address=False),
        "startTime": iso(details.available_from) if details.available_from else None,
        "endTime": iso(details.available_until) if details.available_until else None,
        "communityCategory": post.category,
        "closedAs": details.closed_as,
        "reservedFor": details.reserved_for,
        "expires": iso(details.expires_at) if details.expires_at else None,
        "price": details.price,
        "loanStatus": loan_status(details, timezone),
        "lentAt": iso(details.lent_at) if details.lent_at else None,
        "dueOn": details.due_on.isoformat() if details.due_on else None,
        "returnedAt": iso(details.returned_at) if details.returned_at else None,
        "attachment": attachment_documents(post),
    }
    document.update({key: value for key, value in optional.items() if value})
    return document


def loan_status(details: ListingDetails, timezone: str) -> str | None:
    """`lent`, `overdue` (past its return day, in the instance's time zone) or
    `returned` for a loan; None otherwise."""
    if details.returned_at is not None and details.closed_as == "returned":
        return "returned"
    if not details.on_loan:
        return None
    today = utcnow().astimezone(zone(timezone)).date()
    return "overdue" if details.overdue_on(today) else "lent"


def _content(
    post: Post,
    details: ListingDetails,
    category: Category | None,
    hashtags: list[str],
    urls: Urls,
    language: str,
    timezone: str,
) -> str:
    """What Mastodon shows: title, key facts, description, hashtags."""
    facts = [wording.kind_and_intent(post.kind, details.intent, language)]
    if category is not None:
        facts.append(wording.label(language, "category") + category.label(language))
    if post.place is not None and post.place.name:
        facts.append(wording.label(language, "place") + post.place.name)
    available = wording.availability(
        details.available_from, details.available_until, timezone, language
    )
    if available:
        facts.append(wording.label(language, "available") + available)
    if details.price:
        facts.append(wording.label(language, "price") + details.price)
    status = wording.listing_status(details, language)
    if status:
        facts.append(wording.label(language, "status") + status)
    parts = [f"<p><strong>{html.escape(post.name)}</strong></p>"] if post.name else []
    parts.append("<p>" + "<br>".join(html.escape(fact) for fact in facts) + "</p>")
    if post.content:
        parts.append(post.content)
    if hashtags:
        parts.append("<p>" + " ".join(hashtag_link(tag, urls) for tag in hashtags) + "</p>")
    return "".join(parts)
