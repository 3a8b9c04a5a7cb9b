"""Plain-text views of a post shared by the feeds: its title and where it is."""

from __future__ import annotations

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
