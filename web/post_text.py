"""Plain-text views of a post shared by the feeds: its title and where it is."""

from __future__ import annotations

import re

from fedlocal.models import Post
from fedlocal.sanitize import html_to_text

TITLE_WORDS = 10


def title_of(post: Post) -> str:
    """The title, or the first words of the text for an untitled post (a note)."""
    if post.name and post.name.strip():
        return post.name.strip()
    words = html_to_text(post.content).split()
    title = " ".join(words[:TITLE_WORDS])
    return title + "…" if len(words) > TITLE_WORDS else title


def location_of(post: Post) -> str | None:
    """The place name and address lines on one line, or None without a place."""
    if post.place is None:
        return None
    parts = [post.place.name, *post.place.address_lines, post.place.country]
    text = ", ".join(p.strip() for p in parts if p and p.strip())
    return text or None


EXCERPT_CHARACTERS = 140
_LEADING_MENTIONS = re.compile(r"^(?:@[\w.-]+(?:@[\w.:-]+)?[\s,:]*)+")


def excerpt_of(post: Post) -> str:
    """A message's first words for a list: its text without the mentions it opens with
    (a direct message starts with its addressee), cut at a word."""
    text = " ".join(html_to_text(post.content).split())
    text = _LEADING_MENTIONS.sub("", text) or text
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    return text[:EXCERPT_CHARACTERS].rsplit(" ", 1)[0] + "…"


_MENTION_HTML = r'\s*<span class="h-card"[^>]*>\s*<a [^>]*>@<span>[^<]*</span></a>\s*</span>\s*'
_MENTION_PARAGRAPH = re.compile(rf"^<p>(?:{_MENTION_HTML})+</p>")
_OPENING_MENTIONS = re.compile(rf"^<p>(?:{_MENTION_HTML})+")


def without_opening_mentions(html: str) -> str:
    """A message's HTML without the mentions it opens with: in a thread, they only name
    the person it is addressed to. Whatever else it says is kept as it is."""
    shorter = _MENTION_PARAGRAPH.sub("", html, count=1)
    if shorter != html:
        return shorter.lstrip() or html
    return _OPENING_MENTIONS.sub("<p>", html, count=1)
