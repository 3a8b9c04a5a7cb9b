"""Remote objects → RemotePostData: notes, offers and requests, events.

What every post has (id, author, addressing, content, tags) is read here; the kind is
then decided in this order:
1. an `Event` is an event;
2. a FEP-0837 proposal with `groupPurchase` and terms that read is a group purchase;
   anything else with a FEP-0837 `purpose` (a `Note`, a `Proposal`…) is an offer or a
   request;
3. a `Note` tagged `#offre`/`#demande` (`#offer`/`#request`) is an offer or a request;
4. anything else is a note.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from activitypub.addressing import as_list, audience, id_of, is_public_address

from ...categories import Categories
from ...formatting import markdown_to_html, normalise_hashtag
from ...models import Mention, RemotePostData, Visibility
from ...sanitize import sanitize_html
from .attachments import attachments_of
from .events import event_fields
from .group_purchases import purchase_terms
from .listings import fep0837_fields, hashtag_listing_fields, kind_from_hashtags, purpose_of
from .rides import ride_from_as
from .values import (
    MAX_NAME,
    MAX_TEXT,
    InvalidDocument,
    first_type,
    http_url,
    optional_uri,
    parse_datetime,
    require_uri,
    text,
)

POST_TYPES = frozenset({"Note", "Article", "Page", "Event", "Question", "Image", "Video", "Audio"})
BUILT_IN_CATEGORIES = Categories()


def post_from_as(document: Any, *, categories: Categories | None = None) -> RemotePostData:
    """A remote post (Note, Article, Event, FEP-0837 proposal…) from an object document.

    `categories` are the instance's (the built-in ones when not given): they turn
    `communityCategory` and category hashtags into our category keys.
    """
    if not isinstance(document, dict):
        raise InvalidDocument("an object must be a JSON object")
    categories = categories or BUILT_IN_CATEGORIES
    uri = require_uri(document)
    purpose = purpose_of(document)
    kind = first_type(document, POST_TYPES)
    if kind is None and purpose and first_type(document, frozenset({"Proposal"})):
        kind = "Proposal"
    if kind is None:
        raise InvalidDocument(f"unsupported object type {document.get('type')!r}")
    data = _common(document, uri, kind)
    return _with_reservation(_kind_fields(document, data, kind, purpose, categories), categories)


def _kind_fields(
    document: dict[str, Any],
    data: RemotePostData,
    kind: str,
    purpose: Any,
    categories: Categories,
) -> RemotePostData:
    hashtags = list(data.hashtags)
    if kind == "Event":
        return _described(replace(data, **event_fields(document, categories)), document)
    ride = ride_from_as(document)
    if ride is not None:
        # Its content (the summary, then the notes) is kept as sent.
        return replace(data, kind="ride", ride=ride, place=ride.origin)
    terms = purchase_terms(document) if purpose else None
    if terms is not None:
        # A group purchase elsewhere: its terms beside the proposal's place and category.
        fields = fep0837_fields(document, purpose, hashtags, categories)
        fields.update(kind="group_purchase", listing=None, group_purchase=terms)
        return _described(replace(data, **fields, fep0837=True), document)
    if purpose:
        fields = fep0837_fields(document, purpose, hashtags, categories)
        data = replace(data, **fields, fep0837=True)
        return _described(data, document)
    listing_kind = kind_from_hashtags(hashtags) if kind == "Note" else None
    if listing_kind:
        return replace(
            data, **hashtag_listing_fields(data.content, listing_kind, hashtags, categories)
        )
    return data


def _with_reservation(data: RemotePostData, categories: Categories) -> RemotePostData:
    """Who our category of the post is reserved to, for the inbox to decide whether the
    author may be filed under it (services/inbound.py)."""
    category = categories.get(data.category)
    if category is None or not category.reserved_for:
        return data
    return replace(data, category_reserved_for=category.reserved_for)


def _common(document: dict[str, Any], uri: str, kind: str) -> RemotePostData:
    content, language = _content(document)
    tags = [t for t in as_list(document.get("tag")) if isinstance(t, dict)]
    hashtags = tuple(
        normalise_hashtag(t["name"])
        for t in tags
        if t.get("type") == "Hashtag" and isinstance(t.get("name"), str)
    )
    mentions = tuple(
        Mention(href=t["href"], name=t["name"] if isinstance(t.get("name"), str) else t["href"])
        for t in tags
        if t.get("type") == "Mention" and isinstance(t.get("href"), str)
    )
    summary = document.get("summary")
    published = parse_datetime(document.get("published"))
    edited_at = parse_datetime(document.get("updated"))
    return RemotePostData(
        uri=uri,
        type=kind,
        kind="note",
        attributed_to=_attributed_to(document),
        visibility=_visibility(document),
        content=content,
        published=published or datetime.now(UTC),
        recipients=tuple(a for a in audience(document) if not is_public_address(a)),
        in_reply_to_uri=optional_uri(document.get("inReplyTo")),
        name=text(document.get("name"), MAX_NAME) or None,
        summary=sanitize_html(text(summary, MAX_TEXT)) if isinstance(summary, str) else None,
        sensitive=document.get("sensitive") is True,
        language=language,
        url=http_url(document.get("url")),
        edited_at=edited_at,
        hashtags=hashtags,
        mentions=mentions,
        version=edited_at or published,
        attachments=attachments_of(document),
    )


def _described(data: RemotePostData, document: dict[str, Any]) -> RemotePostData:
    """Content from the Markdown `source` when there is one: our content for Mastodon adds
    the title, facts and tags around the description, the source is the description."""
    source = document.get("source")
    if not isinstance(source, dict) or source.get("mediaType") != "text/markdown":
        return data
    markdown = source.get("content")
    if not isinstance(markdown, str):
        return data
    markdown = markdown[:MAX_TEXT]
    return replace(
        data, content=markdown_to_html(markdown) if markdown.strip() else "", source=markdown
    )


def _attributed_to(document: dict[str, Any]) -> str:
    for candidate in as_list(document.get("attributedTo")):
        uri = id_of(candidate)
        if isinstance(uri, str) and uri.startswith(("https://", "http://")):
            return uri
    raise InvalidDocument("an object needs attributedTo")


def _content(document: dict[str, Any]) -> tuple[str, str | None]:
    content = document.get("content")
    language = None
    content_map = document.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        language, mapped = next(iter(content_map.items()))
        if not isinstance(content, str):
            content = mapped
    if language is None:
        # Mobilizon and FEP-8a8e say it with schema.org's inLanguage.
        language = document.get("inLanguage")
    if not isinstance(content, str):
        content = ""
    if not isinstance(language, str) or not language or len(language) > 16:
        language = None
    return sanitize_html(content[:MAX_TEXT]), language


def _visibility(document: dict[str, Any]) -> Visibility:
    to = [id_of(v) for v in as_list(document.get("to"))]
    cc = [id_of(v) for v in as_list(document.get("cc"))]
    if any(is_public_address(v) for v in to):
        return "public"
    if any(is_public_address(v) for v in cc):
        return "unlisted"
    if any(isinstance(v, str) and v.endswith("/followers") for v in to + cc):
        return "followers"
    return "direct"
