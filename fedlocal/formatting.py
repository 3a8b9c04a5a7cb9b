"""Turn what a resident types into the HTML we publish.

Plain text in, safe HTML out: paragraphs, line breaks, links and hashtags, in the markup
Mastodon itself produces so the post looks native everywhere.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from markdown_it import MarkdownIt

from .sanitize import sanitize_html
from .urls import Urls

# CommonMark without raw HTML: what people type is text, never markup we pass through.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")

_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’]")
_HASHTAG = re.compile(r"(?<![\w/#&])#(\w{1,100})", re.UNICODE)


@dataclass(frozen=True)
class FormattedText:
    html: str
    hashtags: tuple[str, ...]


def normalise_hashtag(name: str) -> str:
    """Lower-case, accent-folded form used to index and compare hashtags (`Prêt` → `pret`)."""
    folded = unicodedata.normalize("NFKD", name.lstrip("#")).encode("ascii", "ignore").decode()
    return (folded or name.lstrip("#")).lower()


def text_to_html(text: str, urls: Urls) -> FormattedText:
    """Format plain text: blank lines split paragraphs, newlines become `<br>`."""
    hashtags: list[str] = []
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n")) if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        lines = [_format_line(line, urls, hashtags) for line in paragraph.split("\n")]
        rendered.append("<p>" + "<br>".join(lines) + "</p>")
    unique = tuple(dict.fromkeys(normalise_hashtag(tag) for tag in hashtags))
    return FormattedText("".join(rendered), unique)


def _format_line(line: str, urls: Urls, hashtags: list[str]) -> str:
    out: list[str] = []
    position = 0
    for match in _URL.finditer(line):
        out.append(_format_words(line[position : match.start()], urls, hashtags))
        url = match.group(0)
        out.append(
            f'<a href="{html.escape(url)}" rel="nofollow noopener noreferrer" target="_blank">'
            f"{html.escape(url)}</a>"
        )
        position = match.end()
    out.append(_format_words(line[position:], urls, hashtags))
    return "".join(out)


def _format_words(text: str, urls: Urls, hashtags: list[str]) -> str:
    out: list[str] = []
    position = 0
    for match in _HASHTAG.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        name = match.group(1)
        hashtags.append(name)
        href = urls.tag(normalise_hashtag(name))
        out.append(
            f'<a href="{html.escape(href)}" class="mention hashtag" rel="tag">'
            f"#<span>{html.escape(name)}</span></a>"
        )
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """A description in Markdown, rendered and reduced to the sanitiser's allowlist."""
    return sanitize_html(_markdown.render(text.strip()))
