"""Atom (RFC 4287) feeds of the instance's posts, written with `feedgen`, which escapes
every text and attribute value.

Each entry carries the post's sanitised HTML followed by its key facts (when, where,
status…), so a feed reader shows what the web page shows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedgen.entry import FeedEntry as _FeedgenEntry
from feedgen.feed import FeedGenerator

from fedlocal import __version__
from fedlocal.categories import Category
from fedlocal.models import Actor, Post
from fedlocal.sanitize import sanitize_html

from .post_text import location_of, title_of

MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# Characters XML 1.0 cannot hold at all (lxml refuses them); a remote name may carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

LABELS = {
    "en": {
        "separator": ": ",
        "note": "Note",
        "offer": "Offer",
        "request": "Request",
        "event": "Event",
        "group_purchase": "Group purchase",
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
        "group_purchase": "Achat groupé",
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
    """A post and what its entry needs beside it."""

    post: Post
    author: Actor
    category: Category | None = None
    calendar_url: str | None = None


class _Entry(_FeedgenEntry):
    """feedgen 1.0.0 writes an entry's links with their `href` only
    (lkiesow/python-feedgen#135): this puts their `rel` and `type` back."""

    def atom_entry(self, extensions=True):
        element = super().atom_entry(extensions)
        for link, wanted in zip(element.iterfind("link"), self.link() or [], strict=True):
            link.attrib.update({k: v for k, v in wanted.items() if k != "href"})
        return element


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _stamp(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _updated(post: Post) -> datetime:
    return post.edited_at or post.published


def render_feed(feed: Feed, entries: Iterable[FeedEntry], *, now: datetime) -> bytes:
    """A complete Atom document, UTF-8; `now` dates a feed without entries."""
    entries = list(entries)
    fg = FeedGenerator()
    fg.load_extension("geo", rss=False)
    fg.id(_text(feed.id))
    fg.title(_text(feed.title))
    if feed.subtitle:
        fg.subtitle(_text(feed.subtitle))
    fg.updated(_stamp(max((_updated(entry.post) for entry in entries), default=now)))
    fg.link(href=_text(feed.self_url), rel="self", type="application/atom+xml")
    fg.link(href=_text(feed.alternate_url), rel="alternate", type="text/html")
    if feed.next_url:
        fg.link(href=_text(feed.next_url), rel="next", type="application/atom+xml")
    fg.author(name=_text(feed.author_name), uri=_text(feed.author_uri))
    fg.generator("fedlocal", version=__version__)
    fg.language(feed.language)
    for entry in entries:
        _entry(fg.add_entry(_Entry(), order="append"), entry, feed)
    return fg.atom_str()


def _entry(out: _Entry, entry: FeedEntry, feed: Feed) -> None:
    post, labels = entry.post, LABELS.get(feed.language, LABELS["en"])
    out.id(_text(post.uri))
    # A title of nothing but forbidden characters would be empty, which Atom refuses.
    out.title(_text(title_of(post)) or labels.get(post.kind, post.kind))
    out.published(_stamp(post.published))
    out.updated(_stamp(_updated(post)))
    out.link(href=_text(post.url or post.uri), rel="alternate", type="text/html")
    if entry.calendar_url:
        out.link(href=_text(entry.calendar_url), rel="related", type="text/calendar")
    author = entry.author
    # A display name of nothing but forbidden characters would leave the entry unsigned.
    name = _text(author.display_name or "") or author.handle
    out.author(name=name, uri=_text(author.url or author.uri))
    if entry.category is not None:
        label = entry.category.label(feed.language)
        out.category(term=entry.category.key, label=_text(label), scheme=feed.category_scheme)
    out.content(_text(_content_html(post, labels)), type="html")
    if post.place is not None and post.place.has_coordinates:
        out.geo.point(f"{post.place.latitude:.6f} {post.place.longitude:.6f}")


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
