"""Atom (RFC 4287) feeds of the instance's posts, built with ElementTree so every text
and attribute value is escaped by construction.

Each entry carries the post's sanitised HTML followed by its key facts (when, where,
status…), so a feed reader shows what the web page shows.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fedlocal.categories import Category
from fedlocal.models import Actor, Post
from fedlocal.sanitize import sanitize_html

from .post_text import location_of, title_of

MEDIA_TYPE = "application/atom+xml; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
GEORSS_NS = "http://www.georss.org/georss"
# Characters XML 1.0 cannot hold at all; ElementTree escapes markup but passes these on.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

LABELS = {
    "en": {
        "separator": ": ",
        "note": "Note",
        "offer": "Offer",
        "request": "Request",
        "event": "Event",
        "when": "When",
        "where": "Where",
        "status": "Status",
        "price": "Price",
        "quantity": "Quantity",
        "available": "Available",
        "until": "Until",
        "places_left": "Places left",
        "full": "full",
        "confirmed": "confirmed",
        "tentative": "to be confirmed",
        "cancelled": "cancelled",
        "open": "open",
        "reserved": "reserved",
        "closed": "closed",
        "give": "to give",
        "lend": "to lend",
        "sell": "for sale",
        "service": "service offered",
        "help": "help wanted",
        "item": "looking for an item",
    },
    "fr": {
        "separator": "\u00a0: ",
        "note": "Note",
        "offer": "Offre",
        "request": "Demande",
        "event": "Événement",
        "when": "Quand",
        "where": "Où",
        "status": "Statut",
        "price": "Prix",
        "quantity": "Quantité",
        "available": "Disponible",
        "until": "Jusqu'au",
        "places_left": "Places restantes",
        "full": "complet",
        "confirmed": "confirmé",
        "tentative": "à confirmer",
        "cancelled": "annulé",
        "open": "ouvert",
        "reserved": "réservé",
        "closed": "terminé",
        "give": "à donner",
        "lend": "à prêter",
        "sell": "à vendre",
        "service": "service proposé",
        "help": "besoin d'aide",
        "item": "recherche un objet",
    },
}


@dataclass(frozen=True)
class Feed:
    """What the feed says about itself. Every page of a paged feed has the same `id`
    (its first page's URL) and its own `self_url`."""

    id: str
    title: str
    self_url: str
    alternate_url: str
    author_name: str
    author_uri: str
    language: str
    category_scheme: str
    subtitle: str = ""
    next_url: str | None = None


@dataclass(frozen=True)
class FeedEntry:
    post: Post
    author: Actor
    category: Category | None = None
    calendar_url: str | None = None


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def render_feed(feed: Feed, entries: Iterable[FeedEntry], *, now: datetime) -> bytes:
    """A complete Atom document, UTF-8."""
    entries = list(entries)
    # Plain prefixed names and explicit xmlns attributes rather than ElementTree's
    # namespace registry, which is process-wide state.
    root = ET.Element(
        "feed", {"xmlns": ATOM_NS, "xmlns:georss": GEORSS_NS, "xml:lang": feed.language}
    )
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle)
    updated = max((_updated(entry.post) for entry in entries), default=now)
    _add(root, "updated", rfc3339(updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate_url)
    if feed.next_url:
        _add(root, "link", rel="next", type="application/atom+xml", href=feed.next_url)
    author = _add(root, "author")
    _add(author, "name", feed.author_name)
    _add(author, "uri", feed.author_uri)
    _add(root, "generator", "fedlocal")
    for entry in entries:
        _entry(root, entry, feed)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _updated(post: Post) -> datetime:
    return post.edited_at or post.published


def _entry(root: ET.Element, entry: FeedEntry, feed: Feed) -> None:
    post, labels = entry.post, LABELS.get(feed.language, LABELS["en"])
    element = _add(root, "entry")
    _add(element, "id", post.uri)
    _add(element, "title", title_of(post) or labels.get(post.kind, post.kind))
    _add(element, "published", rfc3339(post.published))
    _add(element, "updated", rfc3339(_updated(post)))
    _add(element, "link", rel="alternate", type="text/html", href=post.url or post.uri)
    if entry.calendar_url:
        _add(element, "link", rel="related", type="text/calendar", href=entry.calendar_url)
    author = _add(element, "author")
    _add(author, "name", entry.author.display_name or entry.author.handle)
    _add(author, "uri", entry.author.url or entry.author.uri)
    if entry.category is not None:
        _add(
            element,
            "category",
            term=entry.category.key,
            label=entry.category.label(feed.language),
            scheme=feed.category_scheme,
        )
    _add(element, "content", _content_html(post, labels), type="html")
    if post.place is not None and post.place.has_coordinates:
        _add(element, "georss:point", f"{post.place.latitude:.6f} {post.place.longitude:.6f}")


def _content_html(post: Post, labels: dict[str, str]) -> str:
    body = sanitize_html(post.content or "")
    facts = key_facts(post, labels)
    if not facts:
        return body
    separator = html.escape(labels["separator"])
    items = "".join(
        f"<li><strong>{html.escape(label)}</strong>{separator}{html.escape(value)}</li>"
        for label, value in facts
    )
    return f"{body}<ul>{items}</ul>"


def key_facts(post: Post, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(label, value) pairs stating what a reader needs at a glance."""
    facts: list[tuple[str, str]] = []
    if post.event is not None:
        event = post.event
        facts.append((labels["when"], _when(event.starts_at, event.ends_at, event.timezone)))
        if event.status != "confirmed":
            facts.append((labels["status"], labels.get(event.status, event.status)))
        if event.capacity is not None:
            left = event.remaining_places
            facts.append((labels["places_left"], str(left) if left else labels["full"]))
    if post.listing is not None:
        listing = post.listing
        kind = labels.get(post.kind, post.kind)
        facts.append((kind, labels.get(listing.intent, listing.intent)))
        facts.append((labels["status"], labels.get(listing.status, listing.status)))
        if listing.price:
            facts.append((labels["price"], listing.price))
        if listing.quantity > 1:
            facts.append((labels["quantity"], str(listing.quantity)))
        if listing.available_from is not None:
            facts.append((labels["available"], listing.available_from.date().isoformat()))
        if listing.available_until is not None:
            facts.append((labels["until"], listing.available_until.date().isoformat()))
    where = location_of(post)
    if where:
        facts.append((labels["where"], where))
    return facts


def _when(starts_at: datetime, ends_at: datetime | None, timezone: str) -> str:
    """`2025-06-14 15:00 – 17:00 (Europe/Paris)`, in the event's own zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone, timezone = ZoneInfo("UTC"), "UTC"
    start = starts_at.astimezone(zone)
    text = start.strftime("%Y-%m-%d %H:%M")
    if ends_at is not None and ends_at > starts_at:
        end = ends_at.astimezone(zone)
        text += " – " + end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M")
    return f"{text} ({timezone})"
