"""HTML sanitising for everything that arrives from elsewhere or is typed by a person.

The allowlist follows what Mastodon keeps (interop.md §3.3), so a post renders the same
here as on Mastodon: inline formatting, links, lists, quotes, code; no images, scripts,
styles or tables. Headings become bold paragraphs.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3

_TAGS = {
    "p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u",
    "ul", "ol", "li", "blockquote",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "class"},
    "span": {"class"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}
_SCHEMES = {
    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet",
    "gemini", "mailto",
}  # fmt: skip
_KEPT_CLASSES = re.compile(r"^(?:(?:h|p|u|dt|e)-[\w-]+|mention|hashtag|ellipsis|invisible)$")
_HEADING = re.compile(r"<(/?)h[1-6](?:\s[^>]*)?>", re.IGNORECASE)
_CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the allowlist; links get `rel="nofollow noopener noreferrer"`."""
    html = _HEADING.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>", html)
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return _CLASS_ATTR.sub(_keep_known_classes, cleaned)


# Pages the instance's admins write (the legal pages) keep their structure: headings from
# h2 (the page has its h1) and simple tables; still no images, scripts, styles or frames,
# so a page never loads anything from another server.
_PAGE_TAGS = _TAGS | {"h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td"}
_PAGE_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>])", re.IGNORECASE)


def sanitize_page_html(html: str) -> str:
    """An admin's page reduced to its allowlist: h1 becomes h2, h5 and h6 become h4."""
    html = _PAGE_HEADING.sub(lambda m: f"<{m.group(1)}h{min(max(int(m.group(2)), 2), 4)}", html)
    cleaned = nh3.clean(
        html,
        tags=_PAGE_TAGS,
        attributes={**_ATTRIBUTES, "th": {"scope"}},
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return _CLASS_ATTR.sub(_keep_known_classes, cleaned)


def _keep_known_classes(match: re.Match[str]) -> str:
    kept = [name for name in match.group(1).split() if _KEPT_CLASSES.match(name)]
    return f' class="{" ".join(kept)}"' if kept else ""


def html_to_text(html: str) -> str:
    """Plain text of sanitised HTML, for titles, previews and feeds."""
    text = re.sub(r"<br\s*/?>|</p>\s*<p>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return html_lib.unescape(text).strip()
