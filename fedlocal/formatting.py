"""Turn what a resident types into the HTML we publish.

Plain text in, safe HTML out: paragraphs, line breaks, links, hashtags and mentions, in
the markup Mastodon itself produces so the post looks native everywhere.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .sanitize import sanitize_html
from .urls import Urls

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@cache
def _markdown() -> MarkdownIt:
    """CommonMark without raw HTML: what people type is text, never markup we pass
    through. Built on first use: markdown-it (60-odd modules) is not loaded by a process
    that renders no Markdown."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’]")
_HASHTAG = re.compile(r"(?<![\w/#&])#(\w{1,100})", re.UNICODE)
# `@name` or `@name@host` (not inside an e-mail address or a URL), as Mastodon reads it.
MENTION = re.compile(
    r"(?<![\w/@])@([a-zA-Z0-9_](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?)"
    r"(?:@([a-zA-Z0-9.-]+(?::\d{1,5})?))?",
)
_TOKEN = re.compile(f"{_HASHTAG.pattern}|{MENTION.pattern}", re.UNICODE)


@dataclass(frozen=True)
class MentionLink:
    """Where a mention links: the actor's page (or id) and the name it shows."""

    href: str
    username: str


@dataclass(frozen=True)
class FormattedText:
    html: str
    hashtags: tuple[str, ...]
    # The hrefs of the mentions linked where they stand.
    linked: tuple[str, ...] = ()


def mention_handle(user: str, host: str | None) -> str:
    """The key a mention is looked up by: `name` or `name@host`, lower-case."""
    return (f"{user}@{host}" if host else user).lower()


def mention_markup(link: MentionLink) -> str:
    """A mention in Mastodon's markup, which it renders as a mention and never
    translates."""
    return (
        f'<span class="h-card" translate="no"><a href="{html.escape(link.href)}" '
        f'class="u-url mention">@<span>{html.escape(link.username)}</span></a></span>'
    )


def normalise_hashtag(name: str) -> str:
    """Lower-case, accent-folded form used to index and compare hashtags (`Prêt` → `pret`)."""
    folded = unicodedata.normalize("NFKD", name.lstrip("#")).encode("ascii", "ignore").decode()
    return (folded or name.lstrip("#")).lower()


def text_to_html(
    text: str, urls: Urls, mentions: Mapping[str, MentionLink] | None = None
) -> FormattedText:
    """Format plain text: blank lines split paragraphs, newlines become `<br>`. A mention
    found in `mentions` (keyed by `mention_handle`) is linked where it stands."""
    found = _Found([], [], mentions or {})
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n")) if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        lines = [_format_line(line, urls, found) for line in paragraph.split("\n")]
        rendered.append("<p>" + "<br>".join(lines) + "</p>")
    unique = tuple(dict.fromkeys(normalise_hashtag(tag) for tag in found.hashtags))
    return FormattedText("".join(rendered), unique, tuple(dict.fromkeys(found.linked)))


@dataclass(frozen=True)
class _Found:
    hashtags: list[str]
    linked: list[str]
    mentions: Mapping[str, MentionLink]


def _format_line(line: str, urls: Urls, found: _Found) -> str:
    out: list[str] = []
    position = 0
    for match in _URL.finditer(line):
        out.append(_format_words(line[position : match.start()], urls, found))
        url = match.group(0)
        out.append(
            f'<a href="{html.escape(url)}" rel="nofollow noopener noreferrer" target="_blank">'
            f"{html.escape(url)}</a>"
        )
        position = match.end()
    out.append(_format_words(line[position:], urls, found))
    return "".join(out)


def _format_words(text: str, urls: Urls, found: _Found) -> str:
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        name, user, host = match.group(1), match.group(2), match.group(3)
        if name is not None:
            out.append(html.escape(text[position : match.start()]))
            found.hashtags.append(name)
            href = urls.tag(normalise_hashtag(name))
            out.append(
                f'<a href="{html.escape(href)}" class="mention hashtag" rel="tag">'
                f"#<span>{html.escape(name)}</span></a>"
            )
        else:
            link = found.mentions.get(mention_handle(user, host))
            if link is None:
                continue  # not someone found: it stays text, as on Mastodon
            out.append(html.escape(text[position : match.start()]))
            found.linked.append(link.href)
            out.append(mention_markup(link))
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def field_value_html(value: str) -> str:
    """A profile field's value as Mastodon shows it: its web addresses linked with
    `rel="me"` (the link a personal site links back to, to verify the field)."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(value):
        out.append(html.escape(value[position : match.start()]))
        url = html.escape(match.group(0))
        out.append(
            f'<a href="{url}" rel="me nofollow noopener noreferrer" target="_blank">{url}</a>'
        )
        position = match.end()
    out.append(html.escape(value[position:]))
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """A description in Markdown, rendered and reduced to the sanitiser's allowlist."""
    return sanitize_html(_markdown().render(text.strip()))


_MARKUP = re.compile(r"(<[^>]*>)")
_NOT_LINKED_IN = ("a", "code", "pre")


def description_html(text: str, urls: Urls) -> FormattedText:
    """An offer's, a request's or an event's description (Markdown) as HTML, its hashtags
    linked as a note's are (outside links and code), and the hashtags it carries."""
    rendered = markdown_to_html(text) if text.strip() else ""
    hashtags: list[str] = []
    out: list[str] = []
    inside = 0
    for part in _MARKUP.split(rendered):
        if part.startswith("<"):
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in _NOT_LINKED_IN:
                inside += -1 if part.startswith("</") else 1
            out.append(part)
        elif inside > 0:
            out.append(part)
        else:
            out.append(_HASHTAG.sub(lambda m: _hashtag_link(m.group(1), urls, hashtags), part))
    unique = tuple(dict.fromkeys(normalise_hashtag(tag) for tag in hashtags))
    return FormattedText("".join(out), unique, ())


def _hashtag_link(name: str, urls: Urls, found: list[str]) -> str:
    found.append(name)
    href = urls.tag(normalise_hashtag(name))
    return (
        f'<a href="{html.escape(href)}" class="mention hashtag" rel="tag">'
        f"#<span>{html.escape(name)}</span></a>"
    )
