"""The legal pages (legal notice, privacy policy, terms of use, accessibility statement)
and residents' acceptance of the terms.

Each page, in each language, is its template filled from the config
(`legal_templates`) until an admin edits it; every edit is kept (the newest is shown), and
an admin may return a page to its template. A resident accepts the terms and the privacy
policy at sign-up; when `[legal] terms_version` changes, they are asked again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from ..models import Account
from ..sanitize import sanitize_page_html
from ..store import legal as legal_store
from ..store.clock import utcnow
from . import legal_templates
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound

KINDS = legal_templates.KINDS
MAX_BODY_CHARACTERS = 100_000

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@cache
def _markdown() -> MarkdownIt:
    """The legal pages' Markdown, built when a page is first rendered (markdown-it is not
    loaded at start)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class LegalPage:
    kind: str
    language: str
    markdown: str
    # Rendered and sanitised: safe to show as is.
    html: str
    # True while no admin's edit replaces the template.
    is_template: bool
    edited_at: datetime | None
    # How many edits the page has had (returns to the template included).
    edits: int


def render(markdown: str) -> str:
    """Markdown as safe HTML for a page: headings and tables kept, no images, no scripts."""
    return sanitize_page_html(_markdown().render(markdown))


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound("no such page")
    return kind


async def page(ctx: ServiceContext, kind: str, language: str) -> LegalPage:
    """The page `kind` in `language` (English when there is no template in it)."""
    kind = _kind(kind)
    language = legal_templates.template_language(language)
    async with ctx.db.read() as conn:
        stored = await legal_store.latest(conn, kind, language)
        edits = await legal_store.count_edits(conn, kind, language) if stored else 0
    if stored is None or stored.body is None:
        body = legal_templates.fill(ctx.config, kind, language)
        edited_at = stored.created_at if stored else None
        return LegalPage(kind, language, body, render(body), True, edited_at, edits)
    return LegalPage(
        kind, language, stored.body, render(stored.body), False, stored.created_at, edits
    )


def template(ctx: ServiceContext, kind: str, language: str) -> str:
    """The template of a page, filled from the config, whatever the admins wrote."""
    return legal_templates.fill(
        ctx.config, _kind(kind), legal_templates.template_language(language)
    )


async def save(
    ctx: ServiceContext, admin: Account, kind: str, language: str, body: str | None
) -> None:
    """An admin's new text for a page; None (or a blank text) returns it to its template."""
    if not admin.is_admin:
        raise Forbidden("only administrators do this")
    kind = _kind(kind)
    if language not in legal_templates.LANGUAGES:
        raise NotFound("no such page")
    text = (body or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_BODY_CHARACTERS:
        raise InvalidInput(
            "a page has at most %(max)s characters", max=MAX_BODY_CHARACTERS, field="body"
        )
    async with ctx.db.write() as conn:
        await legal_store.add_edit(
            conn,
            kind=kind,
            language=language,
            body=text or None,
            edited_by=admin.id,
            now=utcnow(),
        )


def terms_version(ctx: ServiceContext) -> str:
    return ctx.config.legal.terms_version


async def accept_terms(
    ctx: ServiceContext, account_id: int, *, now: datetime | None = None
) -> None:
    """Record that the account accepted the current terms and privacy policy."""
    async with ctx.db.write() as conn:
        await legal_store.record_acceptance(
            conn, account_id, terms_version(ctx), now=now or utcnow()
        )


async def accepted_current_terms(ctx: ServiceContext, account_id: int) -> datetime | None:
    """When the account accepted the current terms, or None when it has not (yet)."""
    async with ctx.db.read() as conn:
        return await legal_store.accepted_at(conn, account_id, terms_version(ctx))
